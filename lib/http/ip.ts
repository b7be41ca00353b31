/** @module IP address text → bytes, and matching against allow lists with CIDR networks. */

/** Parses dotted IPv4 or IPv6 text (an IPv4-mapped IPv6 address becomes IPv4); null if neither. */
export function parseIp(text: string): Uint8Array | null {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(text);
  if (mapped !== null) return parseIPv4(mapped[1]!);
  return text.includes(":") ? parseIPv6(text) : parseIPv4(text);
}

/** Parses an IPv4 literal into 4 bytes, or null when `s` is not one. */
export function parseIPv4(s: string): Uint8Array | null {
  const parts = s.split(".");
  if (parts.length !== 4) return null;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i]!;
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return null;
    out[i] = Number(p);
  }
  return out;
}

/** Parses an IPv6 literal (no brackets, no zone) into 16 bytes, or null when `s` is not one. */
export function parseIPv6(s: string): Uint8Array | null {
  if (!s.includes(":")) return null;
  let text = s;
  const tail: number[] = [];
  const lastColon = s.lastIndexOf(":");
  if (s.slice(lastColon + 1).includes(".")) {
    const v4 = parseIPv4(s.slice(lastColon + 1));
    if (v4 === null) return null;
    tail.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
    text = s.slice(0, lastColon + 1);
    text = text.endsWith("::") ? text : text.slice(0, -1);
  }
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const groups = (h: string) => (h === "" ? [] : h.split(":").map(hexWord));
  const head = groups(halves[0] ?? "");
  const rest = halves.length === 2 ? groups(halves[1] ?? "") : [];
  const fill = 8 - tail.length - head.length - rest.length;
  if (halves.length === 2 ? fill < 1 : fill !== 0) return null;
  const words = [
    ...head,
    ...new Array<number>(halves.length === 2 ? fill : 0).fill(0),
    ...rest,
    ...tail,
  ];
  if (words.some((w) => Number.isNaN(w))) return null;
  const out = new Uint8Array(16);
  words.forEach((w, i) => {
    out[i * 2] = w >> 8;
    out[i * 2 + 1] = w & 0xff;
  });
  return out;
}

function hexWord(g: string): number {
  return /^[0-9a-fA-F]{1,4}$/.test(g) ? parseInt(g, 16) : NaN;
}

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
