/**
 * @module Parses a request head (request line and header section) from bytes: sans-io, strict,
 * every rejection an {@linkcode HttpParseError} whose code says which rule of RFC 9112 broke.
 */

import {
  CR,
  crlfLineEnd,
  HTAB,
  isToken,
  latin1,
  LF,
  parseFieldLine,
  SP,
  splitList,
} from "./_bytes.ts";
import { HttpParseError } from "./errors.ts";
import { isValidHost } from "./host.ts";

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

/** How the request body is delimited (RFC 9112 §6.3). */
export type Framing =
  | { type: "none" }
  | { type: "length"; length: number }
  | { type: "chunked" };

/** A parsed request head. */
export interface RequestHead {
  method: string;
  /** The request target exactly as sent. */
  target: string;
  version: "1.0" | "1.1";
  /** Field lines in order, names as sent, values trimmed. */
  headers: [string, string][];
  /** The authority the request is for: absolute-form target's, else the Host field's, else null. */
  host: string | null;
  /** Path and query to build the URL from (`/*` for `OPTIONS *`, as `deno serve` gives it). */
  path: string;
  /** Whether the target was absolute-form (`http://host/path`), whose scheme is kept here. */
  scheme: "http" | "https" | null;
  framing: Framing;
  /** Whether the connection may carry another request after this one. */
  keepAlive: boolean;
  /** `Expect: 100-continue` on an HTTP/1.1 request. */
  expectContinue: boolean;
  /** Bytes of `buf` the head took, final empty line included. */
  headLength: number;
}

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
    if (end === pos) return finish(line, headers, end + 2);
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

