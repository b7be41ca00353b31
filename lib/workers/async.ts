/**
 * @module The async worker: many keep-alive connections per process, one loop for every HTTP
 * engine. It accepts from the shared listening fds itself (poll + accept4 through lib/sys, so a
 * connection is only taken while there is room for it, made by shedding idle or slow ones),
 * hands each accepted socket to its engine ({@linkcode AsyncEngine}: denocorn's strict one in
 * lib/workers/strict/, Deno's in lib/workers/deno/), sweeps their deadlines, and on stop drains:
 * no connection is cut mid-request.
 */

import { log } from "../log.ts";
import * as sys from "../sys/mod.ts";
import type { WorkerBase } from "./base.ts";
import { denoEngine, denoEngineFor } from "./deno/engine.ts";
import { acceptOrExhausted, FD_BACKOFF_MS } from "./fd_limit.ts";
import type { Acceptor, AsyncEngine, SweepState, Tracked } from "./async_engine.ts";
import { lateness, type ShedAfter, shedAfter, shedVictim } from "./shed.ts";
import { strictEngine } from "./strict/engine.ts";
import { tlsEngine, tlsWanted } from "./tls/engine.ts";
import { timeoutsOf } from "./timeouts.ts";

/** Longest wait in poll: the loop looks at `alive` at least this often. */
const POLL_MS = 1000;
/** How often deadlines are checked and the heartbeat refreshed. */
const SWEEP_MS = 250;
/** Idle connections of a stopping worker close this long before --graceful-timeout ends. */
const STOP_MARGIN_MS = 500;
/** A full worker waits this long before shedding, so a worker with room can take the connection. */
const SHED_GRACE_MS = 25;
/** A full worker with nothing to shed waits for room this long before polling again. */
const ROOM_WAIT_MS = 250;

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Runs the async loop until the worker is told to stop, then drains its connections. */
export async function runAsyncWorker(w: WorkerBase): Promise<void> {
  const found = denoEngineFor(w);
  const engine = found !== null
    ? denoEngine(w, found)
    : tlsWanted(w)
    ? tlsEngine(w)
    : strictEngine(w);
  await new AsyncLoop(w, engine).run();
  log.info(`Worker exiting (pid: ${Deno.pid})`);
}

/**
 * Tracks the stop (when it began, when idle connections must be closed at the latest) and whether
 * this sweep comes late.
 */
function stopClock(w: WorkerBase): () => SweepState {
  let stopDeadline = Infinity;
  const grace = w.settings.graceful_timeout * 1000;
  const late = lateness(SWEEP_MS);
  return () => {
    const now = performance.now();
    if (!w.alive && stopDeadline === Infinity) {
      stopDeadline = now + Math.max(0, grace - STOP_MARGIN_MS);
    }
    return { now, stopping: !w.alive, stopDeadline, late: late(now) };
  };
}

/** The accept loop, the connections it handed to its engine, and the room among them. */
class AsyncLoop {
  #w: WorkerBase;
  #engine: AsyncEngine;
  #conns = new Set<Tracked>();
  #max: number;
  #state: () => SweepState;
  #roomFreed: (() => void) | null = null;
  #graced = false;
  #shedAfter: ShedAfter;

  constructor(w: WorkerBase, engine: AsyncEngine) {
    this.#w = w;
    this.#engine = engine;
    this.#max = w.settings.worker_connections;
    this.#state = stopClock(w);
    this.#shedAfter = shedAfter(timeoutsOf(w.settings).head);
  }

  #sweep = (): void => {
    const s = this.#state();
    for (const c of this.#conns) c.sweep(s);
  };

