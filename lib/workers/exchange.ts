/** @module One HTTP exchange over a blocking socket: read the head, call the app, write the response. */

import type { FetchHandler } from "../app.ts";
import {
  DateCache,
  encodeChunk,
  encodeResponseHead,
  errorResponse,
  HttpParseError,
  LAST_CHUNK,
  type Limits,
  parseHead,
  type RequestHead,
} from "../http/mod.ts";
import { access, log } from "../log.ts";
import * as sys from "../sys/mod.ts";
import { BlockingBody } from "./blocking_body.ts";
import { type BodyPlan, nextChunk, planBody, runApp } from "./respond.ts";

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
}

const DISCARD_LIMIT = 1024 * 1024;

function remoteAddr(remote: sys.SockAddr): Deno.Addr {
  return remote.transport === "tcp"
    ? { transport: "tcp", hostname: remote.hostname, port: remote.port }
    : { transport: "unix", path: remote.path };
}

/** Reads until a whole head parses; null when the client closed or sent nothing in time. */
function readHead(ctx: ExchangeContext, fd: number): { head: RequestHead; rest: Uint8Array } | null {
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

function requestUrl(ctx: ExchangeContext, fd: number, head: RequestHead): string {
  return `http://${head.host ?? ctx.serverName(fd)}${head.path === "*" ? "/" : head.path}`;
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
    const body = new BlockingBody(fd, head.framing, rest, head.expectContinue);
    const hasBody = head.framing.type !== "none" && head.method !== "GET" && head.method !== "HEAD";
    let request: Request;
    try {
      request = new Request(requestUrl(ctx, fd, head), {
        method: head.method,
        headers: head.headers,
        body: hasBody ? body.stream() : null,
        ...(hasBody ? { duplex: "half" } : {}),
      } as RequestInit);
    } catch (e) {
      log.debug(`Rejected request ${head.method} ${head.target}: ${(e as Error).message}`);
      sys.writeAll(fd, errorResponse(head.method === "TRACE" || head.method === "TRACK" ? 405 : 400));
      return;
    }
    const info: Deno.ServeHandlerInfo = { remoteAddr: remoteAddr(conn.remote), completed };
    const res = await runApp(ctx.app, request, info);
    const plan = await planBody(res);
    const sent = await writeResponse(ctx, fd, head, res, plan);
    if (!body.done && !body.broken) body.discard(DISCARD_LIMIT);
    if (ctx.accessLog) {
      access({
        remoteAddr: conn.remote.transport === "tcp" ? conn.remote.hostname : "",
        method: head.method,
        target: head.target,
        version: `HTTP/${head.version}`,
        status: res.status,
        bytes: sent,
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

async function writeResponse(
  ctx: ExchangeContext,
  fd: number,
  head: RequestHead,
  res: Response,
  plan: BodyPlan,
): Promise<number> {
  const { head: bytes, framing } = encodeResponseHead({
    status: res.status,
    statusText: res.statusText,
    headers: res.headers,
    bodyLength: plan.length,
    method: head.method,
    version: head.version,
    keepAlive: false,
    date: ctx.dates.now(),
    server: "denocorn",
  });
  const withBody = framing !== "none";
  if (plan.reader === null) {
    const body = withBody ? plan.chunks : [];
    sys.writeAll(fd, concat(bytes, body));
    return body.reduce((n, c) => n + c.byteLength, 0);
  }
  if (!withBody) {
    sys.writeAll(fd, bytes);
    await plan.reader.cancel();
    return 0;
  }
  return await streamBody(fd, bytes, framing === "chunked", plan);
}

async function streamBody(fd: number, head: Uint8Array, chunked: boolean, plan: BodyPlan) {
  const reader = plan.reader!;
  let sent = 0;
  const send = (c: Uint8Array) => {
    if (c.byteLength === 0) return;
    if (chunked) for (const part of encodeChunk(c)) sys.writeAll(fd, part);
    else sys.writeAll(fd, c);
    sent += c.byteLength;
  };
  try {
    sys.writeAll(fd, head);
    for (const c of plan.chunks) send(c);
    for (let c = await nextChunk(reader); c !== null; c = await nextChunk(reader)) send(c);
    if (chunked) sys.writeAll(fd, LAST_CHUNK);
  } catch (e) {
    await reader.cancel().catch(() => {});
    throw e;
  }
  if (plan.length !== null && sent !== plan.length) {
    log.error(`Response body was ${sent} bytes but Content-Length said ${plan.length}: closing the connection`);
  }
  return sent;
}

function concat(head: Uint8Array, chunks: Uint8Array[]): Uint8Array {
  if (chunks.length === 0) return head;
  let total = head.byteLength;
  for (const c of chunks) total += c.byteLength;
  const out = new Uint8Array(total);
  out.set(head);
  let off = head.byteLength;
  for (const c of chunks) {
    out.set(c, off);
    off += c.byteLength;
  }
  return out;
}
