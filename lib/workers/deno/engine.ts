/**
 * @module The async worker on Deno's engine: it accepts from the shared listening fds exactly as
 * the strict async loop does (poll + accept4, only while there is room and the worker is alive)
 * and hands each accepted socket to Deno's native HTTP engine; the sweep enforces deadlines.
 */

import { type DenoEngine, detectDenoEngine } from "./internals.ts";
import { accessLogEnabled, log } from "../../log.ts";
import * as sys from "../../sys/mod.ts";
import { lateness, type ShedAfter, shedAfter, shedVictim } from "../shed.ts";
import type { WorkerBase } from "../base.ts";
import { clientPolicy } from "../client.ts";
import { EngineConnection, type SweepState } from "./conn.ts";
import { connectionHandler, type DenoContext } from "./exchange.ts";
import { chooseEngine } from "../engines.ts";
import { acceptOrExhausted, FD_BACKOFF_MS } from "../fd_limit.ts";
import { internalError } from "../strict/respond.ts";
import { type Timeouts, timeoutsOf } from "../timeouts.ts";

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

function context(w: WorkerBase, engine: DenoEngine, timeouts: Timeouts): DenoContext {
  return {
    engine,
    app: w.app,
    observer: w.observer,
    policy: clientPolicy(w.settings),
    accessLog: accessLogEnabled(),
    timeouts,
    persistent: timeouts.idle > 0,
    alive: () => w.alive,
    countRequest: () => w.countRequest(),
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function tcpAddr(fd: number): Deno.NetAddr {
  const a = sys.localAddr(fd);
  return a.transport === "tcp"
    ? { transport: "tcp", hostname: a.hostname, port: a.port }
    : { transport: "tcp", hostname: "localhost", port: 0 };
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

/** Set to 0 to turn detection off: async workers then always run denocorn's strict engine. */
export const ENGINE_ENV = "DENOCORN_DENO_ENGINE";

/**
 * Deno's engine when this async worker should run it, else null. The first worker the arbiter
 * spawns logs the choice and its reason (the same binary and settings give every worker the same).
 */
export function denoEngineFor(w: WorkerBase): DenoEngine | null {
  const kinds = w.boot.fds.map((fd) => sys.localAddr(fd).transport);
  const disabled = Deno.env.get(ENGINE_ENV) === "0";
  const choice = chooseEngine(w.settings, kinds, () => detectDenoEngine({ disabled }));
  const level = w.boot.age === 1 ? choice.level : "debug";
  log[level](choice.message);
  return choice.engine;
}

/** Runs the async loop on Deno's engine until the worker stops, then drains its connections. */
export async function runDenoWorker(w: WorkerBase, engine: DenoEngine): Promise<void> {
  await new DenoLoop(w, engine).run();
  log.info(`Worker exiting (pid: ${Deno.pid})`);
}

/** The accept loop and the connections it handed to Deno's engine. */
class DenoLoop {
  #w: WorkerBase;
  #engine: DenoEngine;
  #ctx: DenoContext;
  #conns = new Set<EngineConnection>();
  #locals: Map<number, Deno.NetAddr>;
  #state: () => SweepState;
  #roomFreed: (() => void) | null = null;
  #graced = false;
  #shedAfter: ShedAfter;

  constructor(w: WorkerBase, engine: DenoEngine) {
    this.#w = w;
    this.#engine = engine;
    this.#ctx = context(w, engine, timeoutsOf(w.settings));
    this.#locals = new Map(w.boot.fds.map((fd) => [fd, tcpAddr(fd)]));
    this.#state = stopClock(w);
    this.#shedAfter = shedAfter(this.#ctx.timeouts.head);
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
    try {
      while (w.alive) await this.#acceptReady();
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
          starved = this.#conns.size >= w.settings.worker_connections;
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

  /**
   * Room for one more connection: free, or made by shedding (as the strict async worker does)
   * once no other worker took the waiting connection, after one grace period per wake-up.
   */
  async #makeRoom(fd: number): Promise<boolean> {
    const max = this.#w.settings.worker_connections;
    if (this.#conns.size < max) return true;
    const victim = this.#victim();
    if (victim === null) return false; // wait for room
    // One already closing is dropped at once: no other worker could use it.
    if (!this.#graced && victim.shedOrder()?.[0] !== 0) {
      this.#graced = true;
      await sleep(SHED_GRACE_MS);
      if (this.#conns.size < max) return true;
    }
    if (!this.#w.alive || sys.pollIn([fd], 0).length === 0) return false;
    return await this.#shed();
  }

  #victim(): EngineConnection | null {
    return shedVictim(this.#conns, performance.now(), this.#shedAfter);
  }

  /** Drops the idle or slow connection that has waited longest; false when there is none. */
  async #shed(): Promise<boolean> {
    const victim = this.#victim();
    if (victim === null) return false;
    log.debug("Closing the longest-waiting idle or slow connection: --worker-connections reached");
    victim.kill();
    while (this.#conns.has(victim)) await this.#room(POLL_MS);
    return true;
  }

  /** Hands an accepted socket to Deno's engine and tracks it until it closes. */
  #serve(accepted: sys.Accepted, listener: number): void {
    if (accepted.remote.transport !== "tcp") return sys.close(accepted.fd);
    const { hostname, port } = accepted.remote;
    const peer: Deno.NetAddr = { transport: "tcp", hostname, port };
    const conn = new EngineConnection(peer, this.#ctx.timeouts);
    let server;
    try {
      server = this.#engine.serveFd(accepted.fd, {
        localAddr: this.#locals.get(listener)!,
        signal: conn.abort.signal,
        handler: connectionHandler(this.#ctx, conn),
        onError: (e) => {
          log.error("Error sending response", e);
          return internalError();
        },
      });
    } catch (e) {
      log.error("Cannot serve connection", e);
      return;
    }
    this.#conns.add(conn);
    void conn.run(server).finally(() => {
      this.#conns.delete(conn);
      const freed = this.#roomFreed;
      this.#roomFreed = null;
      freed?.();
    });
  }
}
