/**
 * @module Body wrappers for Deno's engine: they let the worker see when a request body read or
 * a response write waits on the client (the deadlines Deno's engine lacks), and count bytes.
 */

import { log } from "../log.ts";
import type { Exchange } from "./deno_conn.ts";

/**
 * A request body whose every read must be answered within `ms`: the worker's sweep closes the
 * connection of a client that stalls mid-body.
 */
export function deadlineBody(
  body: ReadableStream<Uint8Array>,
  ex: Exchange,
  ms: number,
): ReadableStream<Uint8Array> {
  // Locked on first read only: a copy that fails to build leaves Deno's body usable.
  let reader: ReadableStreamDefaultReader<Uint8Array> | null = null;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      ex.wait("request body read", ms);
      try {
        reader ??= body.getReader();
        const r = await reader.read();
        if (r.done) controller.close();
        else controller.enqueue(r.value);
      } catch (e) {
        ex.bodyFailed = true;
        throw e;
      } finally {
        ex.wait("", null);
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

/** The response with `Connection: close` (a copy when its headers are immutable). */
export function withClose(res: Response): Response {
  try {
    res.headers.set("connection", "close");
    return res;
  } catch {
    const copy = new Response(res.body, res);
    copy.headers.set("connection", "close");
    return copy;
  }
}
