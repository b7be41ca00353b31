/**
 * @module How the strict engine writes a response: plan the body, then write it (in one write
 * when the body is in hand, else streamed as it is produced), or hand a file to sendfile(2).
 */

import {
  bodyForbidden,
  encodeChunk,
  encodeResponseHead,
  LAST_CHUNK,
  type ResponseHeadInit,
} from "../../http/mod.ts";
import type { FileBody } from "../../file_response.ts";
import { log } from "../../log.ts";
import { concat } from "./body.ts";
import type { ByteSink } from "./io.ts";

function describe(v: unknown): string {
  if (v === null) return "null";
  if (typeof v === "object") return (v as object).constructor?.name ?? "object";
  return typeof v;
}

type Read = ReadableStreamReadResult<Uint8Array>;

/** How a response body will be sent: all in hand (known length) or streamed as produced. */
export interface BodyPlan {
  /** Total length when all of it is in `chunks`, else the app's Content-Length, else null. */
  length: number | null;
  /** Chunks already read, in order. */
  chunks: Uint8Array[];
  /** The rest of the body, or null when `chunks` is all of it. */
  reader: ReadableStreamDefaultReader<Uint8Array> | null;
  /** A read of `reader` already started and not settled yet. */
  pending: Promise<Read> | null;
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

/** Microtask turns a read may take and still count as "in hand" (a Blob's stream takes 5). */
const SETTLE_TICKS = 8;
/** Chunks read ahead before the head is decided: an in-memory body is one chunk. */
const IN_HAND_CHUNKS = 2;

async function settlesSoon(p: Promise<unknown>): Promise<boolean> {
  let settled = false;
  p.then(() => settled = true, () => settled = true);
  for (let i = 0; i < SETTLE_TICKS && !settled; i++) await null;
  return settled;
}

/**
 * Reads what the body has ready, up to two chunks: an in-memory body (string, bytes, JSON) ends
 * within a few microtasks, so its length is known and it goes out in one write. A read that has
 * to wait (an SSE event not produced yet) ends the plan: the head and what is in hand go out at
 * once, and the rest is streamed as the app produces it.
 */
export async function planBody(res: Response): Promise<BodyPlan> {
  const declared = declaredLength(res);
  if (res.body === null) return { length: 0, chunks: [], reader: null, pending: null, declared };
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (let next = reader.read();; next = reader.read()) {
      if (!(await settlesSoon(next))) {
        return { length: declared, chunks, reader, pending: next, declared };
      }
      const r = await next;
      if (r.done) return { length: size, chunks, reader: null, pending: null, declared };
      const c = asBytes(r.value);
      chunks.push(c);
      size += c.byteLength;
      if (chunks.length === IN_HAND_CHUNKS) {
        return { length: declared, chunks, reader, pending: null, declared };
      }
    }
  } catch (e) {
    await reader.cancel().catch(() => {});
    throw e;
  }
}

/** What {@link writeResponse} needs to know about the request it answers. */
export interface ResponseContext {
  method: string;
  version: "1.0" | "1.1";
  /** Whether the connection may stay open after this response. */
  keepAlive: boolean;
  /** Seconds an idle kept-alive connection stays open, advertised in `Keep-Alive`. */
  keepAliveTimeout?: number;
  date: string;
}

/** The outcome of writing a response. */
export interface Written {
  /** Body bytes sent. */
  bytes: number;
  /** Whether the connection may carry another request. */
  keepAlive: boolean;
}

/** The `Server` header value. */
export const SERVER = "denocorn";

function encodeHead(ctx: ResponseContext, res: Response, length: number | null, keep: boolean) {
  const init: ResponseHeadInit = {
    status: res.status,
    statusText: res.statusText,
    headers: res.headers,
    bodyLength: length,
    method: ctx.method,
    version: ctx.version,
    keepAlive: keep,
    date: ctx.date,
    server: SERVER,
  };
  if (ctx.keepAliveTimeout !== undefined) init.keepAliveTimeout = ctx.keepAliveTimeout;
  return encodeResponseHead(init);
}

/** Writes status line, headers and body (one write for a body in hand, else streamed). */
export async function writeResponse(
  sink: ByteSink,
  ctx: ResponseContext,
  res: Response,
  plan: BodyPlan,
): Promise<Written> {
  // A body in hand that contradicts the app's Content-Length: the true length goes out, the
  // mismatch is logged and the connection closes (the app has a bug worth seeing).
  const mismatch = plan.reader === null && plan.declared !== null &&
    plan.declared !== plan.length && !bodyForbidden(res.status, ctx.method);
  const { head, framing, keepAlive } = encodeHead(
    ctx,
    res,
    plan.length,
    ctx.keepAlive && !mismatch,
  );
  const withBody = framing !== "none";
  if (plan.reader === null) {
    const chunks = withBody ? plan.chunks : [];
    await writeParts(sink, [head, ...chunks]);
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

/** Writes `parts` as one gather write where the sink has one, else as one concatenated write. */
function writeParts(sink: ByteSink, parts: Uint8Array[]): void | Promise<void> {
  if (sink.writev !== undefined) return sink.writev(parts);
  return sink.write(parts.length === 1 ? parts[0]! : concat(parts));
}

/** Sends the head with what is in hand in one write, then each chunk as the app produces it. */
async function streamBody(
  sink: ByteSink,
  head: Uint8Array,
  chunked: boolean,
  plan: BodyPlan,
): Promise<number> {
  const reader = plan.reader!;
  const frame = (c: Uint8Array): Uint8Array[] =>
    c.byteLength === 0 ? [] : chunked ? encodeChunk(c) : [c];
  let sent = plan.chunks.reduce((n, c) => n + c.byteLength, 0);
  try {
    await writeParts(sink, [head, ...plan.chunks.flatMap(frame)]);
    let next = plan.pending ?? reader.read();
    for (let r = await next; !r.done; r = await next) {
      const c = asBytes(r.value);
      next = reader.read();
      if (c.byteLength === 0) continue;
      await writeParts(sink, frame(c));
      sent += c.byteLength;
    }
    if (chunked) await sink.write(LAST_CHUNK);
  } catch (e) {
    await reader.cancel().catch(() => {});
    throw e;
  }
  return sent;
}

/** Writes a {@linkcode fileResponse}'s head, then lets `sendFile` copy the file (sendfile(2)). */
export async function writeFileResponse(
  sink: ByteSink,
  sendFile: (path: string, size: number) => number | Promise<number>,
  ctx: ResponseContext,
  res: Response,
  file: FileBody,
): Promise<Written> {
  await res.body?.cancel(); // the streaming fallback is not needed: nothing was opened yet
  const { head, framing, keepAlive } = encodeHead(ctx, res, file.size, ctx.keepAlive);
  await sink.write(head);
  if (framing === "none") return { bytes: 0, keepAlive };
  const sent = await sendFile(file.path, file.size);
  if (sent !== file.size) {
    log.error(`File "${file.path}" sent ${sent} of ${file.size} bytes: closing the connection`);
    return { bytes: sent, keepAlive: false };
  }
  return { bytes: sent, keepAlive };
}
