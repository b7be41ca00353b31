/**
 * @module The answers a worker gives in place of its app's, the same on every engine: a 500 for
 * an app that failed, the status a failed request body earns, a 504 past `--request-timeout`.
 */

import { STATUS_TEXT } from "../http/mod.ts";
import { log } from "../log.ts";

/**
 * The error a request body stream fails with when the body is malformed, ends early or comes too
 * slowly. `status` is what the client gets if no response has started: 400 for bad framing or a
 * body cut short, 408 for a body slower than its deadline (its `cause` is the engine's error).
 */
export class BodyEndedError extends Error {
  /** The status to answer with. */
  readonly status: number;
  /** Creates the error; `status` defaults to 400. */
  constructor(message: string, status = 400, options?: ErrorOptions) {
    super(message, options);
    this.name = "BodyEndedError";
    this.status = status;
  }
}

/** The BodyEndedError behind `e` (itself or its cause), if any. */
export function bodyError(e: unknown): BodyEndedError | null {
  for (let x = e, depth = 0; x instanceof Error && depth < 4; x = x.cause, depth++) {
    if (x instanceof BodyEndedError) return x;
  }
  return null;
}

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

/** The answer to a request whose app did not start its response within `--request-timeout`. */
export function gatewayTimeout(): Response {
  return new Response("Gateway Timeout\n", {
    status: 504,
    headers: { "content-type": "text/plain; charset=utf-8", connection: "close" },
  });
}

/**
 * The answer to an app call that threw or rejected with `err`: the status `bodyStatus` gives it
 * (the request body failed: the client's fault, logged at debug), else a logged 500.
 */
export function failed(
  request: Request,
  err: unknown,
  bodyStatus: (e: unknown) => number | null,
): Response {
  const status = bodyStatus(err);
  if (status !== null) {
    // The app failed because the request body was malformed, cut short or too slow.
    log.debug(
      `Request body failed for ${request.method} ${request.url}: ${(err as Error)?.message}`,
    );
    return new Response(`${STATUS_TEXT[status] ?? "Bad Request"}\n`, {
      status,
      headers: { "content-type": "text/plain; charset=utf-8", connection: "close" },
    });
  }
  log.error(`Error handling request ${request.method} ${request.url}`, err);
  return internalError();
}

/** The app's result when it is a Response, else a logged 500. */
export function checked(request: Request, res: unknown): Response {
  if (res instanceof Response) return res;
  log.error(
    `Error handling request ${request.method} ${request.url}: app returned ${
      describe(res)
    }, expected a Response`,
  );
  return internalError();
}
