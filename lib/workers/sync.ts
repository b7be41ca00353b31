/**
 * @module The sync worker: one connection at a time on the shared listening socket, then close.
 * A connection is served only once its first bytes are in: one whose peer already closed or reset
 * is closed at once, and one that has sent nothing yet waits in a small set beside the listeners
 * (at most its header timeout), so silent connections never hold the worker.
 */

import { log } from "../log.ts";
import * as sys from "../sys/mod.ts";
import type { WorkerBase } from "./base.ts";
import { BlockingConnection, type BlockingOptions } from "./strict/blocking_io.ts";
import { exchangeContext, listenerNames, peerAddr } from "./strict/context.ts";
import { serveConnection } from "./strict/exchange.ts";
import { sliceSeconds } from "./timeouts.ts";

/** Longest the loop runs without letting the event loop turn (signals, timers). */
const YIELD_MS = 50;
/** Idle poll: how often the heartbeat is refreshed with nothing to do. */
const IDLE_POLL_MS = 1000;
/** How often the request in hand is looked at for a hang-up watch. */
const WATCH_MS = 100;
/** Accepted connections that have sent nothing yet, held beside the listeners at most. */
const MAX_SILENT = 64;
/** Once the worker stops, a held connection that sends its request within this long is served. */
const STOP_GRACE_MS = 1000;
/** How long accepting pauses after the process or system ran out of descriptors or memory. */
const ACCEPT_PAUSE_MS = 250;
/** At most one log line per this many ms about accept() running out of resources. */
const ACCEPT_LOG_EVERY_MS = 10_000;
/** accept() errors that mean "not now" (EMFILE, ENFILE, ENOBUFS, ENOMEM): pause, never exit. */
const TRANSIENT = new Set(["EMFILE", "ENFILE", "E105", "E12"]);

/**
 * Connections accepted before their first byte (no deferred accept on unix sockets, SYN cookies,
 * or a client silent past `TCP_DEFER_ACCEPT`), oldest first, each until its header timeout.
 */
class SilentSet {
  #list: BlockingConnection[] = [];
  #since: number[] = [];
  #limit: number;
  #now: () => number;

  constructor(limit: number, now: () => number) {
    this.#limit = limit;
    this.#now = now;
  }

  get size(): number {
    return this.#list.length;
  }

  fds(): number[] {
    return this.#list.map((c) => c.fd);
  }

