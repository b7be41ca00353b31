/**
 * @module Deno's HTTP engine for the async worker: whether it runs (detected at boot, logged once)
 * and how an accepted socket is handed to it ({@linkcode EngineConnection} tracks the deadlines
 * Deno's engine does not enforce itself).
 */

import { log } from "../../log.ts";
import * as sys from "../../sys/mod.ts";
import type { Acceptor, AsyncEngine, Tracked } from "../async_engine.ts";
import type { WorkerBase } from "../base.ts";
import { clientPolicy } from "../client.ts";
import { chooseEngine } from "../engines.ts";
import { internalError } from "../answers.ts";
import { requestContext } from "../request.ts";
import { exhausted } from "../fd_limit.ts";
import { timeoutsOf } from "../timeouts.ts";
import { EngineConnection } from "./conn.ts";
import { connectionHandler, type DenoContext } from "./exchange.ts";
import { GRAFT_ENV, graftListener } from "./graft.ts";
import { type DenoEngine, detectDenoEngine, type ServeFdOptions } from "./internals.ts";

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

function context(w: WorkerBase, engine: DenoEngine): DenoContext {
  const timeouts = timeoutsOf(w.settings);
  return {
    ...requestContext(w, true),
    engine,
    policy: clientPolicy(w.settings),
    timeouts,
  };
}

function tcpAddr(fd: number): Deno.NetAddr {
  const a = sys.localAddr(fd);
  return a.transport === "tcp"
    ? { transport: "tcp", hostname: a.hostname, port: a.port }
    : { transport: "tcp", hostname: "localhost", port: 0 };
}

/**
 * Deno listeners grafted on `fds` (all of them), or why not (then none is left open). The first
 * worker logs which accept path runs, the others at debug level.
 */
function grafts(w: WorkerBase, fds: readonly number[]): Deno.TcpListener[] | null {
  const done: Deno.TcpListener[] = [];
  let why: string | null = Deno.env.get(GRAFT_ENV) === "0" ? `disabled by ${GRAFT_ENV}=0` : null;
  for (const fd of fds) {
    if (why !== null) break;
    const l = graftListener(fd);
    if (typeof l === "string") why = l;
    else done.push(l);
  }
  const level = w.boot.age === 1 ? "info" : "debug";
  if (why === null) {
    log[level]("Accepting connections through Deno's listener (grafted on the shared socket)");
    return done;
  }
  for (const l of done) l.close();
  log[level](`Accepting connections with poll + accept4 (no graft: ${why})`);
  return null;
}

/** errno names of the accept errors that mean "out of descriptors or memory", by number. */
const EXHAUSTED: Record<string, string> = {
  12: "ENOMEM",
  23: "ENFILE",
  24: "EMFILE",
  105: "ENOBUFS",
};

/** A failed accept of Deno's listener: "exhausted" (said once in a while), else null. */
function acceptFailed(e: unknown): "exhausted" | null {
  const message = String((e as Error)?.message);
  const m = /^(.*) \(os error (\d+)\)$/.exec(message);
  const code = m === null ? undefined : EXHAUSTED[m[2]!];
  if (code !== undefined) return exhausted(`accept failed: ${m![1]}`, code);
  log.debug(`Cannot accept: ${message}`);
  return null;
}

/** Deno's engine (as detected) for async worker `w`. */
export function denoEngine(w: WorkerBase, engine: DenoEngine): AsyncEngine {
  const ctx = context(w, engine);
  const locals = new Map(w.boot.fds.map((fd) => [fd, tcpAddr(fd)]));
  const onError = (e: unknown) => {
    log.error("Error sending response", e);
    return internalError();
  };
  const start = (
    peer: { hostname: string; port: number },
    listener: number,
    serve: (options: ServeFdOptions) => ReturnType<DenoEngine["serveFd"]>,
  ): Tracked | null => {
    const { hostname, port } = peer;
    const conn = new EngineConnection({ transport: "tcp", hostname, port }, ctx.timeouts);
    try {
      conn.run(serve({
        localAddr: locals.get(listener)!,
        signal: conn.abort.signal,
        handler: connectionHandler(ctx, conn),
        onError,
      }));
    } catch (e) {
      log.error("Cannot serve connection", e);
      return null;
    }
    return conn;
  };
  const acceptor = (l: Deno.TcpListener, listener: number): Acceptor => {
    let closed = false;
    return {
      async accept() {
        let c: Deno.TcpConn;
        try {
          c = await l.accept();
        } catch (e) {
          if (closed || e instanceof Deno.errors.BadResource) return "closed";
          return acceptFailed(e);
        }
        return start(c.remoteAddr, listener, (o) => engine.serveConn(c, o));
      },
      close() {
        if (closed) return;
        closed = true;
        // The only way the grafted fd is closed (see graft.ts). A second close throws BadResource,
        // which would end the worker (seen once when a stop came twice): never let it out.
        try {
          l.close();
        } catch { /* closed already */ }
      },
    };
  };
  return {
    serve(accepted, listener) {
      if (accepted.remote.transport !== "tcp") {
        sys.close(accepted.fd);
        return null;
      }
      return start(accepted.remote, listener, (o) => engine.serveFd(accepted.fd, o));
    },
    acceptors(fds) {
      const ls = grafts(w, fds);
      return ls === null ? null : ls.map((l, i) => acceptor(l, fds[i]!));
    },
  };
}
