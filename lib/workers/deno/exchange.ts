/**
 * @module One request on Deno's engine, with what every worker class owes around the app call:
 * pre/post_request hooks, statsd, the access log, max-requests and stop (`Connection: close`),
 * the client address after `--forwarded-allow-ips`, and the body and write deadlines.
 */

import { authorityProblem, forwardedClient } from "../../http/mod.ts";
import type { DenoEngine, EngineHandler } from "./internals.ts";
import { log } from "../../log.ts";
import type { ClientPolicy } from "../client.ts";
import type { EngineConnection, Exchange } from "./conn.ts";
import { deadlineBody, watchedBody, withHeader } from "./bodies.ts";
import { type RequestContext, RequestCycle, type RequestLine } from "../request.ts";
import type { Timeouts } from "../timeouts.ts";

/**
 * What every connection of one Deno-engine worker shares. Responses do not advertise
 * `Keep-Alive: timeout=N` here: setting a header costs Deno's fast path about 15% of a hello
 * request's worker CPU (docs/architecture.md).
 */
export interface DenoContext extends RequestContext {
  engine: DenoEngine;
  policy: ClientPolicy;
  /** The slow-client deadlines, as the strict engine derives them. */
  timeouts: Timeouts;
}

/** What the finishing steps of one request need to know. */
interface Pending {
  ctx: DenoContext;
  conn: EngineConnection;
  ex: Exchange;
  request: Request;
  info: ClientInfo;
  cycle: RequestCycle;
  /** Body bytes of a streamed response passed to the engine so far. */
  streamed: number;
}

/** The handler Deno's engine calls for each request of `conn`. */
export function connectionHandler(ctx: DenoContext, conn: EngineConnection): EngineHandler {
  const trusted = ctx.policy.forwarded.has(conn.peer.hostname);
  return (request, engineInfo) => {
    const url = request.url; // built by Deno on first read: read once, for the Host check and the line
    const host = request.headers.get("host");
    const problem = authorityProblem(url, host);
    if (problem !== null) return refused(conn, engineInfo.completed, problem);
    const ex = conn.begin();
    const info = new ClientInfo(
      conn.peer,
      request,
      trusted ? ctx.policy : null,
      engineInfo.completed,
      conn.tls,
    );
    const req = adaptRequest(request, ex, ctx, trusted);
    // Deno closes its request once the response went out (on HTTP/2 at once): what reads the
    // headers after that (access log, post_request, the metrics' Content-Length of a body) needs
    // them copied now.
    if (ctx.accessLog || ctx.observer !== null || (ctx.metrics && hasBody(request.method))) {
      req.headers.getSetCookie();
    }
    const line = ctx.accessLog || ctx.board !== null
      ? requestLine(request.method, url, conn.tls && host === null ? "2.0" : "1.1")
      : null;
    const cycle = new RequestCycle(ctx, line, conn.peer);
    const p: Pending = { ctx, conn, ex, request: req, info, cycle, streamed: 0 };
    const done = (res: Response) => finish(p, res);
    const res = cycle.call(req, info, { bodyStatus: () => ex.bodyStatus });
    return res instanceof Response ? done(res) : res.then(done);
  };
}

/**
 * A request whose Host (or absolute-form authority) is invalid, where Deno's engine would hand
 * the app a URL with another path (`Host: x/admin?`) or one `new URL()` refuses: 400 and a close
 * before the app, hooks or access log see it, as the strict engine answers a parse error.
 */
function refused(conn: EngineConnection, completed: Promise<void>, problem: string): Response {
  log.debug(`Invalid request: Bad Request: ${problem}`);
  const ex = conn.begin();
  const close = () => conn.end(ex, true);
  completed.then(close, close);
  return new Response(`Bad Request: ${problem}\n`, {
    status: 400,
    headers: { "content-type": "text/plain; charset=utf-8", connection: "close" },
  });
}

/** Whether the metrics read a request's Content-Length (RequestCycle.finish skips GET and HEAD). */
function hasBody(method: string): boolean {
  return method !== "GET" && method !== "HEAD";
}

/** `Deno.ServeHandlerInfo` whose `remoteAddr` applies `--forwarded-allow-ips` when first read. */
class ClientInfo implements Deno.ServeHandlerInfo<Deno.NetAddr> {
  readonly completed: Promise<void>;
  /**
   * On HTTPS, null: Deno's TLS listener asks no client certificate (`--cert-reqs` runs on the
   * strict engine, which sets it); absent on plain HTTP, as there.
   */
  declare readonly clientCertificate?: null;
  #peer: Deno.NetAddr;
  #request: Request;
  /** Null when the peer is not a trusted proxy. */
  #policy: ClientPolicy | null;
  #addr: Deno.NetAddr | null = null;

  constructor(
    peer: Deno.NetAddr,
    request: Request,
    policy: ClientPolicy | null,
    completed: Promise<void>,
    tls: boolean,
  ) {
    if (tls) this.clientCertificate = null;
    this.#peer = peer;
    this.#request = request;
    this.#policy = policy;
    this.completed = completed;
  }

