/**
 * @module Deno's HTTP engine for the async worker: whether it runs (detected at boot, logged once)
 * and how an accepted socket is handed to it ({@linkcode EngineConnection} tracks the deadlines
 * Deno's engine does not enforce itself).
 */

import { log } from "../../log.ts";
import * as sys from "../../sys/mod.ts";
import type { AsyncEngine } from "../async_engine.ts";
import type { WorkerBase } from "../base.ts";
import { clientPolicy } from "../client.ts";
import { chooseEngine } from "../engines.ts";
import { internalError } from "../answers.ts";
import { requestContext } from "../request.ts";
import { timeoutsOf } from "../timeouts.ts";
import { EngineConnection } from "./conn.ts";
import { connectionHandler, type DenoContext } from "./exchange.ts";
import { type DenoEngine, detectDenoEngine } from "./internals.ts";

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

/** Deno's engine (as detected) for async worker `w`. */
export function denoEngine(w: WorkerBase, engine: DenoEngine): AsyncEngine {
  const ctx = context(w, engine);
  const locals = new Map(w.boot.fds.map((fd) => [fd, tcpAddr(fd)]));
  const onError = (e: unknown) => {
    log.error("Error sending response", e);
    return internalError();
  };
  return {
    serve(accepted, listener) {
      if (accepted.remote.transport !== "tcp") {
        sys.close(accepted.fd);
        return null;
      }
      const { hostname, port } = accepted.remote;
      const conn = new EngineConnection({ transport: "tcp", hostname, port }, ctx.timeouts);
      try {
        conn.run(engine.serveFd(accepted.fd, {
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
    },
  };
}
