/**
 * @module denocorn's strict HTTP engine for the async worker: each accepted socket becomes a
 * node:net socket ({@linkcode SocketConnection}) served by the exchange every class shares.
 */

import net, { type Socket } from "node:net";
import { log } from "../../log.ts";
import type { AsyncEngine } from "../async_engine.ts";
import type { WorkerBase } from "../base.ts";
import { exchangeContext, listenerNames, peerAddr } from "./context.ts";
import { serveConnection } from "./exchange.ts";
import { SocketConnection, type SocketOptions } from "./socket_io.ts";

/** A layer between the accepted socket and the exchange (TLS: lib/workers/tls/). */
export interface SocketLayer {
  /** The socket the exchange reads and writes, over the one built from the accepted fd. */
  wrap(raw: Socket): Socket;
  /** The connection class (one that says its requests' scheme). */
  Connection: typeof SocketConnection;
}

/** The strict engine of async worker `w`, with `layer` between socket and exchange if given. */
export function strictEngine(w: WorkerBase, layer: SocketLayer | null = null): AsyncEngine {
  const ctx = exchangeContext(w, { className: "-k async", persistent: true });
  const nameOf = listenerNames(w.boot.fds);
  const opts: SocketOptions = { writeTimeout: ctx.timeouts.write, now: ctx.now };
  const Connection = layer?.Connection ?? SocketConnection;
  return {
    serve(accepted, listener) {
      const raw = new net.Socket({
        fd: accepted.fd,
        readable: true,
        writable: true,
        allowHalfOpen: true,
      });
      const sock = layer === null ? raw : layer.wrap(raw);
      const peer = peerAddr(accepted.remote);
      const c = new Connection(sock, peer, nameOf(listener), opts, accepted.fd);
      serveConnection(ctx, c).catch((e) => log.error("Error serving connection", e));
      return c;
    },
  };
}
