/**
 * @module Body wrappers for Deno's engine: they let the worker see when a request body read or
 * a response write waits on the client (the deadlines Deno's engine lacks), and count bytes.
 */

import { log } from "../../log.ts";
import type { Exchange } from "./conn.ts";
import { bodyDeadline, type Timeouts } from "../timeouts.ts";

/**
 * A request body read within `--body-timeout` plus one second per `--body-min-rate` bytes
 * (lib/workers/timeouts.ts), counted from its first read: a read still waiting then fails with a
 * 408 the app sees; a malformed or cut body fails with a 400.
 */
export function deadlineBody(
  body: ReadableStream<Uint8Array>,
  ex: Exchange,
  t: Timeouts,
): ReadableStream<Uint8Array> {
  // Locked on first read only: a copy that fails to build leaves Deno's body usable.
  let reader: ReadableStreamDefaultReader<Uint8Array> | null = null;
  let start = -1;
  let bytes = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (start < 0) start = performance.now();
      try {
        reader ??= body.getReader();
        const r = await ex.read(reader.read(), bodyDeadline(t, start, bytes));
        if (r.done) return controller.close();
        bytes += r.value.byteLength;
        controller.enqueue(r.value);
      } catch (e) {
        ex.bodyStatus ??= 400;
        if (ex.bodyStatus === 408) void reader?.cancel(e).catch(() => {});
        throw e;
      }
    },
    cancel(reason) {
      ex.wait("", null);
      return reader === null ? body.cancel(reason) : reader.cancel(reason);
    },
  }, { highWaterMark: 0 });
}

/** The most a watched body hands the engine at once: each slice's write gets its own deadline. */
const SLICE = 64 * 1024;

/**
 * The response with a body that reports the engine's progress: between handing a slice to the
 * engine and its next pull the response waits on the client (deadline `ms`); while the app
 * produces the next chunk it does not (an event stream may be quiet for minutes).
 */
export function watchedBody(
  res: Response,
  ex: Exchange,
  ms: number,
  sent: (bytes: number) => void,
): Response {
  const reader = res.body!.getReader();
  const declared = declaredLength(res);
  let total = 0;
  let rest: Uint8Array | null = null;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      ex.wait("", null);
      if (rest === null) {
        const r = await reader.read();
        if (r.done) {
          if (declared !== null && total !== declared) {
            log.error(
              `Response body was ${total} bytes but Content-Length said ${declared}: ` +
                "closing the connection",
            );
          }
          controller.close();
          ex.wait("response write", ms);
          return;
        }
        rest = r.value;
      }
      const slice: Uint8Array = rest.byteLength > SLICE ? rest.subarray(0, SLICE) : rest;
      rest = slice === rest ? null : rest.subarray(SLICE);
      total += slice.byteLength ?? 0;
      sent(slice.byteLength ?? 0);
      controller.enqueue(slice);
      ex.wait("response write", ms);
    },
    cancel(reason) {
      ex.wait("", null);
      return reader.cancel(reason);
    },
  }, { highWaterMark: 0 });
  return new Response(body, res);
}

function declaredLength(res: Response): number | null {
  const cl = res.headers.get("content-length");
  return cl !== null && /^\d{1,15}$/.test(cl) ? Number(cl) : null;
}

/** The response with header `name` set (a copy when its headers are immutable). */
export function withHeader(res: Response, name: string, value: string): Response {
  try {
    res.headers.set(name, value);
    return res;
  } catch {
    const copy = new Response(res.body, res);
    copy.headers.set(name, value);
    return copy;
  }
}
