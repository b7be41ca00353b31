/**
 * @module The one place denocorn touches Deno internals (`Deno[Deno.internal]`,
 * `process.binding`, core symbols): feature-detected once, behind a typed surface, so the rest
 * of the tree never reaches past Deno's public API and a Deno without them falls back cleanly.
 */

import process from "node:process";
import * as sys from "../../sys/mod.ts";
import { type Bodies, ownSymbol, responseBodies } from "./internals_body.ts";

/** A request handler as Deno's engine calls it (the same shape as `Deno.serve`'s). */
export type EngineHandler = (
  request: Request,
  info: Deno.ServeHandlerInfo,
) => Response | Promise<Response>;

/** What {@link DenoEngine.serveFd} needs besides the fd. */
export interface ServeFdOptions {
  /** The listener's address (Deno reports it as the server's `addr`). */
  localAddr: Deno.NetAddr;
  /**
   * Aborting it closes the connection at once (in-flight requests and WebSockets included); a
   * no-op once the connection has closed (its abort can never throw).
   */
  signal: AbortSignal;
  handler: EngineHandler;
  /** Called when the handler's result cannot be sent (not a Response, a used body, ...). */
  onError: (error: unknown) => Response;
  /**
   * Finds the socket's fd (-1: gone) for a connection that does not tell it (a TLS one); called
   * only to force a close or to ask {@link EngineServer.unread}, which says false without it.
   */
  locate?: () => number;
}

/** One connection served by Deno's engine. */
export interface EngineServer {
  /**
   * Settles when the connection is closed: with null, or with the error that ended it (a
   * client's RST). It never rejects: an unobserved rejection here would kill the worker.
   */
  readonly finished: Promise<Error | null>;
  /** Closes gracefully: in-flight requests finish, idle HTTP/1.1 gets FIN, HTTP/2 GOAWAY. */
  shutdown(): Promise<void>;
  /**
   * Ends a connection whose {@link shutdown} does not finish (a client that neither reads nor
   * ends its body): shuts the socket down both ways, so Deno's engine sees EOF and a failed write.
   * Aborting the signal once `shutdown()` ran does this (Deno's abort listener can no longer).
   */
  forceClose(): void;
  /**
   * True while bytes the client sent wait in the socket, not yet read by Deno's engine (a request
   * that arrived while the event loop was busy): such a connection is not idle.
   */
  unread(): boolean;
  /**
   * Keeps the WebSocket of a `Deno.upgradeWebSocket` response (status 101) open past the end of
   * the HTTP connection, which would otherwise force-close it; returns the server-side socket,
   * or null when the response carries none. The socket is then the caller's to close.
   */
  adoptWebSocket(response: Response): WebSocket | null;
}

/** Deno's native HTTP engine, usable on sockets denocorn accepted itself. */
export interface DenoEngine {
  /** The running Deno's version, for log lines. */
  readonly version: string;
  /**
   * Serves the connected TCP socket `fd` with Deno's HTTP/1.1 and HTTP/2 (h2c) engine. The fd
   * belongs to Deno from this call on (it is closed when the connection ends), even when this
   * throws.
   */
  serveFd(fd: number, options: ServeFdOptions): EngineServer;
  /**
   * Serves a connection Deno's own listener accepted (lib/workers/deno/graft.ts), as serveFd: a
   * TCP one, or a TLS one (HTTP/2 when its ALPN chose h2).
   */
  serveConn(conn: Deno.TcpConn | Deno.TlsConn, options: ServeFdOptions): EngineServer;
  /**
   * What a Response's body is, read without touching `response.body` (which would turn an
   * in-memory body into a stream): none, in memory up to `large` bytes ("small") or more, a
   * stream, or unknown.
   */
  bodyKind(response: Response, large: number): BodyKind;
  /** The byte length of an in-memory body; null for a stream or when unknown. */
  bodyLength(response: Response): number | null;
}

/** See {@link DenoEngine.bodyKind}. */
export type BodyKind = "empty" | "small" | "large" | "stream" | "unknown";

/** `process.binding("tcp_wrap").TCP`'s instance surface used here. */
interface TcpWrap {
  open(fd: number): number;
  takeStream(): number;
  close(): void;
}
type TcpWrapClass = new (type: number) => TcpWrap;
type ServeOnConnection = (
  connection: Record<symbol | string, unknown>,
  signal: AbortSignal,
  handler: EngineHandler,
  onError: (error: unknown) => Response,
  onListen: () => void,
) => { finished: Promise<void>; shutdown(): Promise<void> };

