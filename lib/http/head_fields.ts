/**
 * @module The header fields of a request head that decide its host, body framing, persistence
 * and expectations (RFC 9112 §3.2, §6, §9.3; RFC 9110 §10.1.1), applied once the head is split
 * into fields by lib/http/parser.ts; every rejection an {@linkcode HttpParseError}.
 */

import { splitList } from "./_bytes.ts";
import { HttpParseError } from "./errors.ts";
import { isValidHost } from "./host.ts";

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

/** A parsed request line (RFC 9112 §3). */
export interface RequestLine {
  method: string;
  target: string;
  version: "1.0" | "1.1";
  path: string;
  authority: string | null;
  scheme: "http" | "https" | null;
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
export function applyFields(
  line: RequestLine,
  headers: [string, string][],
  headLength: number,
): RequestHead {
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
