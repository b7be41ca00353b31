import { assertEquals, assertThrows } from "../_assert.ts";
import {
  AllowList,
  forwardedClient,
  HttpParseError,
  parseIp,
  parseProxyPreamble,
} from "../../lib/http/mod.ts";

const enc = new TextEncoder();

Deno.test("parseIp() reads IPv4, IPv6 and IPv4-mapped IPv6", () => {
  assertEquals([...parseIp("10.0.0.1")!], [10, 0, 0, 1]);
  assertEquals(parseIp("::1")!.length, 16);
  assertEquals(parseIp("::1")![15], 1);
  assertEquals([...parseIp("::ffff:127.0.0.1")!], [127, 0, 0, 1]);
  assertEquals(parseIp("256.0.0.1"), null);
  assertEquals(parseIp("1::2::3"), null);
  assertEquals(parseIp("example.com"), null);
});

Deno.test("AllowList matches addresses, CIDR networks and *", () => {
  const a = new AllowList(["127.0.0.1", "10.0.0.0/8", "fd00::/8"]);
  assertEquals([
    a.has("127.0.0.1"),
    a.has("10.200.1.1"),
    a.has("fd12::1"),
    a.has("11.0.0.1"),
    a.has("fe80::1"),
  ], [
    true,
    true,
    true,
    false,
    false,
  ]);
  assertEquals(new AllowList(["*"]).has("8.8.8.8"), true);
  assertEquals(new AllowList(["192.168.1.0/25"]).has("192.168.1.200"), false);
  assertThrows(() => new AllowList(["10.0.0.0/33"]), RangeError);
  assertThrows(() => new AllowList(["proxy.local"]), RangeError);
});

Deno.test("forwardedClient() takes the rightmost untrusted hop of X-Forwarded-For", () => {
  const trusted = new AllowList(["10.0.0.0/8"]);
  const c = forwardedClient([["X-Forwarded-For", "1.1.1.1, 203.0.113.9, 10.0.0.2"]], trusted);
  assertEquals(c, { scheme: null, address: "203.0.113.9" });
  assertEquals(forwardedClient([["X-Forwarded-For", "10.0.0.3"]], trusted).address, "10.0.0.3");
  assertEquals(forwardedClient([["X-Forwarded-For", "garbage"]], trusted).address, null);
});

Deno.test("forwardedClient() reads the scheme from X-Forwarded-Proto, -Ssl and -Protocol", () => {
  const t = new AllowList(["*"]);
  assertEquals(forwardedClient([["X-Forwarded-Proto", "https"]], t).scheme, "https");
  assertEquals(forwardedClient([["X-Forwarded-Proto", "http, https"]], t).scheme, "https");
  assertEquals(forwardedClient([["X-Forwarded-Ssl", "on"]], t).scheme, "https");
  assertEquals(forwardedClient([["X-Forwarded-Protocol", "ssl"]], t).scheme, "https");
  assertEquals(forwardedClient([["X-Forwarded-Proto", "gopher"]], t).scheme, null);
});

Deno.test("forwardedClient() takes a WebSocket's wss/ws as https/http", () => {
  const t = new AllowList(["*"]);
  assertEquals(forwardedClient([["X-Forwarded-Proto", "wss"]], t).scheme, "https");
  assertEquals(forwardedClient([["X-Forwarded-Proto", "WS"]], t).scheme, "http");
  assertEquals(forwardedClient([["Forwarded", "for=192.0.2.60;proto=wss"]], t).scheme, "https");
});

Deno.test("forwardedClient() prefers RFC 7239 Forwarded", () => {
  const c = forwardedClient([
    ["X-Forwarded-For", "9.9.9.9"],
    ["Forwarded", 'for=192.0.2.60;proto=http, for="[2001:db8::1]:4711";proto=https'],
  ], new AllowList(["127.0.0.1"]));
  assertEquals(c, { scheme: "https", address: "2001:db8::1" });
});

Deno.test("parseProxyPreamble() reads v1 TCP4, TCP6 and UNKNOWN", () => {
  const p = parseProxyPreamble(enc.encode("PROXY TCP6 2001:db8::1 ::1 4000 443\r\nGET"));
  assertEquals(p, { client: { address: "2001:db8::1", port: 4000 }, consumed: 37 });
  assertEquals(parseProxyPreamble(enc.encode("PROXY UNKNOWN\r\n")), { client: null, consumed: 15 });
  assertEquals(parseProxyPreamble(enc.encode("PROXY TCP4 1.2.3.4 5.6.7.8 1 2")), null);
  assertEquals(parseProxyPreamble(enc.encode("PRO")), null);
});

Deno.test("parseProxyPreamble() reads v2 PROXY and LOCAL", () => {
  const sig = [0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a];
  const v4 = new Uint8Array([
    ...sig,
    0x21,
    0x11,
    0,
    12,
    192,
    0,
    2,
    1,
    10,
    0,
    0,
    1,
    0x1f,
    0x90,
    0,
    80,
    0x47,
  ]);
  assertEquals(parseProxyPreamble(v4), {
    client: { address: "192.0.2.1", port: 8080 },
    consumed: 28,
  });
  assertEquals(parseProxyPreamble(v4.subarray(0, 20)), null);
  const local = new Uint8Array([...sig, 0x20, 0x00, 0, 0]);
  assertEquals(parseProxyPreamble(local), { client: null, consumed: 16 });
});

Deno.test("parseProxyPreamble() rejects malformed preambles", () => {
  for (
    const bad of [
      "GET / HTTP/1.1\r\n",
      "PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n",
      "PROXY TCP4 1.2.3.4 5.6.7.8 99999 2\r\n",
      "PROXY TCP5 1.2.3.4 5.6.7.8 1 2\r\n",
      "PROXY TCP4 1.2.3.4 5.6.7.8 01 2\r\n",
      `PROXY TCP4 ${"1".repeat(120)}`,
    ]
  ) {
    const e = assertThrows(() => parseProxyPreamble(enc.encode(bad)), HttpParseError);
    assertEquals(e.code, "INVALID_PROXY_PROTOCOL", bad);
  }
});

Deno.test("parseProxyPreamble() rejects v1 addresses that are not addresses of the line's family", () => {
  for (
    const bad of [
      "PROXY TCP4 999.2.3.4 5.6.7.8 1000 80\r\n",
      "PROXY TCP4 1.2.3.4 5.6.7.256 1000 80\r\n",
      "PROXY TCP4 1.2.3 5.6.7.8 1000 80\r\n",
      "PROXY TCP4 not-an-ip 192.168.0.11 56324 443\r\n", // gunicorn's invalid/pp_03
      "PROXY TCP4 ::1 ::1 1000 80\r\n",
      "PROXY TCP6 1.2.3.4 5.6.7.8 1000 80\r\n",
      "PROXY TCP6 1:2:3:4:5:6:7:8:9 ::1 1000 80\r\n",
      "PROXY TCP6 ::: ::1 1000 80\r\n",
      "PROXY TCP6 fffff::1 ::1 1000 80\r\n",
    ]
  ) {
    const e = assertThrows(() => parseProxyPreamble(enc.encode(bad)), HttpParseError);
    assertEquals([e.code, e.status], ["INVALID_PROXY_PROTOCOL", 400], bad);
  }
  const mapped = parseProxyPreamble(enc.encode("PROXY TCP6 ::ffff:1.2.3.4 ::1 7 80\r\n"));
  assertEquals(mapped?.client, { address: "::ffff:1.2.3.4", port: 7 });
});
