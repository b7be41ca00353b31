/**
 * @module Parses a request head (request line and header section) from bytes: sans-io, strict,
 * every rejection an {@linkcode HttpParseError} whose code says which rule of RFC 9112 broke.
 */

import { CR, crlfLineEnd, HTAB, isToken, latin1, LF, parseFieldLine, SP } from "./_bytes.ts";
import { HttpParseError } from "./errors.ts";
import { isValidHost } from "./host.ts";
import { applyFields, type Framing, type RequestHead, type RequestLine } from "./head_fields.ts";

export type { Framing, RequestHead };

/** Size bounds on a request head, gunicorn's `--limit-request-*` settings. */
export interface Limits {
  /** Longest request line in bytes, CRLF excluded (0 = the maximum, 8190). */
  requestLine: number;
  /** Most header fields (0 = the maximum, 32768). */
  fields: number;
  /**
   * Longest header field line in bytes, its CRLF included as gunicorn counts it, so one
   * `--limit-request-field_size` admits the same requests on both (0 = the maximum, 65536).
   */
  fieldSize: number;
}

/** gunicorn's defaults: 4094-byte request line, 100 fields of at most 8190 bytes. */
export const DEFAULT_LIMITS: Readonly<Limits> = { requestLine: 4094, fields: 100, fieldSize: 8190 };

const MAX_REQUEST_LINE = 8190;
const MAX_FIELDS = 32768;
const MAX_FIELD_SIZE = 65536;
/** Empty lines tolerated before the request line (RFC 9112 §2.2 "SHOULD ignore at least one"). */
const MAX_LEADING_EMPTY_LINES = 4;

/**
 * Parses the head at the start of `buf`: the head, or null when more bytes are needed.
 * Bytes after the head (a body, a pipelined request) are left alone.
 *
 * @example
 * ```ts
 * import { parseHead } from "./parser.ts";
 * const bytes = new TextEncoder().encode("GET /a?b HTTP/1.1\r\nHost: x\r\n\r\n");
 * const head = parseHead(bytes);
 * console.assert(head?.path === "/a?b" && head.host === "x" && head.keepAlive);
 * console.assert(parseHead(bytes.subarray(0, 10)) === null);
 * ```
 */
export function parseHead(
  buf: Uint8Array,
  limits: Readonly<Limits> = DEFAULT_LIMITS,
): RequestHead | null {
  const maxLine = limits.requestLine || MAX_REQUEST_LINE;
  const maxFields = limits.fields || MAX_FIELDS;
  const maxFieldLine = Math.max(0, (limits.fieldSize || MAX_FIELD_SIZE) - 2); // minus its CRLF
  let pos = skipEmptyLines(buf);
  if (pos < 0) return null;
  const lineEnd = findLineEnd(buf, pos, maxLine, "REQUEST_LINE_TOO_LONG");
  if (lineEnd < 0) return null;
  const line = parseRequestLine(buf, pos, lineEnd);
  pos = lineEnd + 2;
  const headers: [string, string][] = [];
  for (;;) {
    const end = findLineEnd(buf, pos, maxFieldLine, "HEADER_TOO_LARGE");
    if (end < 0) return null;
    if (end === pos) return applyFields(line, headers, end + 2);
    if (headers.length === maxFields) {
      throw new HttpParseError(
        "TOO_MANY_HEADERS",
        `Cannot parse header section: more than ${maxFields} fields`,
      );
    }
    headers.push(parseFieldLine(buf, pos, end));
    pos = end + 2;
  }
}

/** Position after the tolerated leading CRLFs, or -1 when the buffer holds only those so far. */
function skipEmptyLines(buf: Uint8Array): number {
  let pos = 0;
  for (let n = 0; n <= MAX_LEADING_EMPTY_LINES; n++) {
    if (pos === buf.length || (buf[pos] === CR && pos + 1 === buf.length)) return -1;
    if (buf[pos] === LF) throw new HttpParseError("BARE_LF", "Cannot parse request line: bare LF");
    if (buf[pos] !== CR) return pos;
    if (buf[pos + 1] !== LF) {
      throw new HttpParseError("BARE_CR", "Cannot parse request line: bare CR");
    }
    pos += 2;
  }
  throw new HttpParseError(
    "INVALID_REQUEST_LINE",
    "Cannot parse request line: too many empty lines before it",
  );
}

