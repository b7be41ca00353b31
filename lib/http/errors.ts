/** @module The one table of HTTP parse errors, each mapped to the status the server answers with. */

/**
 * Every way a request can fail to parse, with the response status and reason phrase.
 * The status is the whole error → response mapping: a worker answers `status` and closes.
 *
 * @example
 * ```ts
 * import { HTTP_ERRORS } from "./errors.ts";
 * console.assert(HTTP_ERRORS.CONTENT_LENGTH_WITH_TRANSFER_ENCODING.status === 400);
 * ```
 */
export const HTTP_ERRORS = {
  // Request line (RFC 9112 §3)
  INVALID_REQUEST_LINE: { status: 400, reason: "Bad Request" },
  INVALID_METHOD: { status: 400, reason: "Bad Request" },
  INVALID_TARGET: { status: 400, reason: "Bad Request" },
  INVALID_VERSION: { status: 400, reason: "Bad Request" },
  UNSUPPORTED_VERSION: { status: 505, reason: "HTTP Version Not Supported" },
  UNSUPPORTED_METHOD: { status: 501, reason: "Not Implemented" },
  REQUEST_LINE_TOO_LONG: { status: 414, reason: "URI Too Long" },
  // Line endings (RFC 9112 §2.2)
  BARE_CR: { status: 400, reason: "Bad Request" },
  BARE_LF: { status: 400, reason: "Bad Request" },
  // Field lines (RFC 9112 §5, RFC 9110 §5)
  INVALID_HEADER_NAME: { status: 400, reason: "Bad Request" },
  INVALID_HEADER_VALUE: { status: 400, reason: "Bad Request" },
  OBS_FOLD: { status: 400, reason: "Bad Request" },
  TOO_MANY_HEADERS: { status: 431, reason: "Request Header Fields Too Large" },
  HEADER_TOO_LARGE: { status: 431, reason: "Request Header Fields Too Large" },
  DUPLICATE_FIELD: { status: 400, reason: "Bad Request" },
  // Host (RFC 9112 §3.2)
  MISSING_HOST: { status: 400, reason: "Bad Request" },
  DUPLICATE_HOST: { status: 400, reason: "Bad Request" },
  INVALID_HOST: { status: 400, reason: "Bad Request" },
  // Message body framing (RFC 9112 §6)
  INVALID_CONTENT_LENGTH: { status: 400, reason: "Bad Request" },
  DUPLICATE_CONTENT_LENGTH: { status: 400, reason: "Bad Request" },
  CONTENT_LENGTH_TOO_LARGE: { status: 400, reason: "Bad Request" },
  CONTENT_LENGTH_WITH_TRANSFER_ENCODING: { status: 400, reason: "Bad Request" },
  TRANSFER_ENCODING_IN_HTTP10: { status: 400, reason: "Bad Request" },
  INVALID_TRANSFER_ENCODING: { status: 400, reason: "Bad Request" },
  CHUNKED_NOT_FINAL: { status: 400, reason: "Bad Request" },
  CHUNKED_TWICE: { status: 400, reason: "Bad Request" },
  UNSUPPORTED_TRANSFER_CODING: { status: 501, reason: "Not Implemented" },
  // Expect (RFC 9110 §10.1.1)
  EXPECTATION_FAILED: { status: 417, reason: "Expectation Failed" },
  // Chunked transfer coding (RFC 9112 §7.1)
  INVALID_CHUNK_SIZE: { status: 400, reason: "Bad Request" },
  CHUNK_SIZE_TOO_LARGE: { status: 400, reason: "Bad Request" },
  INVALID_CHUNK_EXTENSION: { status: 400, reason: "Bad Request" },
  CHUNK_EXTENSION_TOO_LARGE: { status: 400, reason: "Bad Request" },
  MISSING_CHUNK_CRLF: { status: 400, reason: "Bad Request" },
  FORBIDDEN_TRAILER: { status: 400, reason: "Bad Request" },
  TOO_MANY_TRAILERS: { status: 431, reason: "Request Header Fields Too Large" },
  TRAILERS_TOO_LARGE: { status: 431, reason: "Request Header Fields Too Large" },
  // PROXY protocol (HAProxy's proxy-protocol.txt)
  INVALID_PROXY_PROTOCOL: { status: 400, reason: "Bad Request" },
  UNTRUSTED_PROXY_PROTOCOL: { status: 400, reason: "Bad Request" },
} as const;

/** The name of one entry of {@linkcode HTTP_ERRORS}. */
export type HttpErrorCode = keyof typeof HTTP_ERRORS;

/**
 * A request that cannot be parsed: `code` names the rule broken, `status` is the answer to send
 * before closing the connection.
 *
 * @example
 * ```ts
 * import { HttpParseError } from "./errors.ts";
 * const e = new HttpParseError("MISSING_HOST");
 * console.assert(e.status === 400 && e.message === "Bad Request: MISSING_HOST");
 * ```
 */
export class HttpParseError extends Error {
  /** Which rule the request broke. */
  readonly code: HttpErrorCode;
  /** The HTTP status to answer with. */
  readonly status: number;

  /** Creates the error for `code`; `detail` says what was wrong, for logs and the error body. */
  constructor(code: HttpErrorCode, detail?: string) {
    const { status, reason } = HTTP_ERRORS[code];
    super(detail === undefined ? `${reason}: ${code}` : `${reason}: ${detail}`);
    this.name = "HttpParseError";
    this.code = code;
    this.status = status;
  }
}
