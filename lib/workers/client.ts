/**
 * @module Who the client is and which URL it asked for: the PROXY protocol preamble and trusted
 * proxy headers, applied the same way by every worker class.
 */

import type { Settings } from "../config/mod.ts";
import {
  AllowList,
  forwardedClient,
  HttpParseError,
  parseProxyPreamble,
  preambleKind,
  type ProxyPreamble,
  type RequestHead,
} from "../http/mod.ts";

/** Which peers are trusted for proxy headers and PROXY preambles. */
export interface ClientPolicy {
  forwarded: AllowList;
  /** Null when `--proxy-protocol` is off. */
  proxy: AllowList | null;
}

/** Builds the policy from `--forwarded-allow-ips`, `--proxy-protocol` and `--proxy-allow-from`. */
export function clientPolicy(settings: Settings): ClientPolicy {
  return {
    forwarded: new AllowList(settings.forwarded_allow_ips),
    proxy: settings.proxy_protocol ? new AllowList(settings.proxy_allow_ips) : null,
  };
}

/**
 * Reads the PROXY preamble a connection from `peerIp` must (trusted) or must not (untrusted)
 * start with: the preamble, `"plain"` when there is none to read, or null for "need more".
 */
export function readPreamble(
  buf: Uint8Array,
  policy: ClientPolicy,
  peerIp: string,
): ProxyPreamble | "plain" | null {
  if (policy.proxy === null) return "plain";
  const kind = preambleKind(buf);
  if (kind === "maybe") return null;
  const trusted = policy.proxy.has(peerIp);
  if (kind === "none") {
    if (!trusted) return "plain";
    throw new HttpParseError(
      "INVALID_PROXY_PROTOCOL",
      "Cannot serve connection: PROXY preamble missing",
    );
  }
  if (!trusted) {
    throw new HttpParseError(
      "UNTRUSTED_PROXY_PROTOCOL",
      `Cannot accept PROXY preamble from ${peerIp}: not in --proxy-allow-from`,
    );
  }
  return parseProxyPreamble(buf);
}

/** The request URL and `info.remoteAddr` for one request. */
export interface Origin {
  url: string;
  remoteAddr: Deno.Addr;
}

/**
 * Resolves URL and remote address: the PROXY preamble's client replaces the peer; from trusted
 * peers, `Forwarded` / `X-Forwarded-*` set the scheme and client address; the URL authority is the
 * request's (absolute-form target, else Host), else the listener's `fallbackHost`.
 */
export function requestOrigin(
  head: RequestHead,
  peer: Deno.Addr,
  proxied: ProxyPreamble["client"],
  policy: ClientPolicy,
  fallbackHost: string,
  connScheme: "http" | "https" = "http",
): Origin {
  let remoteAddr: Deno.Addr = proxied === null
    ? peer
    : { transport: "tcp", hostname: proxied.address, port: proxied.port };
  const ip = remoteAddr.transport === "tcp" ? remoteAddr.hostname : "";
  let scheme = head.scheme;
  if (policy.forwarded.has(ip)) {
    const fc = forwardedClient(head.headers, policy.forwarded);
    scheme ??= fc.scheme;
    if (fc.address !== null) remoteAddr = { transport: "tcp", hostname: fc.address, port: 0 };
  }
  const path = head.path === "*" ? "/" : head.path;
  return { url: `${scheme ?? connScheme}://${head.host ?? fallbackHost}${path}`, remoteAddr };
}
