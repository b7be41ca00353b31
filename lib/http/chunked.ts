/**
 * @module Decodes the chunked transfer coding (RFC 9112 §7.1) incrementally: sans-io, bounded,
 * strict about framing so that no two parsers can disagree on where a body ends.
 */

import { CR, crlfLineEnd, HTAB, isToken, LF, parseFieldLine, SP } from "./_bytes.ts";
import { HttpParseError } from "./errors.ts";

/** Bounds on chunk framing and trailers. */
export interface ChunkedLimits {
  /** Longest chunk-size line, extensions included, CRLF excluded. */
  sizeLine: number;
  /** Most trailer fields. */
  trailerFields: number;
  /** Most bytes in the whole trailer section. */
  trailerBytes: number;
}

/** 4 KiB of chunk extensions, 100 trailer fields, 8 KiB of trailers. */
export const DEFAULT_CHUNKED_LIMITS: Readonly<ChunkedLimits> = {
  sizeLine: 4096,
  trailerFields: 100,
  trailerBytes: 8192,
};

/** What one {@linkcode ChunkedDecoder.push} produced. */
export interface Decoded {
  /** Body data, as views into the input. */
  chunks: Uint8Array[];
  /** Bytes of the input used; the caller passes the rest again, with more, next time. */
  consumed: number;
  /** True once the last chunk and the trailer section are complete. */
  done: boolean;
}

/** RFC 9110 §6.5.1: fields a sender must not put in trailers (they frame or route the message). */
const FORBIDDEN_TRAILERS = new Set([
  "content-length",
  "transfer-encoding",
  "host",
  "trailer",
  "authorization",
  "te",
  "content-type",
  "content-encoding",
  "content-range",
  "cache-control",
  "expect",
  "max-forwards",
  "set-cookie",
  "cookie",
]);

/** 2^53 - 1 has 14 hex digits; more never fit a safe integer. */
const MAX_SIZE_DIGITS = 13;

type State = "size" | "data" | "data-crlf" | "trailer" | "done";

/**
 * The chunked body decoder. Feed it bytes; it returns data and how much it used. It consumes
 * framing lines only whole, so the caller keeps the unconsumed tail and feeds it again.
 *
 * @example
 * ```ts
 * import { ChunkedDecoder } from "./chunked.ts";
 * const d = new ChunkedDecoder();
 * const out = d.push(new TextEncoder().encode("3\r\nabc\r\n0\r\n\r\nNEXT"));
 * console.assert(out.done && out.consumed === 15 && out.chunks.length === 1);
 * ```
 */
export class ChunkedDecoder {
  #state: State = "size";
  #remaining = 0;
  #limits: Readonly<ChunkedLimits>;
  #trailerFields = 0;
  #trailerBytes = 0;
  /** Trailer fields received, in order. */
  readonly trailers: [string, string][] = [];

  /** Creates a decoder with `limits` on framing and trailers. */
  constructor(limits: Readonly<ChunkedLimits> = DEFAULT_CHUNKED_LIMITS) {
    this.#limits = limits;
  }

  /** True once the whole body, trailers included, has been decoded. */
  get done(): boolean {
    return this.#state === "done";
  }

