/** @module sockaddr_in / sockaddr_in6 / sockaddr_un encoding and decoding (Linux layout). */

import { parseIPv4, parseIPv6 } from "../net/ip.ts";
import { AF } from "./constants.ts";

/** IP literal parsers (pure, in lib/net/ip.ts, which the HTTP engine uses too). */
export { parseIPv4, parseIPv6 };

/** A socket address in the shape Deno uses for `Deno.Addr`. */
export type SockAddr =
  | { transport: "tcp"; hostname: string; port: number }
  | { transport: "unix"; path: string };

/** Size of the buffer that holds any sockaddr we decode (sockaddr_storage). */
export const SOCKADDR_STORAGE = 128;

const SUN_PATH_MAX = 108;

/** Encodes an IP literal and port as sockaddr_in or sockaddr_in6. */
export function encodeInet(host: string, port: number): Uint8Array {
  const v4 = parseIPv4(host);
  if (v4 !== null) {
    const buf = new Uint8Array(16);
    const dv = new DataView(buf.buffer);
    dv.setUint16(0, AF.INET, true);
    dv.setUint16(2, port, false);
    buf.set(v4, 4);
    return buf;
  }
  const v6 = parseIPv6(host);
  if (v6 === null) throw new TypeError(`Cannot use "${host}" as an IP address`);
  const buf = new Uint8Array(28);
  const dv = new DataView(buf.buffer);
  dv.setUint16(0, AF.INET6, true);
  dv.setUint16(2, port, false);
  buf.set(v6, 8);
  return buf;
}

/** Encodes a filesystem path as sockaddr_un. */
export function encodeUnix(path: string): Uint8Array {
  const bytes = new TextEncoder().encode(path);
  if (bytes.length >= SUN_PATH_MAX) {
    throw new RangeError(`Cannot bind unix socket "${path}": path longer than 107 bytes`);
  }
  const buf = new Uint8Array(2 + bytes.length + 1);
  new DataView(buf.buffer).setUint16(0, AF.UNIX, true);
  buf.set(bytes, 2);
  return buf;
}

/** Decodes the first `len` bytes of a sockaddr buffer. */
export function decodeSockAddr(buf: Uint8Array, len: number): SockAddr {
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const family = len >= 2 ? dv.getUint16(0, true) : AF.UNIX;
  if (family === AF.INET) {
    return {
      transport: "tcp",
      hostname: `${buf[4]}.${buf[5]}.${buf[6]}.${buf[7]}`,
      port: dv.getUint16(2, false),
    };
  }
  if (family === AF.INET6) {
    return {
      transport: "tcp",
      hostname: formatIPv6(buf.subarray(8, 24)),
      port: dv.getUint16(2, false),
    };
  }
  const end = buf.indexOf(0, 2);
  const stop = end === -1 || end > len ? len : end;
  return { transport: "unix", path: new TextDecoder().decode(buf.subarray(2, stop)) };
}

/** Formats 16 bytes as a compressed IPv6 literal (RFC 5952), with IPv4-mapped addresses as a.b.c.d. */
export function formatIPv6(b: Uint8Array): string {
  const words: number[] = [];
  for (let i = 0; i < 16; i += 2) words.push((b[i]! << 8) | b[i + 1]!);
  if (words.slice(0, 5).every((w) => w === 0) && words[5] === 0xffff) {
    return `::ffff:${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
  }
  let bestStart = -1, bestLen = 0;
  for (let i = 0; i < 8;) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen && j - i > 1) [bestStart, bestLen] = [i, j - i];
    i = j;
  }
  const hex = words.map((w) => w.toString(16));
  if (bestStart === -1) return hex.join(":");
  return hex.slice(0, bestStart).join(":") + "::" + hex.slice(bestStart + bestLen).join(":");
}