/** The parts of `Deno[Deno.internal].core` used here. */
interface Core {
  internalRidSymbol: symbol;
  tryClose(rid: number): void;
  resources(): Record<number, string>;
}

/** What detection found: the pieces {@link DenoEngine} is built from. */
interface Parts {
  serveOn: ServeOnConnection;
  Tcp: TcpWrapClass;
  socketType: number;
  core: Core;
}

function internals(): Record<string, unknown> | null {
  const key = (Deno as unknown as { internal?: symbol }).internal;
  const value = key === undefined ? undefined : (Deno as unknown as Record<symbol, unknown>)[key];
  return typeof value === "object" && value !== null ? value as Record<string, unknown> : null;
}

function findCore(internal: Record<string, unknown>): Core | string {
  const core = internal.core as Partial<Core> | undefined;
  if (typeof core?.internalRidSymbol !== "symbol") return "core.internalRidSymbol is missing";
  if (typeof core.tryClose !== "function" || typeof core.resources !== "function") {
    return "core.tryClose/resources are missing";
  }
  return core as Core;
}

function findParts(): Parts | string {
  const internal = internals();
  const serveOn = internal?.serveHttpOnConnection;
  if (internal === null || typeof serveOn !== "function") {
    return "Deno[Deno.internal].serveHttpOnConnection is missing";
  }
  const core = findCore(internal);
  if (typeof core === "string") return core;
  const binding = (process as unknown as { binding?: (name: string) => unknown }).binding;
  if (typeof binding !== "function") return "process.binding is missing";
  const tcp = binding("tcp_wrap") as { TCP?: unknown; constants?: { SOCKET?: unknown } };
  const proto = (tcp?.TCP as { prototype?: Record<string, unknown> } | undefined)?.prototype;
  const methods = ["open", "takeStream", "close"] as const;
  if (proto === undefined || methods.some((m) => typeof proto[m] !== "function")) {
    return 'process.binding("tcp_wrap").TCP has no open/takeStream/close';
  }
  if (typeof tcp.constants?.SOCKET !== "number") return "tcp_wrap has no constants.SOCKET";
  const Tcp = tcp.TCP as TcpWrapClass;
  return { serveOn: serveOn as ServeOnConnection, Tcp, socketType: tcp.constants.SOCKET, core };
}

/** The wrapper must refuse a bad fd with a negative errno, not throw: the contract serveFd needs. */
function probe(parts: Parts): string | null {
  const wrap = new parts.Tcp(parts.socketType);
  const rc = wrap.open(-1);
  wrap.close();
  return typeof rc === "number" && rc < 0 ? null : "tcp_wrap open() does not report errors";
}

/**
 * Looks for Deno's engine entry points. Returns the engine, or a one-line reason why it cannot
 * be used (`disabled` forces the reason, for tests and `DENOCORN_DENO_ENGINE=0`).
 *
 * @example
 * ```ts
 * import { detectDenoEngine } from "./internals.ts";
 * const found = detectDenoEngine({ disabled: true });
 * console.assert(typeof found === "string");
 * ```
 */
export function detectDenoEngine(options: { disabled?: boolean } = {}): DenoEngine | string {
  if (options.disabled) return "disabled by DENOCORN_DENO_ENGINE=0";
  let parts: Parts | string;
  try {
    parts = findParts();
    if (typeof parts !== "string") parts = probe(parts) ?? parts;
  } catch (e) {
    parts = `detection failed: ${(e as Error).message}`;
  }
  if (typeof parts === "string") return `Deno ${Deno.version.deno}: ${parts}`;
  return makeEngine(parts, responseBodies());
}

function makeEngine(parts: Parts, bodies: Bodies): DenoEngine {
  return {
    version: Deno.version.deno,
    ...bodies,
    serveFd: (fd, options) => serveRid(parts, takeStream(parts, fd), fd, options),
    serveConn(conn, options) {
      const own = conn as unknown as Record<symbol, number | undefined>;
      const fdKey = ownSymbol(conn, "Deno.internal.fd");
      const fd = fdKey === null ? undefined : own[fdKey]; // a TLS connection has none
      return serveRid(parts, own[parts.core.internalRidSymbol]!, fd ?? -1, options);
    },
  };
}

