/**
 * @module Encodes response heads, chunks and error responses, choosing the body framing once
 * (RFC 9112 §6.3): sans-io, the caller sends the bytes.
 */

import { encodeLatin1 } from "./_bytes.ts";
import { STATUS_TEXT } from "./status.ts";

/** How the response body is delimited on the wire. */
export type ResponseFraming = "none" | "length" | "chunked" | "close";

/** What {@linkcode encodeResponseHead} needs. */
export interface ResponseHeadInit {
  status: number;
  /** The app's reason phrase; the standard one is used when empty. */
  statusText: string;
  headers: Headers;
  /** Body length when known, else null. */
  bodyLength: number | null;
  /** The request's method (HEAD gets the head only). */
  method: string;
  /** The request's version. */
  version: "1.0" | "1.1";
  /** Whether the server would keep the connection open. */
  keepAlive: boolean;
  /**
   * Seconds the server keeps an idle connection open; when given, a kept-alive response says
   * `keep-alive: timeout=N` so client pools retire the connection before the server does.
   */
  keepAliveTimeout?: number;
  /** The `Date` value, an IMF-fixdate (see {@linkcode httpDate}): the caller owns the clock. */
  date: string;
  /** The `Server` value, unless the app set one. */
  server: string;
}

/** An encoded head and the framing decided for its body. */
export interface EncodedHead {
  head: Uint8Array;
  framing: ResponseFraming;
  /** Whether the connection stays open after the body. */
  keepAlive: boolean;
}

/** Fields the server owns: hop-by-hop or framing, never copied from the app's Headers. */
const OWNED = new Set([
  "connection",
  "keep-alive",
  "transfer-encoding",
  "content-length",
  "te",
  "trailer",
  "upgrade",
]);

/** True when a response with `status` to `method` can never carry a body (RFC 9110 §6.4.1). */
export function bodyForbidden(status: number, method: string): boolean {
  return method === "HEAD" || status < 200 || status === 204 || status === 304;
}

/**
 * Encodes the status line and fields, deciding the framing: Content-Length when the length is
 * known, chunked on HTTP/1.1 otherwise, close-delimited on HTTP/1.0; no body for HEAD, 1xx, 204
 * and 304 (HEAD and 304 keep the Content-Length a GET would have had).
 *
 * @example
 * ```ts
 * import { encodeResponseHead } from "./response.ts";
 * const { head, framing } = encodeResponseHead({
 *   status: 200, statusText: "", headers: new Headers({ "content-type": "text/plain" }),
 *   bodyLength: 2, method: "GET", version: "1.1", keepAlive: false,
 *   date: "Tue, 24 Nov 2026 12:00:00 GMT", server: "denocorn",
 * });
 * const text = new TextDecoder().decode(head);
 * console.assert(framing === "length" && text.startsWith("HTTP/1.1 200 OK\r\n"));
 * console.assert(text.includes("content-length: 2\r\n") && text.includes("connection: close\r\n"));
 * ```
 */
export function encodeResponseHead(init: ResponseHeadInit): EncodedHead {
  const { status, method, version, bodyLength } = init;
  let framing: ResponseFraming;
  let lengthField: number | null = null;
  let chunkedField = false;
  if (bodyForbidden(status, method)) {
    framing = "none";
    if ((method === "HEAD" || status === 304) && status >= 200 && status !== 204) {
      lengthField = bodyLength ?? declaredLength(init.headers);
    }
  } else if (bodyLength !== null) {
    framing = "length";
    lengthField = bodyLength;
  } else if (version === "1.1") {
    framing = "chunked";
    chunkedField = true;
  } else {
    framing = "close";
  }
  const keepAlive = init.keepAlive && framing !== "close";
  let text = `HTTP/1.1 ${status} ${reasonPhrase(status, init.statusText)}\r\n`;
  let hasDate = false;
  let hasServer = false;
  for (const [name, value] of init.headers) {
    if (OWNED.has(name)) continue;
    if (name === "date") hasDate = true;
    else if (name === "server") hasServer = true;
    text += `${name}: ${value}\r\n`;
  }
  if (!hasDate) text += `date: ${init.date}\r\n`;
  if (!hasServer) text += `server: ${init.server}\r\n`;
  if (lengthField !== null) text += `content-length: ${lengthField}\r\n`;
  if (chunkedField) text += "transfer-encoding: chunked\r\n";
  if (!keepAlive) text += "connection: close\r\n";
  else {
    if (version === "1.0") text += "connection: keep-alive\r\n";
    if (init.keepAliveTimeout !== undefined) {
      text += `keep-alive: timeout=${Math.floor(init.keepAliveTimeout)}\r\n`;
    }
  }
  text += "\r\n";
  return { head: encodeText(text), framing, keepAlive };
}

