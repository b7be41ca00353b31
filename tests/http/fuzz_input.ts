/** @module Seeded random and mutated HTTP inputs for the parser's property test and fuzz run. */

import { loadFixtures } from "./fixtures.ts";

/** mulberry32: a small, fast, seeded PRNG returning floats in [0, 1). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const enc = new TextEncoder();
const INTERESTING = [0, 9, 10, 13, 32, 44, 58, 59, 34, 92, 127, 128, 255, 0x0b, 0x0c];
const PIECES = [
  "\r\n",
  "\n",
  "\r",
  "Transfer-Encoding: chunked\r\n",
  "Content-Length: 5\r\n",
  "Content-Length: 0\r\n",
  "Host: a\r\n",
  "Expect: 100-continue\r\n",
  "Connection: close\r\n",
  " ",
  "\t",
  ":",
  "0\r\n\r\n",
  "ffffffffffffffff\r\n",
  "HTTP/1.1",
  "PROXY ",
];

/** The valid and invalid fixture requests, as seeds for mutation. */
export function seeds(): Uint8Array[] {
  cached ??= loadFixtures().map((f) => f.bytes);
  return cached;
}

let cached: Uint8Array[] | null = null;

function pick<T>(rand: () => number, list: readonly T[]): T {
  return list[Math.floor(rand() * list.length)]!;
}

/** One mutation of `input`: flip, insert, delete, duplicate a line, splice a piece, or case-swap. */
export function mutate(rand: () => number, input: Uint8Array): Uint8Array {
  const bytes = [...input];
  const at = Math.floor(rand() * (bytes.length + 1));
  switch (Math.floor(rand() * 7)) {
    case 0:
      if (bytes.length > 0) bytes[Math.min(at, bytes.length - 1)] = Math.floor(rand() * 256);
      break;
    case 1:
      bytes.splice(at, 0, pick(rand, INTERESTING));
      break;
    case 2:
      bytes.splice(at, 1 + Math.floor(rand() * 4));
      break;
    case 3: {
      const text = String.fromCharCode(...bytes);
      const lines = text.split("\r\n");
      const i = Math.floor(rand() * lines.length);
      lines.splice(i, 0, lines[i] ?? "");
      return Uint8Array.from(lines.join("\r\n"), (c) => c.charCodeAt(0));
    }
    case 4:
      bytes.splice(at, 0, ...enc.encode(pick(rand, PIECES)));
      break;
    case 5:
      for (let i = 0; i < bytes.length; i++) {
        const b = bytes[i]!;
        if (rand() < 0.2 && ((b >= 65 && b <= 90) || (b >= 97 && b <= 122))) bytes[i] = b ^ 0x20;
      }
      break;
    default:
      return randomBytes(rand, 1 + Math.floor(rand() * 64));
  }
  return new Uint8Array(bytes);
}

/** Random bytes biased toward HTTP's alphabet. */
export function randomBytes(rand: () => number, n: number): Uint8Array {
  const alphabet = enc.encode(
    'GET POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0123456789abcdef;=" \t,:',
  );
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    out[i] = rand() < 0.9 ? pick(rand, [...alphabet]) : Math.floor(rand() * 256);
  }
  return out;
}
