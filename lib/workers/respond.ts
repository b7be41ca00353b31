/** @module The app seam shared by every worker class: call the app safely, plan the response body. */

import type { FetchHandler } from "../app.ts";
import {
  bodyForbidden,
  encodeChunk,
  encodeResponseHead,
  LAST_CHUNK,
  type RequestHead,
  STATUS_TEXT,
} from "../http/mod.ts";
import { access, log } from "../log.ts";
import { bodyError, concat } from "./body.ts";

/** The 500 every failed app call turns into (the stack goes to the error log, never the client). */
export function internalError(): Response {
  return new Response("Internal Server Error\n", {
    status: 500,
    headers: { "content-type": "text/plain; charset=utf-8" },
  });
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (typeof v === "object") return (v as object).constructor?.name ?? "object";
  return typeof v;
}

/** Calls the app; a throw, a rejection or a non-Response result becomes a logged 500. */
export async function runApp(
  app: FetchHandler,
  request: Request,
  info: Deno.ServeHandlerInfo,
): Promise<Response> {
  try {
    const res = await app(request, info);
    if (res instanceof Response) return res;
    log.error(
      `Error handling request ${request.method} ${request.url}: app returned ${
        describe(res)
      }, expected a Response`,
    );
  } catch (err) {
    const bad = bodyError(err);
    if (bad !== null) {
      // The app failed because the request body was malformed or cut short: the client's fault.
      log.debug(`Request body failed for ${request.method} ${request.url}: ${bad.message}`);
      return new Response(`${STATUS_TEXT[bad.status] ?? "Bad Request"}\n`, {
        status: bad.status,
        headers: { "content-type": "text/plain; charset=utf-8" },
      });
    }
    log.error(`Error handling request ${request.method} ${request.url}`, err);
  }
  return internalError();
}

/** Runs around each request: the pre_request / post_request hooks and request metrics. */
export interface RequestObserver {
  before(request: Request): Promise<void>;
  after(request: Request, response: Response, durationMs: number): Promise<void>;
}

/** How a response body will be sent: a known length (all chunks in hand) or a stream. */
export interface BodyPlan {
  /** Total length when known (all of it is in `chunks`), or the app's Content-Length, else null. */
  length: number | null;
  /** Chunks already read, in order. */
  chunks: Uint8Array[];
  /** The rest of the body, or null when `chunks` is all of it. */
  reader: ReadableStreamDefaultReader<Uint8Array> | null;
  /** The app's own Content-Length, when it set one. */
  declared: number | null;
}

/** Thrown when a response body stream yields something other than bytes. */
export class BodyChunkError extends TypeError {}

function asBytes(v: unknown): Uint8Array {
  if (v instanceof Uint8Array) return v;
  throw new BodyChunkError(
    `Cannot send response body chunk: expected Uint8Array, got ${describe(v)}`,
  );
}

function declaredLength(res: Response): number | null {
  const cl = res.headers.get("content-length");
  if (cl === null || !/^\d{1,15}$/.test(cl)) return null;
  return Number(cl);
}

/**
 * Reads up to two chunks of the body: an in-memory body (string, bytes, JSON) finishes within
 * them, so its length is known and it goes out in one write; anything longer is streamed.
 */
export async function planBody(res: Response): Promise<BodyPlan> {
  const declared = declaredLength(res);
  if (res.body === null) return { length: 0, chunks: [], reader: null, declared };
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < 2; i++) {
    const r = await reader.read();
    if (r.done) {
      const length = chunks.reduce((n, c) => n + c.byteLength, 0);
      return { length, chunks, reader: null, declared };
    }
    chunks.push(asBytes(r.value));
  }
  return { length: declared, chunks, reader, declared };
}

/** Reads the next body chunk of a streamed plan, or null at the end. */
export async function nextChunk(
  reader: ReadableStreamDefaultReader<Uint8Array>,
): Promise<Uint8Array | null> {
  const r = await reader.read();
  return r.done ? null : asBytes(r.value);
}

