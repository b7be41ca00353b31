/**
 * @module IP address literals → bytes: pure parsers shared by the HTTP engine (forwarded headers,
 * allow lists) and the socket layer (sockaddr encoding), so neither depends on the other.
 */

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
