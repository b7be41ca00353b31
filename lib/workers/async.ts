/**
 * @module The async worker: many keep-alive connections per process. It accepts from the shared
 * listening fds itself (poll + accept4 through lib/sys, so a connection is only ever taken when
 * there is room for it, made by shedding idle or slow connections) and hands each accepted fd to
 * node:net, bounded by --worker-connections. On stop it drains: no connection is cut mid-request.
 */

import net from "node:net";
import { log } from "../log.ts";
import * as sys from "../sys/mod.ts";
import { lateness, type ShedAfter, shedAfter, shedVictim } from "./shed.ts";
import { denoEngineFor, runDenoWorker } from "./deno/engine.ts";
import type { WorkerBase } from "./base.ts";
import { exchangeContext, listenerNames, peerAddr } from "./strict/context.ts";
import { acceptOrExhausted, FD_BACKOFF_MS } from "./fd_limit.ts";
import { serveConnection } from "./strict/exchange.ts";
import { SocketConnection, type SocketOptions } from "./strict/socket_io.ts";

/** Longest wait in poll: the loop looks at `alive` at least this often. */
const POLL_MS = 1000;
/** The sweep: heartbeat, deadlines, drain. */
const SWEEP_MS = 250;
/** A full worker waits this long before shedding, so a worker with room can take the connection. */
const SHED_GRACE_MS = 25;
/** A full worker with nothing to shed waits for room this long before polling again. */
const ROOM_WAIT_MS = 250;

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** The connections of one async worker and the room among them. */
class Pool {
  readonly conns = new Set<SocketConnection>();
  #roomFreed: (() => void) | null = null;
  #after: ShedAfter;

  constructor(after: ShedAfter) {
    this.#after = after;
  }

  /** The connection to shed first, if any (lib/workers/shed.ts). */
  victim(): SocketConnection | null {
    return shedVictim(this.conns, performance.now(), this.#after);
  }

  add(c: SocketConnection): void {
    this.conns.add(c);
    void c.closed.then(() => {
      this.conns.delete(c);
      const r = this.#roomFreed;
      this.#roomFreed = null;
      r?.();
    });
  }

  /** Resolves when a connection closes, or after `ms`. */
  room(ms: number): Promise<void> {
    return Promise.race([new Promise<void>((r) => this.#roomFreed = r), sleep(ms)]);
  }

  /** Drops the idle or slow connection that has waited longest; false when there is none. */
  async shed(): Promise<boolean> {
    const victim = this.victim();
    if (victim === null) return false;
    log.debug("Closing the longest-waiting idle or slow connection: --worker-connections reached");
    victim.destroy();
    await victim.closed;
    return true;
  }
}

/** Runs the async loop until the worker is told to stop, then drains its connections. */
export async function runAsyncWorker(w: WorkerBase): Promise<void> {
  const engine = denoEngineFor(w);
  if (engine !== null) return await runDenoWorker(w, engine);
  const ctx = exchangeContext(w, { className: "-k async", persistent: true });
  const max = w.settings.worker_connections;
  const nameOf = listenerNames(w.boot.fds);
  const pool = new Pool(shedAfter(ctx.timeouts.head));
  const opts: SocketOptions = { writeTimeout: ctx.timeouts.write, now: ctx.now };
  let drainAt = Infinity;
  const late = lateness(SWEEP_MS);
  const beat = setInterval(() => {
    w.notify();
    const now = ctx.now();
    if (!w.alive && drainAt === Infinity) drainAt = now + w.settings.graceful_timeout * 1000;
    const behind = late(now);
    for (const c of pool.conns) c.expire(now, drainAt, behind);
  }, SWEEP_MS);
  const serve = (accepted: sys.Accepted, listener: number) => {
    const sock = new net.Socket({
      fd: accepted.fd,
      readable: true,
      writable: true,
      allowHalfOpen: true,
    });
    const peer = peerAddr(accepted.remote);
    const c = new SocketConnection(sock, peer, nameOf(listener), opts, accepted.fd);
    pool.add(c);
    serveConnection(ctx, c).catch((e) => log.error("Error serving connection", e));
  };
  let graced = false;
  /**
   * Room for one more connection: free, or made by shedding once no other worker took the
   * waiting connection (after one grace period per wake-up, so a burst is shed at once).
   */
  const makeRoom = async (fd: number): Promise<boolean> => {
    if (pool.conns.size < max) return true;
    const victim = pool.victim();
    if (victim === null) return false; // wait for room
    // One already closing is dropped at once: no other worker could use it.
    if (!graced && victim.shedOrder()?.[0] !== 0) {
      graced = true;
      await sleep(SHED_GRACE_MS);
      if (pool.conns.size < max) return true;
    }
    if (!w.alive || sys.pollIn([fd], 0).length === 0) return false;
    return await pool.shed();
  };
  try {
    while (w.alive) {
      const ready = await sys.pollInAsync([...w.boot.fds, w.wakeFd], POLL_MS);
      sys.drain(w.wakeFd);
      graced = false;
      let starved = false;
      let exhausted = false;
      for (const fd of w.boot.fds) {
        if (!ready.includes(fd) || exhausted) continue;
        while (w.alive) {
          if (!await makeRoom(fd)) {
            starved = pool.conns.size >= max;
            break;
          }
          const conn = acceptOrExhausted(fd);
          if (conn === "exhausted") exhausted = true;
          if (conn === null || conn === "exhausted") break;
          serve(conn, fd);
        }
      }
      // Full of requests in hand, or out of fds: leave new connections in the shared backlog.
      if (starved || exhausted) await pool.room(exhausted ? FD_BACKOFF_MS : ROOM_WAIT_MS);
    }
    while (pool.conns.size > 0) await pool.room(POLL_MS);
  } finally {
    clearInterval(beat);
  }
  log.info(`Worker exiting (pid: ${Deno.pid})`);
}
