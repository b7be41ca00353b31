/** @module Parses a PROXY protocol preamble (HAProxy's v1 text and v2 binary forms), sans-io. */

import { HttpParseError } from "./errors.ts";
import { parseIPv4, parseIPv6 } from "../net/ip.ts";

/** What the preamble says about the original connection. */
export interface ProxyPreamble {
  /** The original client, or null for `UNKNOWN` / `LOCAL` (health checks from the proxy). */
  client: { address: string; port: number } | null;
  /** Bytes the preamble took. */
  consumed: number;
}

const V1_PREFIX = [0x50, 0x52, 0x4f, 0x58, 0x59, 0x20]; // "PROXY "
const V2_SIGNATURE = [0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a];
/** v1 lines are at most 107 bytes, CRLF included. */
const V1_MAX = 107;
/** Addresses plus a reasonable amount of TLVs; longer v2 headers are refused. */
const V2_MAX = 4096;

function bad(why: string): HttpParseError {
  return new HttpParseError(
    "INVALID_PROXY_PROTOCOL",
    `Cannot parse PROXY protocol preamble: ${why}`,
  );
}

function startsWith(buf: Uint8Array, sig: readonly number[]): "yes" | "no" | "maybe" {
  const n = Math.min(buf.length, sig.length);
  for (let i = 0; i < n; i++) if (buf[i] !== sig[i]) return "no";
  return n === sig.length ? "yes" : "maybe";
}

/**
 * Which preamble `buf` starts with: `v1`, `v2`, `none`, or `maybe` when too few bytes arrived.
 *
 * @example
 * ```ts
 * import { preambleKind } from "./proxy_protocol.ts";
 * console.assert(preambleKind(new TextEncoder().encode("PRO")) === "maybe");
 * console.assert(preambleKind(new TextEncoder().encode("GET / HTTP/1.1")) === "none");
 * ```
 */
export function preambleKind(buf: Uint8Array): "v1" | "v2" | "none" | "maybe" {
  const v1 = startsWith(buf, V1_PREFIX);
  if (v1 === "yes") return "v1";
  const v2 = startsWith(buf, V2_SIGNATURE);
  if (v2 === "yes") return "v2";
  return v1 === "maybe" || v2 === "maybe" ? "maybe" : "none";
}

/**
 * Parses the preamble at the start of `buf`: the result, or null when more bytes are needed.
 * Anything that is not a valid v1 or v2 preamble is an {@linkcode HttpParseError}.
 *
 * @example
 * ```ts
 * import { parseProxyPreamble } from "./proxy_protocol.ts";
 * const p = parseProxyPreamble(new TextEncoder().encode("PROXY TCP4 1.2.3.4 5.6.7.8 1000 80\r\nGET"));
 * console.assert(p?.client?.address === "1.2.3.4" && p.client.port === 1000 && p.consumed === 36);
 * ```
 */
export function parseProxyPreamble(buf: Uint8Array): ProxyPreamble | null {
  switch (preambleKind(buf)) {
    case "v1":
      return parseV1(buf);
    case "v2":
      return parseV2(buf);
    case "maybe":
      return null;
    default:
      throw bad("missing (the connection did not start with PROXY)");
  }
}

function parseV1(buf: Uint8Array): ProxyPreamble | null {
  const lf = buf.indexOf(0x0a);
  if (lf < 0) {
    if (buf.length >= V1_MAX) throw bad("v1 line too long");
    return null;
  }
  if (lf + 1 > V1_MAX || buf[lf - 1] !== 0x0d) {
    throw bad("v1 line must end in CRLF within 107 bytes");
  }
  const line = String.fromCharCode(...buf.subarray(0, lf - 1));
  const parts = line.split(" ");
  if (parts[1] === "UNKNOWN") return { client: null, consumed: lf + 1 };
  const [, proto, src, dst, sport, dport] = parts;
  if (parts.length !== 6 || (proto !== "TCP4" && proto !== "TCP6")) {
    throw bad("expected TCP4, TCP6 or UNKNOWN");
  }
  // Real addresses of the line's family, as gunicorn checks with inet_pton: 999.2.3.4 is not one.
  const parse = proto === "TCP4" ? parseIPv4 : parseIPv6;
  for (const a of [src!, dst!]) {
    if (parse(a) === null) throw bad(`invalid ${proto === "TCP4" ? "IPv4" : "IPv6"} address`);
  }
  for (const p of [sport!, dport!]) {
    if (!/^(0|[1-9]\d{0,4})$/.test(p) || Number(p) > 65535) throw bad("invalid port");
  }
  return { client: { address: src!, port: Number(sport) }, consumed: lf + 1 };
}

function parseV2(buf: Uint8Array): ProxyPreamble | null {
  if (buf.length < 16) return null;
  const verCmd = buf[12]!;
  if (verCmd >> 4 !== 2) throw bad("v2 version must be 2");
  const cmd = verCmd & 0x0f;
  if (cmd > 1) throw bad("v2 command must be LOCAL or PROXY");
  const family = buf[13]!;
  const length = (buf[14]! << 8) | buf[15]!;
  if (16 + length > V2_MAX) throw bad("v2 header too long");
  if (buf.length < 16 + length) return null;
  const consumed = 16 + length;
  if (cmd === 0) return { client: null, consumed }; // LOCAL: the proxy's own connection
  const body = buf.subarray(16, consumed);
  const dv = new DataView(body.buffer, body.byteOffset, body.byteLength);
  if (family === 0x11) { // TCP over IPv4
    if (length < 12) throw bad("v2 IPv4 address block too short");
    return {
      client: { address: [...body.subarray(0, 4)].join("."), port: dv.getUint16(8) },
      consumed,
    };
  }
  if (family === 0x21) { // TCP over IPv6
    if (length < 36) throw bad("v2 IPv6 address block too short");
    const words = Array.from({ length: 8 }, (_, i) => dv.getUint16(2 * i).toString(16));
    return { client: { address: words.join(":"), port: dv.getUint16(32) }, consumed };
  }
  if (family === 0x00) return { client: null, consumed }; // UNSPEC
  throw bad("v2 family must be TCP over IPv4 or IPv6");
}
