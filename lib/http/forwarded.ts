/**
 * @module Reads the client's scheme and address from proxy headers (`Forwarded`, RFC 7239, and
 * `X-Forwarded-Proto` / `-For` / `-Ssl` / `-Protocol`), for peers on `--forwarded-allow-ips` only.
 */

import { parseIp } from "../net/ip.ts";
import type { AllowList } from "./ip.ts";
import { splitList } from "./_bytes.ts";

/** What trusted proxy headers say about the client. */
export interface ForwardedClient {
  /** The scheme the client used, when a header says so. */
  scheme: "http" | "https" | null;
  /** The client's IP address, when a header says so. */
  address: string | null;
}

/**
 * Reads proxy headers sent by a trusted peer. `Forwarded` wins over the `X-Forwarded-*` family.
 * The client address is the rightmost hop that is not itself a trusted proxy (so a client cannot
 * spoof it by sending its own header), or the leftmost when every hop is trusted.
 *
 * @example
 * ```ts
 * import { forwardedClient } from "./forwarded.ts";
 * import { AllowList } from "./ip.ts";
 * const c = forwardedClient(
 *   [["X-Forwarded-For", "203.0.113.9, 10.0.0.2"], ["X-Forwarded-Proto", "https"]],
 *   new AllowList(["10.0.0.0/8"]),
 * );
 * console.assert(c.scheme === "https" && c.address === "203.0.113.9");
 * ```
 */
export function forwardedClient(
  headers: readonly [string, string][],
  trusted: AllowList,
): ForwardedClient {
  const forwarded: string[] = [];
  const xff: string[] = [];
  let scheme: "http" | "https" | null = null;
  for (const [rawName, value] of headers) {
    const name = rawName.toLowerCase();
    if (name === "forwarded") forwarded.push(...splitElements(value));
    else if (name === "x-forwarded-for") xff.push(...splitList(value));
    else if (name === "x-forwarded-proto") scheme = schemeOf(lastOf(value)) ?? scheme;
    else if (name === "x-forwarded-protocol") {
      scheme = lastOf(value).toLowerCase() === "ssl" ? "https" : scheme;
    } else if (name === "x-forwarded-ssl") {
      scheme = lastOf(value).toLowerCase() === "on" ? "https" : scheme;
    }
  }
  if (forwarded.length > 0) {
    const pairs = forwarded.map(parseElement);
    const fors = pairs.map((p) => p.get("for")).filter((v): v is string => v !== undefined);
    return {
      scheme: schemeOf(pairs[pairs.length - 1]?.get("proto") ?? "") ?? scheme,
      address: pickClient(fors.map(stripPort), trusted),
    };
  }
  return { scheme, address: pickClient(xff.map(stripPort), trusted) };
}

function lastOf(value: string): string {
  const items = splitList(value);
  return items[items.length - 1] ?? "";
}

/**
 * The request scheme a forwarded proto names: `https`/`http`, and a WebSocket's `wss`/`ws` as the
 * `https`/`http` of its upgrade request (some proxies forward those as uvicorn reads them).
 */
function schemeOf(text: string): "http" | "https" | null {
  const s = text.toLowerCase();
  if (s === "https" || s === "wss") return "https";
  return s === "http" || s === "ws" ? "http" : null;
}

function pickClient(hops: (string | null)[], trusted: AllowList): string | null {
  const valid = hops.filter((h): h is string => h !== null && parseIp(h) !== null);
  if (valid.length === 0) return null;
  for (let i = valid.length - 1; i >= 0; i--) if (!trusted.has(valid[i]!)) return valid[i]!;
  return valid[0]!;
}

/** `1.2.3.4:80` → `1.2.3.4`, `[::1]:80` → `::1`, `"[::1]"` → `::1`; null for `unknown`/obfuscated. */
function stripPort(text: string): string | null {
  const t = text.replace(/^"|"$/g, "");
  const v6 = /^\[([0-9A-Fa-f:.]+)\](?::\d+)?$/.exec(t);
  if (v6 !== null) return v6[1]!;
  const v4 = /^(\d+\.\d+\.\d+\.\d+)(?::\d+)?$/.exec(t);
  if (v4 !== null) return v4[1]!;
  return t.includes(":") && parseIp(t) !== null ? t : null;
}

/** Splits a Forwarded value into elements at commas outside quoted strings. */
function splitElements(value: string): string[] {
  const out: string[] = [];
  let cur = "";
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (c === '"' && value[i - 1] !== "\\") quoted = !quoted;
    if (c === "," && !quoted) {
      out.push(cur);
      cur = "";
    } else {
      cur += c;
    }
  }
  out.push(cur);
  return out.map((e) => e.trim()).filter((e) => e !== "");
}

function parseElement(element: string): Map<string, string> {
  const pairs = new Map<string, string>();
  for (const pair of element.split(";")) {
    const eq = pair.indexOf("=");
    if (eq < 0) continue;
    const key = pair.slice(0, eq).trim().toLowerCase();
    const value = pair.slice(eq + 1).trim().replace(/^"(.*)"$/, "$1");
    pairs.set(key, value);
  }
  return pairs;
}
