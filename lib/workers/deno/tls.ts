/**
 * @module HTTPS on Deno's engine: a Deno TLS listener (rustls, ALPN `h2` and `http/1.1`) grafted on
 * the shared listening socket (graft.ts), so each connection it accepts is handshaken by Deno's
 * own TLS and served by Deno's HTTP engine over HTTP/1.1 or HTTP/2, as `Deno.serve({ cert, key })`
 * does. Without the graft, HTTPS falls back to node:tls over the strict engine (lib/workers/tls/,
 * HTTP/1.1 only): no public Deno API adopts an accepted fd server-side.
 */

import type { WorkerBase } from "../base.ts";
import * as sys from "../../sys/mod.ts";
import type { ListenerOpener } from "./graft.ts";

/** The protocols offered by ALPN, best first (curl, browsers and Deno's fetch pick h2). */
export const ALPN_PROTOCOLS = ["h2", "http/1.1"];

/**
 * Opens Deno TLS listeners with the certificate and key worker `w` read at boot: a HUP's new
 * workers serve the files as they are then.
 */
export function tlsOpener(w: WorkerBase): ListenerOpener<Deno.TlsListener> {
  const { cert, key } = w.tls!.pair;
  return () =>
    Deno.listenTls({ hostname: "127.0.0.1", port: 0, cert, key, alpnProtocols: ALPN_PROTOCOLS });
}

/**
 * Closes `tls` at once, also mid-handshake: Deno's TLS stream (rustls-tokio-stream), dropped before
 * its handshake is done, hands it to a task that waits for it with no deadline and keeps the
 * socket meanwhile. So the socket (`locate` finds its fd) is shut down first, which fails that
 * handshake at once and lets the socket go. The engine's forced close does the same
 * (internals.ts, `locate`).
 */
export function cutTls(tls: Deno.TlsConn, locate: () => number): void {
  const fd = locate();
  if (fd >= 0) sys.shutdownBoth(fd);
  try {
    tls.close();
  } catch { /* closed already */ }
}