  /** Holds `conn`; when full, closes the one that has been silent longest to make room. */
  add(conn: BlockingConnection): void {
    if (this.#list.length >= this.#limit) this.shedOldest();
    this.#list.push(conn);
    this.#since.push(this.#now());
  }

  /** Closes the connection that has been silent longest (false when there is none). */
  shedOldest(): boolean {
    if (this.#list.length === 0) return false;
    this.#remove(0).close(false);
    return true;
  }

  /** Closes those whose header timeout passed with nothing sent (as a served one would). */
  expire(head: number): void {
    const now = this.#now();
    while (this.#since.length > 0 && now - this.#since[0]! >= head) this.shedOldest();
  }

  /** Ms until the oldest one's header timeout passes (Infinity when none is held). */
  nextExpiry(head: number): number {
    return this.#since.length === 0 ? Infinity : Math.max(0, this.#since[0]! + head - this.#now());
  }

  /** The first held connection that sent bytes; those that hung up instead are closed. */
  takeReady(): BlockingConnection | null {
    if (this.#list.length === 0) return null;
    const ready = new Set(sys.pollIn(this.fds(), 0));
    for (let i = 0; i < this.#list.length && ready.size > 0; i++) {
      if (!ready.has(this.#list[i]!.fd)) continue;
      ready.delete(this.#list[i]!.fd);
      const found = this.#list[i]!.prefetch();
      if (found === "silent") continue;
      const conn = this.#remove(i--);
      if (found === "data") return conn;
      conn.close(false);
    }
    return null;
  }

  closeAll(): void {
    while (this.shedOldest()) { /* each one */ }
  }

  #remove(i: number): BlockingConnection {
    this.#since.splice(i, 1);
    return this.#list.splice(i, 1)[0]!;
  }
}

/** Pauses accepting after EMFILE and the like, with a rate-limited log line: never an exit. */
class AcceptPause {
  until = -Infinity;
  #logged = -Infinity;
  #unlogged = 0;

  /** Handles an accept() error: true when it was transient (the caller pauses accepting). */
  failed(e: unknown, now: number): boolean {
    if (!(e instanceof sys.SysError && TRANSIENT.has(e.code))) return false;
    this.until = now + ACCEPT_PAUSE_MS;
    if (now - this.#logged < ACCEPT_LOG_EVERY_MS) {
      this.#unlogged++;
      return true;
    }
    const more = this.#unlogged > 0 ? ` (${this.#unlogged} more since the last report)` : "";
    log.error(
      `${e.message} (${e.code})${more}: accepting pauses ${ACCEPT_PAUSE_MS} ms at a time until ` +
        `it passes; raise the open-file limit (ulimit -n, LimitNOFILE=) or lower the load`,
    );
    this.#logged = now;
    this.#unlogged = 0;
    return true;
  }
}

/** Runs the sync loop until the worker is told to stop or reaches max-requests. */
export async function runSyncWorker(w: WorkerBase): Promise<void> {
  const ctx = exchangeContext(w, { className: "-k sync", persistent: false });
  const nameOf = listenerNames(w.boot.fds);
  const listeners = w.boot.fds;
  const head = ctx.timeouts.head;
  // Accepted sockets inherit SO_RCVTIMEO/SO_SNDTIMEO and TCP_NODELAY from the listener: set them
  // once here instead of per connection (every sync worker sets the same value). Each blocking
  // call then waits one slice at most before the connection's deadlines are checked.
  const headSeconds = Math.min(head / 1000, 30);
  for (const fd of listeners) {
    sys.setIoTimeout(fd, sliceSeconds(w.settings.timeout));
    sys.setDeferAccept(fd, headSeconds);
    sys.setNoDelay(fd);
  }
  const opts: BlockingOptions = {
    writeTimeout: ctx.timeouts.write,
    now: ctx.now,
    tick: () => w.notify(),
    headTimeout: head,
  };
  const silent = new SilentSet(MAX_SILENT, ctx.now);
  const pause = new AcceptPause();

  /** The next connection with bytes to read; settles the gone and silent ones it meets. */
  const next = (): BlockingConnection | null | "settled" => {
    const ready = silent.takeReady();
    if (ready !== null) return ready;
    if (ctx.now() < pause.until) return null;
    for (const fd of listeners) {
      let accepted: sys.Accepted | null;
      try {
        accepted = sys.accept(fd);
      } catch (e) {
        if (!pause.failed(e, ctx.now())) throw e;
        if (silent.shedOldest()) pause.until = -Infinity; // a descriptor freed: retry at once
        return "settled";
      }
      if (accepted === null) continue;
      w.metrics?.accepted(false); // one at a time: no open-connections gauge
      const conn = new BlockingConnection(
        accepted.fd,
        peerAddr(accepted.remote),
        nameOf(fd),
        opts,
      );
      const found = conn.prefetch();
      if (found === "data") return conn;
      if (found === "gone") conn.close(false);
      else silent.add(conn);
      return "settled";
    }
    return null;
  };

  let current: BlockingConnection | null = null;
  const watcher = setInterval(() => current?.poke(), WATCH_MS);
  const serve = async (conn: BlockingConnection): Promise<void> => {
    current = conn;
    await serveConnection(ctx, conn);
    current = null;
  };
  let lastYield = performance.now();
  try {
    while (w.alive) {
      w.notify();
      silent.expire(head);
      const conn = next();
      if (conn !== null) {
        if (conn !== "settled") await serve(conn);
        if (performance.now() - lastYield > YIELD_MS) {
          await sys.pollInAsync([], 0);
          lastYield = performance.now();
        }
        continue;
      }
      // Under load the queue is often empty for a moment: wait for the next connection in a
      // blocking poll (bounded by the same budget as serving), not on a helper thread.
      const accepting = ctx.now() >= pause.until;
      const waitOn = accepting ? [...listeners, ...silent.fds()] : silent.fds();
      const wait = Math.ceil(
        Math.min(silent.nextExpiry(head), accepting ? Infinity : pause.until - ctx.now()),
      );
      const budget = Math.min(Math.floor(YIELD_MS - (performance.now() - lastYield)), wait);
      if (budget > 0 && sys.pollIn(waitOn, budget).length > 0) continue;
      await sys.pollInAsync([...waitOn, w.wakeFd], Math.min(IDLE_POLL_MS, wait));
      sys.drain(w.wakeFd);
      lastYield = performance.now();
    }
    // Stopping: the held connections were accepted, so those that speak soon are still served.
    const until = ctx.now() + STOP_GRACE_MS;
    while (silent.size > 0 && ctx.now() < until) {
      w.notify();
      silent.expire(head);
      const conn = silent.takeReady();
      if (conn !== null) await serve(conn);
      else {
        const wait = Math.min(until - ctx.now(), silent.nextExpiry(head));
        await sys.pollInAsync(silent.fds(), Math.max(0, Math.ceil(wait)));
      }
    }
  } finally {
    clearInterval(watcher);
    silent.closeAll();
  }
  log.info(`Worker exiting (pid: ${Deno.pid})`);
}
