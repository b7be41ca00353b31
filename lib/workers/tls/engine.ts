/**
 * @module HTTPS for the async worker on the shared listening socket: each accepted socket becomes
 * a node:net socket, wrapped server-side by node:tls (Deno's rustls-backed TLSWrap), and served
 * by the strict engine's exchange. ALPN offers `http/1.1` only: Deno's HTTP engine cannot take a
 * node:tls stream, and the strict exchange speaks HTTP/1.1 (docs/architecture.md, "TLS").
 */

import tls from "node:tls";
import { log } from "../../log.ts";
import type { AsyncEngine } from "../async_engine.ts";
import type { WorkerBase } from "../base.ts";
import { strictEngine } from "../strict/engine.ts";
import { SocketConnection } from "../strict/socket_io.ts";
import { loadCertPair, secureContextOf } from "./certs.ts";

/** A strict-engine connection whose requests' URLs are `https:` unless a trusted header says. */
class TlsConnection extends SocketConnection {
  readonly scheme = "https";
}

/** Whether `--certfile`/`--keyfile` ask for HTTPS. */
export function tlsWanted(w: WorkerBase): boolean {
  return w.settings.certfile !== null && w.settings.keyfile !== null;
}

/**
 * The HTTPS engine of async worker `w`. The certificate and key are read now, at the worker's
 * boot: a HUP's new workers serve the files as they are then.
 */
export function tlsEngine(w: WorkerBase): AsyncEngine {
  const pair = loadCertPair(w.settings.certfile!, w.settings.keyfile!, ".");
  const secureContext = secureContextOf(pair);
  return strictEngine(w, {
    Connection: TlsConnection,
    wrap(raw) {
      // A failed handshake (plain HTTP, a reset) surfaces on the TLS socket; the raw one's own
      // error must not be unhandled.
      raw.on("error", () => {});
      const sock = new tls.TLSSocket(raw, {
        isServer: true,
        secureContext,
        ALPNProtocols: ["http/1.1"],
      });
      sock.on("error", (e: Error) => log.debug(`TLS connection failed: ${e.message}`));
      return sock;
    },
  });
}
