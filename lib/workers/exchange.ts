/** @module One HTTP exchange over a blocking socket: read the head, call the app, write the response. */

import type { FetchHandler } from "../app.ts";
import {
  type DateCache,
  errorResponse,
  HttpParseError,
  type Limits,
  parseHead,
  type RequestHead,
} from "../http/mod.ts";
import { access, log } from "../log.ts";
import * as sys from "../sys/mod.ts";
import { type ByteSource, RequestBody } from "./body.ts";
import { planBody, type RequestObserver, runApp, writeResponse } from "./respond.ts";

/** What every exchange of one worker shares. */
export interface ExchangeContext {
  app: FetchHandler;
  limits: Limits;
  /** Seconds a blocking read or write may take, and the bound on reading a whole head. */
  ioTimeout: number;
  /** `host:port` of the listener, used as the URL authority when a request has no Host. */
  serverName: (fd: number) => string;
  dates: DateCache;
  /** Reused buffer for reading request heads. */
  buf: Uint8Array;
  accessLog: boolean;
  observer: RequestObserver | null;
}

const READ_SIZE = 64 * 1024;
const DISCARD_LIMIT = 1024 * 1024;
const CONTINUE = new TextEncoder().encode("HTTP/1.1 100 Continue\r\n\r\n");

/** Body bytes from a blocking fd, after what was read along with the head. */
class BlockingSource implements ByteSource {
  #fd: number;
  #held: Uint8Array[] = [];
  constructor(fd: number, leftover: Uint8Array) {
    this.#fd = fd;
    if (leftover.byteLength > 0) this.#held.push(leftover);
  }
  read(): Uint8Array | null {
    const held = this.#held.shift();
    if (held !== undefined) return held;
    const buf = new Uint8Array(READ_SIZE);
    const n = sys.read(this.#fd, buf);
    return n === 0 ? null : buf.subarray(0, n);
  }
  unshift(bytes: Uint8Array): void {
    if (bytes.byteLength > 0) this.#held.unshift(bytes);
  }
}

/** Reads until a whole head parses; null when the client closed or sent nothing in time. */
function readHead(
  ctx: ExchangeContext,
  fd: number,
): { head: RequestHead; rest: Uint8Array } | null {
  let buf = ctx.buf;
  let filled = 0;
  const deadline = performance.now() + ctx.ioTimeout * 1000;
  for (;;) {
    if (filled === buf.byteLength) {
      const bigger = new Uint8Array(buf.byteLength * 2);
      bigger.set(buf);
      buf = bigger;
    }
    const n = sys.read(fd, buf.subarray(filled));
    if (n === 0) return null; // closed before a whole head: nothing to answer
    filled += n;
    const head = parseHead(buf.subarray(0, filled), ctx.limits);
    if (head !== null) return { head, rest: buf.slice(head.headLength, filled) };
    if (performance.now() > deadline) return null;
  }
}

function remoteAddr(remote: sys.SockAddr): Deno.Addr {
  return remote.transport === "tcp"
    ? { transport: "tcp", hostname: remote.hostname, port: remote.port }
    : { transport: "unix", path: remote.path };
}

/** Builds the fetch Request, or returns the status to answer when Deno refuses the method. */
export function buildRequest(url: string, head: RequestHead, body: RequestBody): Request | number {
  const hasBody = !body.done && head.method !== "GET" && head.method !== "HEAD";
  try {
    return new Request(url, {
      method: head.method,
      headers: head.headers,
      body: hasBody ? body.stream() : null,
      ...(hasBody ? { duplex: "half" } : {}),
    } as RequestInit);
  } catch (e) {
    log.debug(`Rejected request ${head.method} ${head.target}: ${(e as Error).message}`);
    return head.method === "TRACE" || head.method === "TRACK" ? 405 : 400;
  }
}

/** Serves one connection: one request, then close (the sync worker's contract). */
export async function serveConnection(ctx: ExchangeContext, conn: sys.Accepted): Promise<void> {
  const fd = conn.fd;
  const started = performance.now();
  let done!: () => void;
  const completed = new Promise<void>((r) => done = r);
  try {
    sys.setIoTimeout(fd, ctx.ioTimeout);
    const got = readHead(ctx, fd);
    if (got === null) return;
    const { head, rest } = got;
    const body = new RequestBody(
      new BlockingSource(fd, rest),
      head.framing,
      head.expectContinue && head.version === "1.1" ? () => sys.writeAll(fd, CONTINUE) : null,
    );
    const url = `http://${head.host ?? ctx.serverName(conn.fd)}${
      head.path === "*" ? "/" : head.path
    }`;
    const request = buildRequest(url, head, body);
    if (typeof request === "number") {
      sys.writeAll(fd, errorResponse(request));
      return;
    }
    const info: Deno.ServeHandlerInfo = { remoteAddr: remoteAddr(conn.remote), completed };
    await ctx.observer?.before(request);
    const res = await runApp(ctx.app, request, info);
    const plan = await planBody(res);
    const sink = { write: (b: Uint8Array) => sys.writeAll(fd, b) };
    const date = ctx.dates.now();
    const written = await writeResponse(
      sink,
      { method: head.method, version: head.version, keepAlive: false, date },
      res,
      plan,
    );
    if (!body.done && !body.broken) await body.discard(DISCARD_LIMIT);
    await ctx.observer?.after(request, res, performance.now() - started);
    if (ctx.accessLog) {
      access({
        remoteAddr: conn.remote.transport === "tcp" ? conn.remote.hostname : "",
        method: head.method,
        target: head.target,
        version: `HTTP/${head.version}`,
        status: res.status,
        bytes: written.bytes,
        durationMs: performance.now() - started,
        requestHeaders: request.headers,
        responseHeaders: res.headers,
        date: new Date(),
        pid: Deno.pid,
      });
    }
  } catch (e) {
    handleError(fd, e);
  } finally {
    done();
    sys.close(fd);
  }
}

function handleError(fd: number, e: unknown): void {
  if (e instanceof HttpParseError) {
    log.debug(`Invalid request: ${e.message}`);
    try {
      sys.writeAll(fd, errorResponse(e.status, e.message));
    } catch { /* the client is gone */ }
    return;
  }
  if (e instanceof sys.SysError) {
    const quiet = e.code === "EPIPE" || e.code === "ECONNRESET" || e.code === "EAGAIN";
    if (quiet) log.debug(`Ignoring ${e.code} on client socket`);
    else log.error("Socket error processing request", e);
    return;
  }
  log.error("Error processing request", e);
}