/** Serves the stream resource `rid` (socket `fd`, -1 when unknown) with Deno's engine. */
function serveRid(parts: Parts, rid: number, fd: number, options: ServeFdOptions): EngineServer {
  let peer = fd < 0 ? null : sys.peerKey(fd);
  const connection = { [parts.core.internalRidSymbol]: rid, localAddr: options.localAddr };
  const { handler, onError, signal } = options;
  // Deno's own abort listener throws (uncaught: the worker dies) once the connection's server
  // resource is gone, which happens before `finished` settles: it is never aborted directly.
  const inner = new AbortController();
  const server = parts.serveOn(connection, inner.signal, handler, onError, () => {});
  let open = true;
  let closing = false;
  /** The fd, looked up (`locate`) the first time one that Deno does not tell is needed. */
  const known = () => {
    if (open && fd < 0 && options.locate !== undefined) {
      fd = options.locate();
      peer = fd < 0 ? null : sys.peerKey(fd);
    }
    return open && peer !== null;
  };
  // The fd is the stream's until the connection ends, which Deno's engine tells a moment
  // after it closed the fd: a new connection may have its number by then (another peer).
  const forceClose = () => {
    if (known() && sys.peerKey(fd) === peer) sys.shutdownBoth(fd);
  };
  const abort = () => {
    if (!open) return;
    if (closing) return forceClose(); // the graceful close took the server resource
    quietly(() => inner.abort());
    // Deno's TLS stream, dropped, still sends its close_notify first, and waits for a client
    // that does not read: the socket is shut down so that it goes now.
    if (options.locate !== undefined) forceClose();
  };
  signal.addEventListener("abort", abort, { once: true });
  return {
    finished: server.finished.then(
      () => (open = false, null),
      (e) => (open = false, e instanceof Error ? e : new Error(String(e))),
    ),
    forceClose,
    shutdown: () => (closing = true, server.shutdown().catch(() => {})),
    unread: () => known() && sys.peerKey(fd) === peer && sys.hasUnread(fd),
    // Deno's connection server is the resource created right after the stream's.
    adoptWebSocket: (response) => adopt(parts.core, response, rid + 1),
  };
}

/**
 * Runs `fn` (which dispatches an abort event), keeping the BadResource a Deno abort listener
 * throws for a resource already closed from reaching the global error handler (which would end
 * the process): that close already happened, so the abort has nothing left to do.
 */
function quietly(fn: () => void): void {
  const swallow = (e: ErrorEvent) => {
    if (e.error instanceof Deno.errors.BadResource) e.preventDefault();
  };
  globalThis.addEventListener("error", swallow);
  try {
    fn();
  } finally {
    globalThis.removeEventListener("error", swallow);
  }
}

/** Moves the accepted `fd` into a Deno stream resource; closes the fd when that fails. */
function takeStream(parts: Parts, fd: number): number {
  const wrap = new parts.Tcp(parts.socketType);
  const rc = wrap.open(fd);
  if (rc !== 0) {
    wrap.close();
    sys.close(fd);
    throw new Error(`Cannot hand fd ${fd} to Deno's engine: tcp_wrap open() returned ${rc}`);
  }
  try {
    return wrap.takeStream();
  } finally {
    // Releases the fd's entry in Deno's fd table; the stream keeps the socket open. Without
    // this a later accept that reuses the number fails with EEXIST.
    wrap.close();
  }
}

/**
 * When a connection's HTTP part ends (right after a 101), Deno force-closes every WebSocket the
 * connection's server registered. Closing that server resource once the socket is open (the
 * stream has moved to the WebSocket by then) leaves Deno's final close nothing to act on.
 */
function adopt(core: Core, response: Response, serverRid: number): WebSocket | null {
  const key = ownSymbol(response, "[[associated_ws]]");
  const ws = key === null ? null : (response as unknown as Record<symbol, unknown>)[key];
  if (!(ws instanceof WebSocket)) return null;
  ws.addEventListener("open", () => {
    if (core.resources()[serverRid] === "http") core.tryClose(serverRid);
  }, { once: true });
  return ws;
}
