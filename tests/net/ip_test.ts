import { assertEquals } from "../_assert.ts";
import { parseIp, parseIPv4, parseIPv6 } from "../../lib/net/ip.ts";

Deno.test("lib/net imports nothing but lib/net and uses no Deno API (sans-io, like lib/http)", () => {
  const bad: string[] = [];
  const dir = new URL("../../lib/net/", import.meta.url);
  for (const entry of Deno.readDirSync(dir)) {
    const text = Deno.readTextFileSync(new URL(entry.name, dir));
    for (const m of text.matchAll(/(?:from|import)\s*\(?\s*["']([^"']+)["']/g)) {
      if (!m[1]!.startsWith("./")) bad.push(`${entry.name}: ${m[1]}`);
    }
    if (/\bDeno\./.test(text)) bad.push(`${entry.name}: uses Deno.*`);
  }
  assertEquals(bad, []);
});

Deno.test("lib/sys no longer depends on lib/http", () => {
  const bad: string[] = [];
  const dir = new URL("../../lib/sys/", import.meta.url);
  for (const entry of Deno.readDirSync(dir)) {
    const text = Deno.readTextFileSync(new URL(entry.name, dir));
    if (/from\s+["']\.\.\/http\//.test(text)) bad.push(entry.name);
  }
  assertEquals(bad, []);
});

Deno.test("parseIp() reads IPv4, IPv6 and IPv4-mapped IPv6 as the bytes sockets use", () => {
  assertEquals(parseIp("10.0.0.1"), new Uint8Array([10, 0, 0, 1]));
  assertEquals(parseIp("::ffff:127.0.0.1"), new Uint8Array([127, 0, 0, 1]));
  assertEquals(parseIp("::1")?.length, 16);
  assertEquals(parseIp("localhost"), null);
});

Deno.test("parseIPv4() and parseIPv6() refuse each other's literals", () => {
  assertEquals(parseIPv4("::1"), null);
  assertEquals(parseIPv6("127.0.0.1"), null);
  assertEquals(parseIPv6("1:2:3:4:5:6:7:8:9"), null);
  assertEquals(parseIPv6("12345::"), null);
  assertEquals(parseIPv6("::1.2.3.4")?.slice(12), new Uint8Array([1, 2, 3, 4]));
});
