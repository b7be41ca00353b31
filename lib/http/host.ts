/**
 * @module The authority a request names, checked as RFC 9112 §3.2 requires: a server answers 400
 * to a Host field (or absolute-form authority, §3.2.2) that is not a valid
 * `uri-host [ ":" port ]` (RFC 3986 §3.2.2–3.2.3). A valid one cannot move the path: the URL an
 * app builds from it keeps the path the client sent, and `new URL()` accepts it.
 */

import { parseIPv6 } from "../net/ip.ts";

const COLON = 58;
const DOT = 46;
const HYPHEN = 45;
const PERCENT = 37;
const OPEN_BRACKET = 91;

/**
 * 1 for the bytes of a reg-name (RFC 3986 §3.2.2): unreserved, `%` of pct-encoded, and the
 * sub-delims except `,` (see {@linkcode isValidHost}).
 */
const REG_NAME: Uint8Array = (() => {
  const t = new Uint8Array(128);
  for (const c of "-._~%!$&'()*+;=") t[c.charCodeAt(0)] = 1;
  for (let c = 48; c <= 57; c++) t[c] = 1;
  for (let c = 65; c <= 90; c++) t[c] = 1;
  for (let c = 97; c <= 122; c++) t[c] = 1;
  return t;
})();

/**
 * Whether `value` is a valid Host: `uri-host [ ":" port ]` of RFC 3986 — a reg-name, a dotted IPv4
 * address or a bracketed IPv6 address, then an optional port — so no `/ ? # @ \`, whitespace,
 * control or non-ASCII byte, nor an empty host. Stricter than RFC 3986 where a lenient reading
 * would let two parsers disagree on the authority, and where WHATWG `new URL()` would throw:
 *
 * - no `,`: RFC 3986 allows it in a reg-name, but no DNS name has one, and `a, b` is what a
 *   recipient that joins repeated fields (Deno's `Headers`) makes of two Host lines;
 * - a port is at most 65535, a host whose last label is a number (`1.2.3`, `010.0.0.1`, `a.1`,
 *   `0x7f`) must be a plain dotted IPv4 address (WHATWG reads the others as other addresses or
 *   refuses them), and no IPvFuture literal (`[v1.x]`);
 * - a pct-encoded name, an IDNA label (`xn--`) or an IPv6 literal is also checked with
 *   `URL.canParse` (the only hosts that need it: `%2F` decodes to a `/`, bad punycode throws).
 *
 * The common hosts (a name, an IPv4 address, with a port) take one table scan, no allocation.
 *
 * @example
 * ```ts
 * import { isValidHost } from "./host.ts";
 * console.assert(isValidHost("example.com:8080") && isValidHost("[::1]:80"));
 * console.assert(!isValidHost("x/admin?") && !isValidHost("a, b") && !isValidHost(""));
 * ```
 */
export function isValidHost(value: string): boolean {
  const n = value.length;
  if (n === 0) return false;
  let i = 0;
  let checkUrl = false;
  if (value.charCodeAt(0) === OPEN_BRACKET) {
    i = value.indexOf("]");
    if (i < 0 || !isIpv6(value.slice(1, i))) return false;
    i++;
    checkUrl = true;
  } else {
    let label = 0;
    for (; i < n; i++) {
      const c = value.charCodeAt(i);
      if (c === COLON) break;
      if (c > 127 || REG_NAME[c] === 0) return false;
      if (c === DOT) label = i + 1;
      else if (c === PERCENT) checkUrl = true;
      // `xn--` (any two characters then `--`): an IDNA A-label, which WHATWG decodes.
      else if (c === HYPHEN && i - label === 3 && value.charCodeAt(i - 1) === HYPHEN) {
        checkUrl = true;
      }
    }
    if (i === 0) return false;
    if (endsInNumber(value, label, i) && !isIpv4(value, i)) return false;
  }
  if (i < n && !isPort(value, i)) return false;
  return !checkUrl || URL.canParse(`http://${value}/`);
}

