/**
 * @module HTTPS for the async worker on the shared listening socket: each accepted socket becomes
 * a node:net socket, wrapped server-side by node:tls (Deno's rustls-backed TLSWrap), and served
 * by the strict engine's exchange. ALPN offers `http/1.1` only: Deno's HTTP engine cannot take a
 * node:tls stream, and the strict exchange speaks HTTP/1.1 (docs/architecture.md, "TLS").
 */

import type { X509Certificate } from "node:crypto";
import type { Socket } from "node:net";
import tls from "node:tls";
import { log } from "../../log.ts";
import type { AsyncEngine } from "../async_engine.ts";
import type { WorkerBase } from "../base.ts";
import { strictEngine } from "../strict/engine.ts";
import { SocketConnection } from "../strict/socket_io.ts";
import { secureContextOf } from "./certs.ts";
import { clientAuthOptions, clientVerdict } from "./client_certs.ts";

type Tail<T extends unknown[]> = T extends [unknown, ...infer R] ? R : never;

/** The verified client certificate of each TLS socket whose client sent one. */
const clientCerts = new WeakMap<object, X509Certificate>();

/**
 * A strict-engine connection whose requests' URLs are `https:` unless a trusted header says, and
 * whose handler `info` carries the verified client certificate (null when none was sent).
 */
class TlsConnection extends SocketConnection {
  readonly scheme = "https";
  #tls: Socket;

  constructor(sock: Socket, ...rest: Tail<ConstructorParameters<typeof SocketConnection>>) {
    super(sock, ...rest);
    this.#tls = sock;
  }

  get handlerInfo(): { clientCertificate: X509Certificate | null } {
    return { clientCertificate: clientCerts.get(this.#tls) ?? null };
  }
}

/** Whether `--certfile`/`--keyfile` ask for HTTPS (the worker read the files at boot). */
export function tlsWanted(w: WorkerBase): boolean {
  return w.tls !== null;
}

/**
 * The HTTPS engine of async worker `w`, with the certificate, key and client CAs it read at boot:
 * a HUP's new workers serve the files as they are then.
 */
export function tlsEngine(w: WorkerBase): AsyncEngine {
  const { pair, ca } = w.tls!;
  const reqs = w.settings.cert_reqs;
  const secureContext = secureContextOf(pair, ca);
  const clientAuth = clientAuthOptions(reqs);
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
        ...clientAuth,
      });
      sock.on("error", (e: Error) => log.debug(`TLS connection failed: ${e.message}`));
      if (reqs !== "none") {
        // `secure` is emitted before any cleartext is delivered: a refused client is closed
        // before a byte of its request reaches the exchange.
        sock.once("secure", () => {
          const verdict = clientVerdict(sock, reqs);
          if (!verdict.ok) {
            log.debug(`TLS client certificate refused: ${verdict.why}`);
            sock.destroy();
          } else if (verdict.cert !== null) {
            clientCerts.set(sock, verdict.cert);
          }
        });
      }
      return sock;
    },
  });
}
