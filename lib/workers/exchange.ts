/** @module One HTTP exchange over a blocking socket: read the head, call the app, write the response. */

import type { FetchHandler } from "../app.ts";
import {
  type DateCache,
  encodeResponseHead,
  errorResponse,
  HttpParseError,
  type Limits,
  parseHead,
  type RequestHead,
} from "../http/mod.ts";
import { log } from "../log.ts";
import * as sys from "../sys/mod.ts";
import { bodyError, type ByteSource, RequestBody } from "./body.ts";
import { type ClientPolicy, readPreamble, requestOrigin } from "./client.ts";
import { type FileBody, fileBodyOf } from "../file_response.ts";
import {
  logAccess,
  planBody,
  type RequestObserver,
  type ResponseContext,
  runApp,
  SERVER,
  writeResponse,
  type Written,
} from "./respond.ts";

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
  policy: ClientPolicy;
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

interface ReadHead {
  head: RequestHead;
  rest: Uint8Array;
  /** The client a PROXY preamble named, if any. */
  proxied: { address: string; port: number } | null;
}

/** Reads until a whole head parses; null when the client closed or sent nothing in time. */
function readHead(ctx: ExchangeContext, fd: number, peerIp: string): ReadHead | null {
  let buf = ctx.buf;
  let filled = 0;
  let start = -1; // where the request starts, once the PROXY preamble (if any) is read
  let proxied: ReadHead["proxied"] = null;
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
    if (start < 0) {
      const pre = readPreamble(buf.subarray(0, filled), ctx.policy, peerIp);
      if (pre === null) continue;
      start = pre === "plain" ? 0 : pre.consumed;
      proxied = pre === "plain" ? null : pre.client;
    }
    const head = parseHead(buf.subarray(start, filled), ctx.limits);
    if (head !== null) return { head, rest: buf.slice(start + head.headLength, filled), proxied };
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
export async function serveConnection(
  ctx: ExchangeContext,
  conn: sys.Accepted,
  listener: number,
): Promise<void> {
  const fd = conn.fd;
  const started = performance.now();
  let done!: () => void;
  const completed = new Promise<void>((r) => done = r);
  let sent = false;
  const sink = {
    write: (b: Uint8Array) => {
      sent = true;
      sys.writeAll(fd, b);
    },
  };
  try {
    const peer = remoteAddr(conn.remote);
    const got = readHead(ctx, fd, peer.transport === "tcp" ? peer.hostname : "");
    if (got === null) return;
    const { head, rest } = got;
    const body = new RequestBody(
      new BlockingSource(fd, rest),
      head.framing,
      head.expectContinue && head.version === "1.1" ? () => sys.writeAll(fd, CONTINUE) : null,
    );
    const origin = requestOrigin(head, peer, got.proxied, ctx.policy, ctx.serverName(listener));
    const request = buildRequest(origin.url, head, body);
    if (typeof request === "number") {
      sys.writeAll(fd, errorResponse(request));
      return;
    }
    const info: Deno.ServeHandlerInfo = { remoteAddr: origin.remoteAddr, completed };
    await ctx.observer?.before(request);
    const res = await runApp(ctx.app, request, info);
    const date = ctx.dates.now();
    const rctx = { method: head.method, version: head.version, keepAlive: false, date };
    const file = fileBodyOf(res);
    const written = file !== null
      ? await sendFile(fd, rctx, res, file)
      : await writeResponse(sink, rctx, res, await planBody(res));
    if (!body.done && !body.broken) await body.discard(DISCARD_LIMIT);
    await ctx.observer?.after(request, res, performance.now() - started);
    if (ctx.accessLog) {
      logAccess(head, origin.remoteAddr, request, res, written.bytes, started);
    }
  } catch (e) {
    handleError(fd, e, sent);
  } finally {
    done();
    sys.close(fd);
  }
}

function handleError(fd: number, e: unknown, responded: boolean): void {
  const bad = bodyError(e);
  if (bad !== null) {
    log.debug(`Request body failed: ${bad.message}`);
    if (!responded) {
      try {
        sys.writeAll(fd, errorResponse(bad.status, bad.message));
      } catch { /* the client is gone */ }
    }
    return;
  }
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

/** Sends a {@linkcode fileResponse} body with sendfile(2): the kernel copies file to socket. */
async function sendFile(
  fd: number,
  ctx: ResponseContext,
  res: Response,
  file: FileBody,
): Promise<Written> {
  await res.body?.cancel(); // the streaming fallback is not needed: nothing was opened yet
  const { head, framing } = encodeResponseHead({
    status: res.status,
    statusText: res.statusText,
    headers: res.headers,
    bodyLength: file.size,
    ...ctx,
    server: SERVER,
  });
  sys.writeAll(fd, head);
  if (framing === "none") return { bytes: 0, keepAlive: false };
  const inFd = sys.openRead(file.path);
  let sent = 0;
  try {
    while (sent < file.size) {
      const n = sys.sendfile(fd, inFd, BigInt(sent), Math.min(file.size - sent, 1 << 30));
      if (n === 0) break; // the file shrank: the client sees a short body and a close
      sent += n;
    }
  } finally {
    sys.close(inFd);
  }
  if (sent !== file.size) {
    log.error(`File "${file.path}" sent ${sent} of ${file.size} bytes: closing the connection`);
  }
  return { bytes: sent, keepAlive: false };
}