  /** Resolves when a connection closes, or after `ms`. */
  #room(ms: number): Promise<void> {
    return Promise.race([new Promise<void>((r) => this.#roomFreed = r), sleep(ms)]);
  }

  async run(): Promise<void> {
    const w = this.#w;
    w.onStop(this.#sweep);
    const beat = setInterval(() => {
      w.notify();
      this.#sweep();
    }, SWEEP_MS);
    const fds = [...w.boot.fds];
    const own = this.#engine.acceptors?.(fds) ?? null;
    if (own !== null) w.onStop(() => own.forEach((a) => a.close()));
    try {
      if (own !== null) await Promise.all(own.map((a, i) => this.#acceptFrom(a, fds[i]!)));
      else while (w.alive) await this.#acceptReady();
      this.#sweep();
      while (this.#conns.size > 0) await this.#room(POLL_MS);
    } finally {
      clearInterval(beat);
    }
  }

  /** Waits for a listener (or the wake pipe) and accepts while there is room (or room is made). */
  async #acceptReady(): Promise<void> {
    const w = this.#w;
    const ready = await sys.pollInAsync([...w.boot.fds, w.wakeFd], POLL_MS);
    sys.drain(w.wakeFd);
    this.#graced = false;
    let starved = false;
    let exhausted = false;
    for (const fd of w.boot.fds) {
      if (!ready.includes(fd) || exhausted) continue;
      while (w.alive) {
        if (!await this.#makeRoom(fd)) {
          starved = this.#conns.size >= this.#max;
          break;
        }
        const accepted = acceptOrExhausted(fd);
        if (accepted === "exhausted") exhausted = true;
        if (accepted === null || accepted === "exhausted") break;
        this.#serve(accepted, fd);
      }
    }
    // Full of requests in hand, or out of fds: leave new connections in the shared backlog.
    if (starved || exhausted) await this.#room(exhausted ? FD_BACKOFF_MS : ROOM_WAIT_MS);
  }

  /** Accepts through the engine's own acceptor for listening fd `fd`, while there is room. */
  async #acceptFrom(a: Acceptor, fd: number): Promise<void> {
    while (this.#w.alive) {
      if (this.#conns.size < this.#max) this.#graced = false; // one grace per episode of being full
      else if (!await this.#makeRoom(fd)) {
        await this.#room(ROOM_WAIT_MS);
        continue;
      }
      const conn = await a.accept();
      if (conn === "closed") return;
      if (conn === "exhausted") await this.#room(FD_BACKOFF_MS);
      else if (conn !== null) this.#track(conn);
    }
  }

  /**
   * Room for one more connection: free, or made by shedding once no other worker took the
   * waiting connection (after one grace period per wake-up, so a burst is shed at once).
   */
  async #makeRoom(fd: number): Promise<boolean> {
    if (this.#conns.size < this.#max) return true;
    const victim = this.#victim();
    if (victim === null) return false; // wait for room
    // One already closing is dropped at once: no other worker could use it.
    if (!this.#graced && victim.shedOrder()?.[0] !== 0) {
      this.#graced = true;
      await sleep(SHED_GRACE_MS);
      if (this.#conns.size < this.#max) return true;
    }
    if (!this.#w.alive || sys.pollIn([fd], 0).length === 0) return false;
    return await this.#shed();
  }

  #victim(): Tracked | null {
    return shedVictim(this.#conns, performance.now(), this.#shedAfter);
  }

  /** Drops the idle or slow connection that has waited longest; false when there is none. */
  async #shed(): Promise<boolean> {
    const victim = this.#victim();
    if (victim === null) return false;
    log.debug("Closing the longest-waiting idle or slow connection: --worker-connections reached");
    victim.kill();
    this.#w.metrics?.shed();
    while (this.#conns.has(victim)) await this.#room(POLL_MS);
    return true;
  }

  /** Hands an accepted socket to the engine and tracks it until it closes. */
  #serve(accepted: sys.Accepted, listener: number): void {
    const conn = this.#engine.serve(accepted, listener);
    if (conn !== null) this.#track(conn);
  }

  /** Tracks a served connection until it closes. */
  #track(conn: Tracked): void {
    this.#conns.add(conn);
    this.#w.metrics?.accepted();
    void conn.closed.finally(() => {
      this.#w.metrics?.closed();
      this.#conns.delete(conn);
      const freed = this.#roomFreed;
      this.#roomFreed = null;
      freed?.();
    });
  }
}
