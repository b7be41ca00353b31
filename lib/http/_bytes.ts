/** @module Byte classes and decoders shared by the head parser and the chunked decoder. */

import { type HttpErrorCode, HttpParseError } from "./errors.ts";

/** Carriage return. */
export const CR = 13;
/** Line feed. */
export const LF = 10;
/** Space. */
export const SP = 32;
/** Horizontal tab. */
export const HTAB = 9;

/** 1 for every tchar of RFC 9110 §5.6.2: `!#$%&'*+-.^_\`|~`, DIGIT, ALPHA. */
export const TCHAR: Uint8Array = (() => {
  const t = new Uint8Array(256);
  for (const c of "!#$%&'*+-.^_`|~") t[c.charCodeAt(0)] = 1;
  for (let c = 48; c <= 57; c++) t[c] = 1;
  for (let c = 65; c <= 90; c++) t[c] = 1;
  for (let c = 97; c <= 122; c++) t[c] = 1;
  return t;
})();

/** True when `buf[start..end)` is a non-empty token (RFC 9110 §5.6.2). */
export function isToken(buf: Uint8Array, start: number, end: number): boolean {
  if (start >= end) return false;
  for (let i = start; i < end; i++) if (TCHAR[buf[i]!] !== 1) return false;
  return true;
}

/** Decodes `buf[start..end)` as ISO-8859-1 (one char per byte, obs-text kept as U+0080–U+00FF). */
export function latin1(buf: Uint8Array, start: number, end: number): string {
  if (end - start <= 8192) {
    return String.fromCharCode.apply(null, buf.subarray(start, end) as unknown as number[]);
  }
  let out = "";
  for (let i = start; i < end; i += 8192) out += latin1(buf, i, Math.min(end, i + 8192));
  return out;
}

/** Encodes a string of code points below 256 as one byte each (the inverse of {@linkcode latin1}). */
export function encodeLatin1(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
}

/**
 * Parses one field line `buf[start..end)` (its CRLF already removed) into `[name, value]`.
 * Shared by header and trailer sections: RFC 9112 §5 and §7.1.2.
 */
export function parseFieldLine(buf: Uint8Array, start: number, end: number): [string, string] {
  const first = buf[start];
  // RFC 9112 §5.2: obs-fold is rejected with 400 by a server not inside a message/http.
  if (first === SP || first === HTAB) {
    throw new HttpParseError("OBS_FOLD", "Cannot parse field line: obsolete line folding");
  }
  let colon = start;
  while (colon < end && TCHAR[buf[colon]!] === 1) colon++;
  const stop = buf[colon];
  if (colon === end || stop !== 58) {
    if (stop === CR) throw new HttpParseError("BARE_CR", "Cannot parse field line: bare CR");
    // RFC 9112 §5.1: no whitespace is allowed between the field name and the colon.
    const why = colon === end
      ? "missing colon"
      : stop === SP || stop === HTAB
      ? "whitespace before the colon"
      : "invalid character in the field name";
    throw new HttpParseError("INVALID_HEADER_NAME", `Cannot parse field line: ${why}`);
  }
  if (colon === start) {
    throw new HttpParseError("INVALID_HEADER_NAME", "Cannot parse field line: empty field name");
  }
  // RFC 9112 §5.1: OWS around the value is not part of it.
  let vs = colon + 1;
  let ve = end;
  while (vs < ve && (buf[vs] === SP || buf[vs] === HTAB)) vs++;
  while (ve > vs && (buf[ve - 1] === SP || buf[ve - 1] === HTAB)) ve--;
  // RFC 9110 §5.5: field-vchar / SP / HTAB / obs-text; NUL, CR, LF and other CTLs are rejected.
  for (let i = vs; i < ve; i++) {
    const b = buf[i]!;
    if (b >= SP ? b === 127 : b !== HTAB) {
      if (b === CR) throw new HttpParseError("BARE_CR", "Cannot parse field value: bare CR");
      throw new HttpParseError(
        "INVALID_HEADER_VALUE",
        `Cannot parse field value: control character 0x${b.toString(16)}`,
      );
    }
  }
  return [latin1(buf, start, colon), latin1(buf, vs, ve)];
}

/** Splits a comma-separated list value into trimmed elements, dropping empty ones (RFC 9110 §5.6.1). */
export function splitList(value: string): string[] {
  const out: string[] = [];
  for (const part of value.split(",")) {
    const item = part.replace(/^[ \t]+|[ \t]+$/g, "");
    if (item !== "") out.push(item);
  }
  return out;
}

/**
 * Index of the CR of the CRLF ending the line at `start`, or -1 when the line is not complete
 * yet. RFC 9112 §2.2: a bare LF, or a CR not followed by LF, is rejected rather than guessed at.
 * A line (complete or not) longer than `max` bytes throws `tooLong` with `detail`.
 */
export function crlfLineEnd(
  buf: Uint8Array,
  start: number,
  max: number,
  tooLong: HttpErrorCode,
  detail: string,
): number {
  const lf = buf.indexOf(LF, start);
  const end = lf < 0 ? buf.length : lf;
  const cr = buf.indexOf(CR, start);
  if (cr >= 0 && cr < end - 1) throw new HttpParseError("BARE_CR", "Cannot parse line: bare CR");
  if (lf < 0) {
    // A CR at the very end may still be followed by LF; anything longer than allowed fails now.
    if (end - start - (cr === end - 1 ? 1 : 0) > max) throw new HttpParseError(tooLong, detail);
    return -1;
  }
  if (lf === start || cr !== lf - 1) {
    throw new HttpParseError("BARE_LF", "Cannot parse line: it ends in LF without CR");
  }
  if (lf - 1 - start > max) throw new HttpParseError(tooLong, detail);
  return lf - 1;
}