function declaredLength(headers: Headers): number | null {
  const cl = headers.get("content-length");
  return cl !== null && /^\d{1,15}$/.test(cl) ? Number(cl) : null;
}

function reasonPhrase(status: number, given: string): string {
  // A reason phrase is HTAB / SP / VCHAR / obs-text (RFC 9112 §4); anything else is replaced.
  if (given !== "" && !/[^\t\x20-\x7e\x80-\xff]/.test(given)) return given;
  return STATUS_TEXT[status] ?? "Unknown";
}

const encoder = new TextEncoder();

/** Header values are ByteStrings: ASCII goes through TextEncoder, anything else byte per char. */
function encodeText(text: string): Uint8Array {
  // deno-lint-ignore no-control-regex
  return /[^\x00-\x7f]/.test(text) ? encodeLatin1(text) : encoder.encode(text);
}

const CRLF = new Uint8Array([13, 10]);

/**
 * One chunk of a chunked body: size line, data, CRLF (send nothing for empty data: a zero-size
 * chunk ends the body).
 *
 * @example
 * ```ts
 * import { encodeChunk } from "./response.ts";
 * const parts = encodeChunk(new Uint8Array(26));
 * console.assert(new TextDecoder().decode(parts[0]) === "1a\r\n" && parts.length === 3);
 * ```
 */
export function encodeChunk(data: Uint8Array): Uint8Array[] {
  return [encoder.encode(`${data.byteLength.toString(16)}\r\n`), data, CRLF];
}

/** The last chunk and an empty trailer section. */
export const LAST_CHUNK: Uint8Array = encoder.encode("0\r\n\r\n");

/** What {@linkcode errorResponse} writes besides the status. */
export interface ErrorResponseInit {
  /** The `Date` value, an IMF-fixdate (see {@linkcode httpDate}). */
  date: string;
  /** The body text; the reason phrase when omitted. */
  message?: string;
}

/**
 * A whole error response that closes the connection: status line, a short plain-text body.
 *
 * @example
 * ```ts
 * import { errorResponse } from "./response.ts";
 * const date = "Tue, 24 Nov 2026 12:00:00 GMT";
 * const text = new TextDecoder().decode(errorResponse(400, { date, message: "bare LF" }));
 * console.assert(text.startsWith("HTTP/1.1 400 Bad Request\r\n") && text.endsWith("bare LF\n"));
 * ```
 */
export function errorResponse(status: number, init: ErrorResponseInit): Uint8Array {
  const reason = STATUS_TEXT[status] ?? "Error";
  const body = `${(init.message ?? reason).replace(/[^\x20-\x7e]/g, "?")}\n`;
  return encoder.encode(
    `HTTP/1.1 ${status} ${reason}\r\ndate: ${init.date}\r\nserver: denocorn\r\n` +
      `content-type: text/plain; charset=utf-8\r\ncontent-length: ${body.length}\r\n` +
      `connection: close\r\n\r\n${body}`,
  );
}

/**
 * Formats `date` as an IMF-fixdate (RFC 9110 §5.6.7).
 *
 * @example
 * ```ts
 * import { httpDate } from "./response.ts";
 * console.assert(httpDate(new Date(0)) === "Thu, 01 Jan 1970 00:00:00 GMT");
 * ```
 */
export function httpDate(date: Date): string {
  return date.toUTCString();
}
