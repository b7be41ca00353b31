/**
 * @module denocorn's strict HTTP engine for the async worker: each accepted socket becomes a
 * node:net socket ({@linkcode SocketConnection}) served by the exchange every class shares.
 */

import net from "node:net";
import { log } from "../../log.ts";
import type { AsyncEngine } from "../async_engine.ts";
import type { WorkerBase } from "../base.ts";
import { exchangeContext, listenerNames, peerAddr } from "./context.ts";
import { serveConnection } from "./exchange.ts";
import { SocketConnection, type SocketOptions } from "./socket_io.ts";

/** The strict engine of async worker `w`. */
export function strictEngine(w: WorkerBase): AsyncEngine {
  const ctx = exchangeContext(w, { className: "-k async", persistent: true });
  const nameOf = listenerNames(w.boot.fds);
  const opts: SocketOptions = { writeTimeout: ctx.timeouts.write, now: ctx.now };
  return {
    serve(accepted, listener) {
      const sock = new net.Socket({
        fd: accepted.fd,
        readable: true,
        writable: true,
        allowHalfOpen: true,
      });
      const peer = peerAddr(accepted.remote);
      const c = new SocketConnection(sock, peer, nameOf(listener), opts, accepted.fd);
      serveConnection(ctx, c).catch((e) => log.error("Error serving connection", e));
      return c;
    },
  };
}