function findLineEnd(
  buf: Uint8Array,
  start: number,
  max: number,
  tooLong: "REQUEST_LINE_TOO_LONG" | "HEADER_TOO_LARGE",
): number {
  const detail = tooLong === "REQUEST_LINE_TOO_LONG"
    ? `Cannot parse request line: longer than ${max} bytes`
    : `Cannot parse header field: longer than ${max + 2} bytes with its CRLF`;
  return crlfLineEnd(buf, start, max, tooLong, detail);
}

/** RFC 9112 §3: method SP request-target SP HTTP-version, single spaces, nothing else. */
function parseRequestLine(buf: Uint8Array, start: number, end: number): RequestLine {
  const sp1 = buf.indexOf(SP, start);
  const sp2 = sp1 < 0 || sp1 >= end ? -1 : buf.indexOf(SP, sp1 + 1);
  if (sp2 < 0 || sp2 >= end) {
    throw new HttpParseError(
      "INVALID_REQUEST_LINE",
      "Cannot parse request line: expected METHOD SP TARGET SP VERSION",
    );
  }
  const third = buf.subarray(sp2 + 1, end);
  if (third.includes(SP) || third.includes(HTAB)) {
    throw new HttpParseError(
      "INVALID_REQUEST_LINE",
      "Cannot parse request line: expected single spaces",
    );
  }
  if (sp2 === sp1 + 1) {
    throw new HttpParseError("INVALID_TARGET", "Cannot parse request line: empty target");
  }
  if (!isToken(buf, start, sp1)) {
    throw new HttpParseError(
      "INVALID_METHOD",
      "Cannot parse request line: the method is not a token",
    );
  }
  const method = latin1(buf, start, sp1);
  const version = parseVersion(latin1(buf, sp2 + 1, end));
  for (let i = sp1 + 1; i < sp2; i++) {
    const b = buf[i]!;
    if (b <= SP || b >= 127) {
      throw new HttpParseError(
        "INVALID_TARGET",
        `Cannot parse request target: invalid byte 0x${b.toString(16)}`,
      );
    }
  }
  const target = latin1(buf, sp1 + 1, sp2);
  return { method, target, version, ...parseTarget(method, target) };
}

function parseVersion(text: string): "1.0" | "1.1" {
  if (text === "HTTP/1.1") return "1.1";
  if (text === "HTTP/1.0") return "1.0";
  // RFC 9112 §2.3: a well-formed version we do not speak is 505; anything else is not HTTP.
  if (/^HTTP\/\d\.\d$/.test(text)) {
    throw new HttpParseError(
      "UNSUPPORTED_VERSION",
      `Cannot serve ${text}: only HTTP/1.0 and HTTP/1.1 are supported`,
    );
  }
  throw new HttpParseError("INVALID_VERSION", "Cannot parse request line: invalid HTTP version");
}

const ABSOLUTE = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)([^#]*)$/;

/** RFC 9112 §3.2: the four forms of request-target, each allowed only where it belongs. */
function parseTarget(
  method: string,
  target: string,
): Pick<RequestLine, "path" | "authority" | "scheme"> {
  if (method === "CONNECT") {
    throw new HttpParseError(
      "UNSUPPORTED_METHOD",
      "Cannot serve CONNECT: a fetch handler cannot open a tunnel",
    );
  }
  if (target.charCodeAt(0) === 47 /* / */) {
    if (target.includes("#")) {
      throw new HttpParseError("INVALID_TARGET", "Cannot parse request target: fragment");
    }
    return { path: target, authority: null, scheme: null };
  }
  if (target === "*") {
    if (method !== "OPTIONS") {
      throw new HttpParseError(
        "INVALID_TARGET",
        "Cannot parse request target: * is only allowed with OPTIONS",
      );
    }
    // `deno serve` gives it the URL `http://host/*`: the app tells it from `OPTIONS /` by the path.
    return { path: "/*", authority: null, scheme: null };
  }
  const m = ABSOLUTE.exec(target);
  const scheme = m?.[1]?.toLowerCase();
  if (m === null || (scheme !== "http" && scheme !== "https")) {
    throw new HttpParseError(
      "INVALID_TARGET",
      "Cannot parse request target: expected /path or http://host/path",
    );
  }
  const authority = m[2]!;
  // RFC 9110 §4.2.1: no userinfo, no empty host; the same rule as a Host field.
  if (!isValidHost(authority)) {
    throw new HttpParseError("INVALID_HOST", "Cannot parse request target: invalid authority");
  }
  const rest = m[3]!;
  return { path: rest === "" ? "/" : rest.startsWith("/") ? rest : `/${rest}`, authority, scheme };
}
