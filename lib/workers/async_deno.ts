/**
 * @module The async worker on Deno's engine: it accepts from the shared listening fds exactly as
 * the strict async loop does (poll + accept4, only while there is room and the worker is alive)
 * and hands each accepted socket to Deno's native HTTP engine; the sweep enforces deadlines.
 */

import { type DenoEngine, detectDenoEngine } from "../internals.ts";
import { accessLogEnabled, log } from "../log.ts";
import * as sys from "../sys/mod.ts";
import type { WorkerBase } from "./base.ts";
import { clientPolicy } from "./client.ts";
import { type ConnectionLimits, EngineConnection, type SweepState } from "./deno_conn.ts";
import { connectionHandler, type DenoContext } from "./deno_exchange.ts";
import { chooseEngine } from "./engine.ts";
import { internalError } from "./respond.ts";

/** Longest wait in poll: the loop looks at `alive` at least this often. */
const POLL_MS = 1000;
/** How often deadlines are checked and the heartbeat refreshed. */
const SWEEP_MS = 250;
/** Idle connections of a stopping worker close this long before --graceful-timeout ends. */
const STOP_MARGIN_MS = 500;

function context(w: WorkerBase, engine: DenoEngine): DenoContext {
  return {
    engine,
    app: w.app,
    observer: w.observer,
    policy: clientPolicy(w.settings),
    accessLog: accessLogEnabled(),
    clientWaitMs: headTimeout(w) * 1000,
    alive: () => w.alive,
    countRequest: () => w.countRequest(),
  };
}

/** Seconds a client gets for a request head or each body read or blocked write (1..30). */
function headTimeout(w: WorkerBase): number {
  return Math.max(1, Math.min(w.settings.timeout || 30, 30));
}

function tcpAddr(fd: number): Deno.NetAddr {
  const a = sys.localAddr(fd);
  return a.transport === "tcp"
    ? { transport: "tcp", hostname: a.hostname, port: a.port }
    : { transport: "tcp", hostname: "localhost", port: 0 };
}

/** Tracks the stop: when it began and when idle connections must be closed at the latest. */
function stopClock(w: WorkerBase): () => SweepState {
  let stopDeadline = Infinity;
  const grace = w.settings.graceful_timeout * 1000;
  return () => {
    const now = performance.now();
    if (!w.alive && stopDeadline === Infinity) {
      stopDeadline = now + Math.max(0, grace - STOP_MARGIN_MS);
    }
    return { now, stopping: !w.alive, stopDeadline };
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
  #limits: ConnectionLimits;
  #conns = new Set<EngineConnection>();
  #locals: Map<number, Deno.NetAddr>;
  #state: () => SweepState;
  #roomFreed: (() => void) | null = null;

  constructor(w: WorkerBase, engine: DenoEngine) {
    this.#w = w;
    this.#engine = engine;
    this.#ctx = context(w, engine);
    this.#limits = { keepaliveMs: w.settings.keepalive * 1000, headMs: headTimeout(w) * 1000 };
    this.#locals = new Map(w.boot.fds.map((fd) => [fd, tcpAddr(fd)]));
    this.#state = stopClock(w);
  }

  #sweep = (): void => {
    const s = this.#state();
    for (const c of this.#conns) c.sweep(s);
  };

  #room(): Promise<void> {
    return new Promise<void>((r) => this.#roomFreed = r);
  }

  async run(): Promise<void> {
    const w = this.#w;
    w.onStop(this.#sweep);
    const beat = setInterval(() => {
      w.notify();
      this.#sweep();
    }, SWEEP_MS);
    try {
      while (w.alive) {
        // Full: leave new connections in the kernel backlog for other workers.
        if (this.#conns.size >= w.settings.worker_connections) await this.#room();
        else await this.#acceptReady();
      }
      this.#sweep();
      while (this.#conns.size > 0) await this.#room();
    } finally {
      clearInterval(beat);
    }
  }

  /** Waits for a listener (or the wake pipe) and accepts while there is room. */
  async #acceptReady(): Promise<void> {
    const w = this.#w;
    const ready = await sys.pollInAsync([...w.boot.fds, w.wakeFd], POLL_MS);
    sys.drain(w.wakeFd);
    for (const fd of w.boot.fds) {
      if (!ready.includes(fd)) continue;
      while (w.alive && this.#conns.size < w.settings.worker_connections) {
        const accepted = sys.accept(fd);
        if (accepted === null) break;
        this.#serve(accepted, fd);
      }
    }
  }

  /** Hands an accepted socket to Deno's engine and tracks it until it closes. */
  #serve(accepted: sys.Accepted, listener: number): void {
    if (accepted.remote.transport !== "tcp") return sys.close(accepted.fd);
    const { hostname, port } = accepted.remote;
    const conn = new EngineConnection({ transport: "tcp", hostname, port }, this.#limits);
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
      this.#roomFreed?.();
    });
  }
}