/** Where response bytes go: a blocking fd (sync) or a node socket honouring drain (async). */
export interface ByteSink {
  write(bytes: Uint8Array): void | Promise<void>;
}

/** What {@link writeResponse} needs to know about the request it answers. */
export interface ResponseContext {
  method: string;
  version: "1.0" | "1.1";
  /** Whether the connection may stay open after this response. */
  keepAlive: boolean;
  date: string;
}

/** The outcome of writing a response. */
export interface Written {
  /** Body bytes sent. */
  bytes: number;
  /** Whether the connection may carry another request. */
  keepAlive: boolean;
}

/** Writes status line, headers and body (one write for an in-memory body, else streamed). */
export async function writeResponse(
  sink: ByteSink,
  ctx: ResponseContext,
  res: Response,
  plan: BodyPlan,
): Promise<Written> {
  // A body in hand that contradicts the app's Content-Length: the true length goes out, the
  // mismatch is logged and the connection closes (the app has a bug worth seeing).
  const mismatch = plan.reader === null && plan.declared !== null &&
    plan.declared !== plan.length &&
    !bodyForbidden(res.status, ctx.method);
  const { head, framing, keepAlive } = encodeResponseHead({
    status: res.status,
    statusText: res.statusText,
    headers: res.headers,
    bodyLength: plan.length,
    method: ctx.method,
    version: ctx.version,
    keepAlive: ctx.keepAlive && !mismatch,
    date: ctx.date,
    server: SERVER,
  });
  const withBody = framing !== "none";
  if (plan.reader === null) {
    const chunks = withBody ? plan.chunks : [];
    await sink.write(concat([head, ...chunks]));
    const bytes = chunks.reduce((n, c) => n + c.byteLength, 0);
    if (mismatch) log.error(lengthMismatch(bytes, plan.declared!));
    return { bytes, keepAlive };
  }
  if (!withBody) {
    await plan.reader.cancel();
    await sink.write(head);
    return { bytes: 0, keepAlive };
  }
  const sent = await streamBody(sink, head, framing === "chunked", plan);
  if (plan.length !== null && sent !== plan.length) {
    log.error(lengthMismatch(sent, plan.length));
    return { bytes: sent, keepAlive: false };
  }
  return { bytes: sent, keepAlive };
}

function lengthMismatch(sent: number, declared: number): string {
  return `Response body was ${sent} bytes but Content-Length said ${declared}: closing the connection`;
}

/** The `Server` header value. */
export const SERVER = "denocorn";

async function streamBody(
  sink: ByteSink,
  head: Uint8Array,
  chunked: boolean,
  plan: BodyPlan,
): Promise<number> {
  const reader = plan.reader!;
  let sent = 0;
  const send = async (c: Uint8Array) => {
    if (c.byteLength === 0) return;
    await sink.write(chunked ? concat(encodeChunk(c)) : c);
    sent += c.byteLength;
  };
  try {
    await sink.write(head);
    for (const c of plan.chunks) await send(c);
    for (let c = await nextChunk(reader); c !== null; c = await nextChunk(reader)) await send(c);
    if (chunked) await sink.write(LAST_CHUNK);
  } catch (e) {
    await reader.cancel().catch(() => {});
    throw e;
  }
  return sent;
}

/** Writes the access log line of one exchange (the caller checks that an access log is on). */
export function logAccess(
  head: RequestHead,
  remote: Deno.Addr,
  request: Request,
  res: Response,
  bytes: number,
  started: number,
): void {
  access({
    remoteAddr: remote.transport === "tcp" ? remote.hostname : "",
    method: head.method,
    target: head.target,
    version: `HTTP/${head.version}`,
    status: res.status,
    bytes,
    durationMs: performance.now() - started,
    requestHeaders: request.headers,
    responseHeaders: res.headers,
    date: new Date(),
    pid: Deno.pid,
  });
}
