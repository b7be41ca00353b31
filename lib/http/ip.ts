/** @module Matching peers against allow lists of addresses and CIDR networks. */

import { parseIp } from "../net/ip.ts";

/** IP text → bytes (lib/net/ip.ts, shared with lib/sys), re-exported for lib/http's users. */
export { parseIp };

/** One allow-list entry: an address or a network (`10.0.0.0/8`, `fd00::/8`), or `*`. */
interface Network {
  bytes: Uint8Array;
  prefix: number;
}

/**
 * A list of trusted peers from `--forwarded-allow-ips` / `--proxy-allow-from` text items.
 *
 * @example
 * ```ts
 * import { AllowList } from "./ip.ts";
 * const allow = new AllowList(["127.0.0.1", "10.0.0.0/8", "::1"]);
 * console.assert(allow.has("10.1.2.3") && allow.has("::1") && !allow.has("192.168.0.1"));
 * ```
 */
export class AllowList {
  #any = false;
  #nets: Network[] = [];
  #seen = new Map<string, boolean>();

  /** Parses the items; throws RangeError naming an item that is not an address or network. */
  constructor(items: readonly string[]) {
    for (const raw of items) {
      const item = raw.trim();
      if (item === "*") {
        this.#any = true;
        continue;
      }
      const [addr = "", bits] = item.split("/");
      const bytes = parseIp(addr);
      const prefix = bits === undefined ? (bytes?.length ?? 0) * 8 : Number(bits);
      if (bytes === null || !Number.isInteger(prefix) || prefix < 0 || prefix > bytes.length * 8) {
        throw new RangeError(
          `Cannot parse allowed address "${item}": expected an IP, a CIDR network or *`,
        );
      }
      this.#nets.push({ bytes, prefix });
    }
  }

  /** True when every peer is trusted (`*`). */
  get any(): boolean {
    return this.#any;
  }

  /** True when `ip` (text) is on the list. Unix-socket peers (empty text) are always trusted. */
  has(ip: string): boolean {
    if (this.#any || ip === "") return true;
    let hit = this.#seen.get(ip);
    if (hit === undefined) {
      const bytes = parseIp(ip);
      hit = bytes !== null &&
        this.#nets.some((n) =>
          n.bytes.length === bytes.length && prefixEqual(n.bytes, bytes, n.prefix)
        );
      // Peers repeat (a proxy, a load balancer): remember a bounded number of answers.
      if (this.#seen.size >= 1024) this.#seen.clear();
      this.#seen.set(ip, hit);
    }
    return hit;
  }
}

function prefixEqual(a: Uint8Array, b: Uint8Array, bits: number): boolean {
  let i = 0;
  for (; bits >= 8; bits -= 8, i++) if (a[i] !== b[i]) return false;
  if (bits === 0) return true;
  const mask = (0xff << (8 - bits)) & 0xff;
  return (a[i]! & mask) === (b[i]! & mask);
}