  /** The client: the peer, or the address a trusted proxy's headers name. */
  get remoteAddr(): Deno.NetAddr {
    if (this.#policy === null) return this.#peer;
    return this.#addr ??= forwardedAddr(this.#peer, this.#request.headers, this.#policy);
  }
}

const PROXY_HEADERS = [
  "forwarded",
  "x-forwarded-for",
  "x-forwarded-proto",
  "x-forwarded-protocol",
  "x-forwarded-ssl",
] as const;

function proxyHeaders(headers: Headers): [string, string][] {
  const out: [string, string][] = [];
  for (const name of PROXY_HEADERS) {
    const v = headers.get(name);
    if (v !== null) out.push([name, v]);
  }
  return out;
}

function forwardedAddr(peer: Deno.NetAddr, headers: Headers, policy: ClientPolicy): Deno.NetAddr {
  const address = forwardedClient(proxyHeaders(headers), policy.forwarded).address;
  return address === null ? peer : { transport: "tcp", hostname: address, port: 0 };
}

/**
 * The request the app sees: Deno's own, unless a trusted proxy says the scheme was https or the
 * body needs a read deadline (a copy then; a WebSocket upgrade always keeps Deno's request).
 */
function adaptRequest(request: Request, ex: Exchange, ctx: DenoContext, trusted: boolean): Request {
  const body = request.body;
  const https = trusted &&
    forwardedClient(proxyHeaders(request.headers), ctx.policy.forwarded).scheme === "https";
  const watch = body !== null && !/^(?:get|head)$/i.test(request.method);
  if ((!watch && !https) || request.headers.has("upgrade")) return request;
  const url = https ? request.url.replace(/^http:/, "https:") : request.url;
  try {
    return new RequestCopy(request, url, watch ? deadlineBody(body, ex, ctx.timeouts) : null);
  } catch (e) {
    // What Deno's engine accepts, the Request constructor may not (`get` with a body).
    log.debug(`Cannot copy request ${request.method} ${request.url}: ${(e as Error).message}`);
    return request;
  }
}

/**
 * A copy of Deno's request with another URL or body. Its `signal` is Deno's, read only when the
 * app reads it (reading it makes Deno print its legacy-abort notice, as under `Deno.serve`).
 */
class RequestCopy extends Request {
  #original: Request;

  constructor(original: Request, url: string, body: ReadableStream<Uint8Array> | null) {
    super(
      url,
      { method: original.method, headers: original.headers, body, duplex: "half" } as RequestInit,
    );
    this.#original = original;
  }

  /** Aborts when the client goes away, as Deno's request does. */
  override get signal(): AbortSignal {
    return this.#original.signal;
  }
}

/**
 * In-memory bodies up to this size are left to Deno's fast path: the kernel's socket buffer takes
 * most of them at once, and a client that stops reading meets the idle deadline. Larger ones go
 * out as a stream of slices, so each blocked write has a deadline.
 */
const LARGE_BODY = 1 << 20;

/** Finishes a request: the response as sent, and what runs once it is (log, hooks, counting). */
function finish(p: Pending, res: Response): Response {
  const { ctx, conn, ex } = p;
  ex.responded = true;
  let out = res;
  let bytes: number | null = 0;
  if (res.status === 101) conn.upgrade(res);
  else {
    if (!p.cycle.keepAlive()) out = withHeader(out, "connection", "close");
    const kind = ctx.engine.bodyKind(out, LARGE_BODY);
    if (kind === "small") {
      if (ctx.accessLog || ctx.metrics) bytes = ctx.engine.bodyLength(out);
    } else if (kind !== "empty" && out.body !== null) {
      bytes = null;
      out = watchedBody(out, ex, ctx.timeouts.write, (n) => p.streamed += n);
    }
  }
  const settle = () => completed(p, out, bytes ?? p.streamed);
  p.info.completed.then(settle, settle);
  return out;
}

/**
 * The request line as the access log gives it. Deno's engine does not tell the HTTP version: on a
 * TLS connection a request without a Host header is HTTP/2 (its authority comes as `:authority`,
 * which Deno's engine does not turn into a Host header; HTTP/1.1 requires Host, and HTTP/2 clients
 * leave it out), anything else 1.1 (also h2c with prior knowledge on plain TCP).
 */
function requestLine(method: string, url: string, version: "1.1" | "2.0"): RequestLine {
  const slash = url.indexOf("/", url.indexOf("//") + 2);
  return { method, target: slash < 0 ? "/" : url.slice(slash), version };
}

/** Runs once the response is sent (or the connection is gone): hooks, statsd, access log. */
function completed(p: Pending, res: Response, bytes: number): void {
  p.conn.end(p.ex, !p.ctx.alive());
  const bodyless = p.request.method === "HEAD" || res.status === 204 || res.status === 304;
  p.cycle.finish(p.request, res, p.info, bodyless ? 0 : bytes).catch((e) => {
    log.error("Error finishing request", e);
  });
}