/** `:` then `*DIGIT` at `value[at..]`, at most 65535 (an empty port is RFC 3986's too). */
function isPort(value: string, at: number): boolean {
  if (value.charCodeAt(at) !== COLON) return false;
  let port = 0;
  for (let j = at + 1; j < value.length; j++) {
    const d = value.charCodeAt(j) - 48;
    if (d < 0 || d > 9) return false;
    port = port * 10 + d;
    if (port > 65535) return false;
  }
  return true;
}

/**
 * WHATWG's "ends in a number": the last label of `value[..end)` (the one before a final dot when
 * the name ends in one) is all digits, or `0x` and hex digits.
 */
function endsInNumber(value: string, label: number, end: number): boolean {
  let start = label;
  let stop = end;
  if (start === stop && stop > 1) {
    stop--;
    start = value.lastIndexOf(".", stop - 1) + 1;
  }
  const first = value.charCodeAt(start);
  if (start === stop || first < 48 || first > 57) return false;
  const hex = first === 48 && (value.charCodeAt(start + 1) | 0x20) === 120; // 0x, 0X
  for (let j = hex ? start + 2 : start + 1; j < stop; j++) {
    const c = value.charCodeAt(j);
    const digit = c >= 48 && c <= 57;
    if (!digit && !(hex && (c | 0x20) >= 97 && (c | 0x20) <= 102)) return false;
  }
  return true;
}

/** RFC 3986 IPv4address at `value[0..end)`: four dec-octets (0–255, no leading zero). */
function isIpv4(value: string, end: number): boolean {
  let parts = 0;
  let start = 0;
  for (let j = 0; j <= end; j++) {
    if (j < end && value.charCodeAt(j) !== DOT) continue;
    const len = j - start;
    if (len === 0 || len > 3 || (len > 1 && value.charCodeAt(start) === 48)) return false;
    let octet = 0;
    for (let k = start; k < j; k++) {
      const d = value.charCodeAt(k) - 48;
      if (d < 0 || d > 9) return false;
      octet = octet * 10 + d;
    }
    if (octet > 255 || ++parts > 4) return false;
    start = j + 1;
  }
  return parts === 4;
}

/** The inside of an IP-literal: an IPv6address (RFC 3986 §3.2.2); IPvFuture is refused. */
function isIpv6(text: string): boolean {
  return /^[0-9A-Fa-f:.]+$/.test(text) && parseIPv6(text) !== null;
}

/**
 * What is wrong with the authority of a request whose URL an engine built by joining strings —
 * Deno's: scheme + (the absolute-form target's authority, else the Host field, else the listener's
 * address) + the path as sent — given the Host field the request carried (null: none), or null when
 * nothing is: the URL's path is then exactly the client's. An invalid Host is refused even when an
 * absolute-form authority overrides it (RFC 9112 §3.2: "a Host header field with an invalid field
 * value"); that authority is checked the same way.
 *
 * @example
 * ```ts
 * import { authorityProblem } from "./host.ts";
 * console.assert(authorityProblem("http://x/admin?/public", "x/admin?") !== null);
 * console.assert(authorityProblem("http://a:8080/p?q", "a:8080") === null);
 * console.assert(authorityProblem("http://good/p", "other") === null); // absolute-form
 * ```
 */
export function authorityProblem(url: string, host: string | null): string | null {
  const at = url.indexOf("://") + 3;
  if (host !== null) {
    if (!isValidHost(host)) return "Cannot parse Host: invalid authority";
    // Origin-form, the common case: the URL is scheme + Host + path.
    if (url.startsWith(host, at) && url.charCodeAt(at + host.length) === 47) return null;
  }
  if (at < 3) return null; // no authority in it at all (`*`): nothing to move the path
  const slash = url.indexOf("/", at);
  const authority = url.slice(at, slash < 0 ? url.length : slash);
  return isValidHost(authority) ? null : "Cannot parse request target: invalid authority";
}