interface RequestLine {
  method: string;
  target: string;
  version: "1.0" | "1.1";
  path: string;
  authority: string | null;
  scheme: "http" | "https" | null;
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

/**
 * RFC 9110 §5.3: fields defined as one value (not a list) whose value decides what the request
 * means — its body's type, its credentials, its range, its conditions. A second field line cannot
 * be merged, and recipients disagree on which one counts (first, last, or both joined with ", "),
 * so a repeat is refused. Host and Content-Length have codes of their own. Informational
 * singletons (User-Agent, Referer, From, Date) are admitted, as gunicorn admits them.
 */
const SINGLETON_FIELDS: ReadonlyMap<string, number> = new Map(
  [
    "content-type",
    "authorization",
    "proxy-authorization",
    "range",
    "if-range",
    "if-modified-since",
    "if-unmodified-since",
    "max-forwards",
  ].map((name, i) => [name, 1 << i]),
);

/** Applies the header fields that decide host, framing, persistence and expectations. */
function finish(line: RequestLine, headers: [string, string][], headLength: number): RequestHead {
  let host: string | null = null;
  let hosts = 0;
  let contentLength: string | null = null;
  const codings: string[] = [];
  let sawTransferEncoding = false;
  let close = false;
  let keepAliveToken = false;
  let expectContinue = false;
  let singletons = 0;
  for (const [rawName, value] of headers) {
    const name = rawName.length < 20 ? rawName.toLowerCase() : "";
    switch (name) {
      case "host":
        if (++hosts > 1) {
          throw new HttpParseError("DUPLICATE_HOST", "Cannot parse headers: more than one Host");
        }
        if (!isValidHost(value)) {
          throw new HttpParseError("INVALID_HOST", "Cannot parse Host: invalid authority");
        }
        host = value;
        break;
      case "content-length":
        if (contentLength !== null) {
          throw new HttpParseError(
            "DUPLICATE_CONTENT_LENGTH",
            "Cannot parse headers: more than one Content-Length",
          );
        }
        contentLength = value;
        break;
      case "transfer-encoding":
        sawTransferEncoding = true;
        codings.push(...splitList(value).map((c) => c.toLowerCase()));
        break;
      case "connection":
        for (const t of splitList(value)) {
          const token = t.toLowerCase();
          if (token === "close") close = true;
          else if (token === "keep-alive") keepAliveToken = true;
        }
        break;
      case "expect":
        if (value.toLowerCase() !== "100-continue") {
          throw new HttpParseError(
            "EXPECTATION_FAILED",
            "Cannot meet the expectation: only 100-continue is supported",
          );
        }
        // RFC 9110 §10.1.1: a server MUST ignore 100-continue in an HTTP/1.0 request.
        expectContinue = line.version === "1.1";
        break;
      default: {
        const bit = SINGLETON_FIELDS.get(name);
        if (bit === undefined) break;
        if ((singletons & bit) !== 0) {
          throw new HttpParseError(
            "DUPLICATE_FIELD",
            `Cannot parse headers: more than one ${rawName}`,
          );
        }
        singletons |= bit;
      }
    }
  }
  if (line.version === "1.1" && hosts === 0) {
    throw new HttpParseError(
      "MISSING_HOST",
      "Cannot parse headers: HTTP/1.1 requires a Host field",
    );
  }
  const framing = bodyFraming(line.version, contentLength, sawTransferEncoding ? codings : null);
  const keepAlive = !close && (line.version === "1.1" || keepAliveToken);
  return {
    method: line.method,
    target: line.target,
    version: line.version,
    headers,
    host: line.authority ?? host,
    path: line.path,
    scheme: line.scheme,
    framing,
    keepAlive,
    expectContinue,
    headLength,
  };
}

/** RFC 9112 §6.1–6.3, without the leniencies request smuggling lives on. */
function bodyFraming(
  version: "1.0" | "1.1",
  contentLength: string | null,
  codings: string[] | null,
): Framing {
  if (codings !== null) {
    if (version === "1.0") {
      throw new HttpParseError(
        "TRANSFER_ENCODING_IN_HTTP10",
        "Cannot parse headers: Transfer-Encoding in HTTP/1.0",
      );
    }
    if (contentLength !== null) {
      throw new HttpParseError(
        "CONTENT_LENGTH_WITH_TRANSFER_ENCODING",
        "Cannot parse headers: both Content-Length and Transfer-Encoding",
      );
    }
    return { type: chunkedFraming(codings) };
  }
  if (contentLength === null) return { type: "none" };
  if (!/^\d+$/.test(contentLength)) {
    throw new HttpParseError(
      "INVALID_CONTENT_LENGTH",
      "Cannot parse Content-Length: expected digits",
    );
  }
  const length = Number(contentLength);
  if (!Number.isSafeInteger(length)) {
    throw new HttpParseError("CONTENT_LENGTH_TOO_LARGE", "Cannot parse Content-Length: too large");
  }
  return length === 0 ? { type: "none" } : { type: "length", length };
}

function chunkedFraming(codings: string[]): "chunked" {
  if (codings.length === 0) {
    throw new HttpParseError("INVALID_TRANSFER_ENCODING", "Cannot parse Transfer-Encoding: empty");
  }
  let chunked = 0;
  for (const c of codings) {
    if (!/^[!#$%&'*+\-.^_`|~0-9a-z]+$/.test(c)) {
      throw new HttpParseError(
        "INVALID_TRANSFER_ENCODING",
        "Cannot parse Transfer-Encoding: invalid coding",
      );
    }
    if (c === "chunked") chunked++;
  }
  if (chunked > 1) {
    throw new HttpParseError("CHUNKED_TWICE", "Cannot parse Transfer-Encoding: chunked twice");
  }
  if (codings[codings.length - 1] !== "chunked") {
    throw new HttpParseError(
      "CHUNKED_NOT_FINAL",
      "Cannot parse Transfer-Encoding: chunked must be the last coding",
    );
  }
  if (codings.length > 1) {
    throw new HttpParseError(
      "UNSUPPORTED_TRANSFER_CODING",
      "Cannot decode Transfer-Encoding: only chunked is supported",
    );
  }
  return "chunked";
}
