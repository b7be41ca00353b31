/**
 * @module Deno's HTTP engine for the async worker: whether it runs (detected at boot, logged once)
 * and how an accepted socket is handed to it ({@linkcode EngineConnection} tracks the deadlines
 * Deno's engine does not enforce itself).
 */

import { log } from "../../log.ts";
import * as sys from "../../sys/mod.ts";
import type { Acceptor, AsyncEngine } from "../async_engine.ts";
import type { WorkerBase } from "../base.ts";
import { clientPolicy } from "../client.ts";
import { chooseEngine } from "../engines.ts";
import { internalError } from "../answers.ts";
import { requestContext } from "../request.ts";
import { exhausted } from "../fd_limit.ts";
import { timeoutsOf } from "../timeouts.ts";
import { EngineConnection } from "./conn.ts";
import { connectionHandler, type DenoContext } from "./exchange.ts";
import { fdOfPeer, GRAFT_ENV, graftListener, type ListenerOpener } from "./graft.ts";
import { cutTls, tlsOpener } from "./tls.ts";
import { tlsEngine, tlsWanted } from "../tls/engine.ts";
import {
  type DenoEngine,
  detectDenoEngine,
  type EngineServer,
  type ServeFdOptions,
} from "./internals.ts";

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
 * Deno listeners (made by `open`: TCP, or TLS for HTTPS) grafted on `fds` (all of them), or why
 * not (then none is left open). The first worker logs which accept path runs, the others at debug
 * level.
 */
function grafts<L extends Deno.Listener>(
  w: WorkerBase,
  fds: readonly number[],
  open: ListenerOpener<L> | undefined,
): L[] | null {
  const done: L[] = [];
  let why: string | null = Deno.env.get(GRAFT_ENV) === "0" ? `disabled by ${GRAFT_ENV}=0` : null;
  for (const fd of fds) {
    if (why !== null) break;
    const l = graftListener<L>(fd, open);
    if (typeof l === "string") why = l;
    else done.push(l);
  }
  const level = w.boot.age === 1 ? "info" : "debug";
  const tls = open === undefined ? "" : "TLS ";
  if (why === null) {
    log[level](
      `Accepting connections through Deno's ${tls}listener (grafted on the shared socket)` +
        (tls === "" ? "" : ": HTTPS with HTTP/1.1 and HTTP/2 by ALPN"),
    );
    return done;
  }
  for (const l of done) l.close();
  log[level](
    tls === ""
      ? `Accepting connections with poll + accept4 (no graft: ${why})`
      : `Serving HTTPS with node:tls on denocorn's strict engine, HTTP/1.1 only (no graft: ${why})`,
  );
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

/**
 * Whether `e`, met while Deno's engine sent a response, says the client went away (the request's
 * body or the connection gone under it): the client's doing, not the app's, so no error is logged.
 */
function clientGone(e: unknown): boolean {
  const { BadResource, BrokenPipe, ConnectionReset, Interrupted, UnexpectedEof } = Deno.errors;
  return [BadResource, BrokenPipe, ConnectionReset, Interrupted, UnexpectedEof].some((k) =>
    e instanceof k
  );
}

/**
 * Deno's engine (as detected) for async worker `w`. With `--certfile` it serves HTTPS through Deno
 * TLS listeners grafted on the shared socket; when they cannot be grafted, HTTPS is served by
 * node:tls on the strict engine (lib/workers/tls/) instead.
 */
export function denoEngine(w: WorkerBase, engine: DenoEngine): AsyncEngine {
  const ctx = context(w, engine);
  const open = tlsWanted(w) ? tlsOpener(w) : undefined;
  let fallback: AsyncEngine | null = null;
  const locals = new Map(w.boot.fds.map((fd) => [fd, tcpAddr(fd)]));
  const onError = (e: unknown) => {
    if (clientGone(e)) {
      log.debug(`Response not sent, the client went away: ${(e as Error).message}`);
    } else log.error("Error sending response", e);
    return internalError();
  };
  const start = (
    peer: { hostname: string; port: number },
    listener: number,
    serve: (options: ServeFdOptions) => EngineServer,
    tls = false,
  ): EngineConnection | null => {
    const { hostname, port } = peer;
    const conn = new EngineConnection({ transport: "tcp", hostname, port }, ctx.timeouts, tls);
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
  /**
   * A TLS connection goes to Deno's engine at once, which does the handshake (as under
   * `Deno.serve`) and picks HTTP/2 or HTTP/1.1 by its ALPN. Handshaking it first here would tell
   * the protocol, but an upgrade to a WebSocket then loses a race with the engine's end-of-connection
   * close (measured: 2 of 40 upgrades stayed open, against 40 of 40). Its fd, which Deno does not
   * tell, is looked up only when it must be cut (tls.ts).
   */
  const startTls = (tls: Deno.TlsConn, listener: number): EngineConnection | null => {
    const peer = tls.remoteAddr, port = locals.get(listener)!.port;
    const locate = () => fdOfPeer(peer, port);
    const conn = start(peer, listener, (o) => engine.serveConn(tls, { ...o, locate }), true);
    if (conn === null) cutTls(tls, locate);
    return conn;
  };
  const acceptor = (l: Deno.TcpListener | Deno.TlsListener, listener: number): Acceptor => {
    let closed = false;
    return {
      async accept() {
        let c: Deno.TcpConn | Deno.TlsConn;
        try {
          c = await l.accept();
        } catch (e) {
          if (closed || e instanceof Deno.errors.BadResource) return "closed";
          return acceptFailed(e);
        }
        if ("handshake" in c) return startTls(c, listener);
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
      if (fallback !== null) return fallback.serve(accepted, listener);
      if (accepted.remote.transport !== "tcp") {
        sys.close(accepted.fd);
        return null;
      }
      return start(accepted.remote, listener, (o) => engine.serveFd(accepted.fd, o));
    },
    acceptors(fds) {
      // Deno sets TCP_NODELAY on the TCP streams it serves, not on TLS ones: Nagle then holds the
      // end of the handshake or the response until the client's delayed ACK, 40 ms on Linux
      // (measured: 44 ms a request on a new connection, as under `Deno.serve({ cert, key })`).
      // Accepted sockets inherit it from the listener.
      if (open !== undefined) { for (const fd of fds) sys.setNoDelay(fd); }
      const ls = grafts(w, fds, open);
      if (ls === null && open !== undefined) fallback = tlsEngine(w);
      return ls === null ? null : ls.map((l, i) => acceptor(l, fds[i]!));
    },
  };
}
