/**
 * @module Reading a Response's body from Deno's own fields, for lib/workers/deno/internals.ts (the one place
 * denocorn touches Deno internals): what kind of body it is and its length, without reading it.
 */

import type { DenoEngine } from "./internals.ts";

/** The own symbol property of `obj` with this description, or null. */
export function ownSymbol(obj: object, description: string): symbol | null {
  return Object.getOwnPropertySymbols(obj).find((s) => s.description === description) ?? null;
}

/** The UTF-8 length of `s` without encoding it. */
function utf8Length(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 2; // a surrogate pair: 4 bytes for 2 code units
      i++;
    } else if (c >= 0x800) n += 2; // lone surrogates become U+FFFD: 3 bytes too
    else if (c >= 0x80) n += 1;
  }
  return n;
}

function lengthOf(v: unknown): number | null {
  if (typeof v === "string") return utf8Length(v);
  if (v instanceof Uint8Array) return v.byteLength;
  return null;
}

/** The body-reading half of {@link DenoEngine}. */
export type Bodies = Pick<DenoEngine, "bodyKind" | "bodyLength">;

/** "small" or "large" for an in-memory body; a short string is not measured (3 bytes a unit at most). */
function sizeOf(v: string | Uint8Array, large: number): "small" | "large" {
  if (typeof v === "string" && v.length * 3 <= large) return "small";
  return (lengthOf(v) ?? 0) > large ? "large" : "small";
}
type InnerBody = { source?: unknown; length?: unknown } | null | undefined;

/**
 * Reads a Response's body from Deno's own fields: the static body of the serve fast path
 * ("serve fast body") or the inner response's body (its source, and length when known).
 */
export function responseBodies(): Bodies {
  const sample = new Response("");
  const fast = ownSymbol(sample, "serve fast body");
  const inner = ownSymbol(sample, "response");
  if (fast === null || inner === null) {
    return { bodyKind: () => "unknown", bodyLength: () => null };
  }
  const parts = (r: Response): [unknown, InnerBody] => {
    const own = r as unknown as Record<symbol, unknown>;
    return [own[fast], (own[inner] as { body?: InnerBody } | undefined)?.body];
  };
  return {
    bodyKind(r, large) {
      const [quick, body] = parts(r);
      if (typeof quick === "string" || quick instanceof Uint8Array) return sizeOf(quick, large);
      if (body === null) return "empty";
      if (body === undefined) return "unknown";
      if (typeof body.length === "number") return body.length > large ? "large" : "small";
      const src = body.source;
      return typeof src === "string" || src instanceof Uint8Array ? sizeOf(src, large) : "stream";
    },
    bodyLength(r) {
      const [quick, body] = parts(r);
      const n = lengthOf(quick);
      if (n !== null) return n;
      if (body === null) return 0;
      return typeof body?.length === "number" ? body.length : lengthOf(body?.source);
    },
  };
}