  /** Decodes as much of `input` as possible. Throws {@linkcode HttpParseError} on bad framing. */
  push(input: Uint8Array): Decoded {
    const chunks: Uint8Array[] = [];
    let pos = 0;
    while (pos < input.length && this.#state !== "done") {
      const used = this.#step(input, pos, chunks);
      if (used === 0) break;
      pos += used;
    }
    return { chunks, consumed: pos, done: this.#state === "done" };
  }

  /** One step of the state machine from `pos`; returns bytes used (0 = need more). */
  #step(input: Uint8Array, pos: number, chunks: Uint8Array[]): number {
    switch (this.#state) {
      case "data": {
        const n = Math.min(this.#remaining, input.length - pos);
        chunks.push(input.subarray(pos, pos + n));
        this.#remaining -= n;
        if (this.#remaining === 0) this.#state = "data-crlf";
        return n;
      }
      case "data-crlf": {
        if (input[pos] !== CR || (pos + 1 < input.length && input[pos + 1] !== LF)) {
          throw new HttpParseError(
            "MISSING_CHUNK_CRLF",
            "Cannot parse chunked body: chunk data not followed by CRLF",
          );
        }
        if (pos + 1 === input.length) return 0;
        this.#state = "size";
        return 2;
      }
      case "size":
        return this.#sizeLine(input, pos);
      case "trailer":
        return this.#trailerLine(input, pos);
      default:
        return 0;
    }
  }

  #sizeLine(input: Uint8Array, pos: number): number {
    const end = lineEnd(input, pos, this.#limits.sizeLine, "CHUNK_EXTENSION_TOO_LARGE");
    if (end < 0) return 0;
    let i = pos;
    while (i < end && hexValue(input[i]!) >= 0) i++;
    if (i === pos) {
      throw new HttpParseError(
        "INVALID_CHUNK_SIZE",
        "Cannot parse chunk size: expected hex digits",
      );
    }
    let first = pos;
    while (first < i - 1 && input[first] === 48) first++; // leading zeros carry no value
    if (i - first > MAX_SIZE_DIGITS) {
      throw new HttpParseError("CHUNK_SIZE_TOO_LARGE", "Cannot parse chunk size: too large");
    }
    let size = 0;
    for (let k = first; k < i; k++) size = size * 16 + hexValue(input[k]!);
    checkExtensions(input, i, end);
    if (size === 0) {
      this.#state = "trailer";
    } else {
      this.#state = "data";
      this.#remaining = size;
    }
    return end + 2 - pos;
  }

  #trailerLine(input: Uint8Array, pos: number): number {
    const room = this.#limits.trailerBytes - this.#trailerBytes;
    const end = lineEnd(input, pos, Math.max(0, room), "TRAILERS_TOO_LARGE");
    if (end < 0) return 0;
    if (end === pos) {
      this.#state = "done";
      return 2;
    }
    if (++this.#trailerFields > this.#limits.trailerFields) {
      throw new HttpParseError("TOO_MANY_TRAILERS", "Cannot parse trailers: too many fields");
    }
    this.#trailerBytes += end + 2 - pos;
    const field = parseFieldLine(input, pos, end);
    if (FORBIDDEN_TRAILERS.has(field[0].toLowerCase())) {
      throw new HttpParseError("FORBIDDEN_TRAILER", `Cannot accept trailer field ${field[0]}`);
    }
    this.trailers.push(field);
    return end + 2 - pos;
  }
}

function hexValue(b: number): number {
  if (b >= 48 && b <= 57) return b - 48;
  if (b >= 97 && b <= 102) return b - 87;
  if (b >= 65 && b <= 70) return b - 55;
  return -1;
}

function lineEnd(
  buf: Uint8Array,
  start: number,
  max: number,
  tooLong: "CHUNK_EXTENSION_TOO_LARGE" | "TRAILERS_TOO_LARGE",
): number {
  return crlfLineEnd(buf, start, max, tooLong, "Cannot parse chunked body: line too long");
}

/** RFC 9112 §7.1.1: `*( BWS ";" BWS name [ BWS "=" BWS ( token / quoted-string ) ] )`. */
function checkExtensions(buf: Uint8Array, start: number, end: number): void {
  let i = start;
  const bad = () => new HttpParseError("INVALID_CHUNK_EXTENSION", "Cannot parse chunk extension");
  const skipWs = () => {
    while (i < end && (buf[i] === SP || buf[i] === HTAB)) i++;
  };
  for (;;) {
    if (i === end) return;
    skipWs();
    if (i === end || buf[i] !== 59 /* ; */) {
      throw i === start
        ? new HttpParseError("INVALID_CHUNK_SIZE", "Cannot parse chunk size")
        : bad();
    }
    i++;
    skipWs();
    const nameStart = i;
    while (i < end && isToken(buf, i, i + 1)) i++;
    if (i === nameStart) throw bad();
    skipWs();
    if (i < end && buf[i] === 61 /* = */) {
      i++;
      skipWs();
      i = extensionValue(buf, i, end);
      if (i < 0) throw bad();
    }
  }
}

function extensionValue(buf: Uint8Array, i: number, end: number): number {
  if (buf[i] !== 34 /* " */) {
    const s = i;
    while (i < end && isToken(buf, i, i + 1)) i++;
    return i === s ? -1 : i;
  }
  for (i++; i < end; i++) {
    const b = buf[i]!;
    if (b === 34) return i + 1;
    if (b === 92 /* \ */) i++;
    else if (b < SP && b !== HTAB || b === 127) return -1;
  }
  return -1;
}
