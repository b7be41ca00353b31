import { assertEquals } from "../_assert.ts";
import {
  decodeSockAddr,
  encodeInet,
  encodeUnix,
  formatIPv6,
  parseIPv4,
  parseIPv6,
} from "../../lib/sys/mod.ts";

Deno.test("parseIPv4() accepts dotted quads and rejects everything else", () => {
  assertEquals(parseIPv4("127.0.0.1"), new Uint8Array([127, 0, 0, 1]));
  for (const bad of ["256.0.0.1", "1.2.3", "1.2.3.4.5", "a.b.c.d", "", "1..2.3"]) {
    assertEquals(parseIPv4(bad), null, bad);
  }
});

Deno.test("parseIPv6() handles ::, embedded IPv4 and rejects malformed text", () => {
  assertEquals(formatIPv6(parseIPv6("::1")!), "::1");
  assertEquals(formatIPv6(parseIPv6("::")!), "::");
  assertEquals(formatIPv6(parseIPv6("2001:db8:0:0:1:0:0:1")!), "2001:db8::1:0:0:1");
  assertEquals(formatIPv6(parseIPv6("::ffff:10.0.0.1")!), "::ffff:10.0.0.1");
  assertEquals(formatIPv6(parseIPv6("fe80::1:2")!), "fe80::1:2");
  for (const bad of ["1:2", ":::", "1::2::3", "12345::", "g::1", "1.2.3.4", "1:2:3:4:5:6:7:8:9"]) {
    assertEquals(parseIPv6(bad), null, bad);
  }
});

Deno.test("encodeInet() round-trips through decodeSockAddr() for IPv4 and IPv6", () => {
  const v4 = encodeInet("10.1.2.3", 8080);
  assertEquals(v4.byteLength, 16);
  assertEquals(decodeSockAddr(v4, 16), { transport: "tcp", hostname: "10.1.2.3", port: 8080 });
  const v6 = encodeInet("::1", 443);
  assertEquals(v6.byteLength, 28);
  assertEquals(decodeSockAddr(v6, 28), { transport: "tcp", hostname: "::1", port: 443 });
});

Deno.test("encodeUnix() round-trips and rejects paths longer than sun_path", () => {
  const a = encodeUnix("/run/app.sock");
  assertEquals(decodeSockAddr(a, a.byteLength), { transport: "unix", path: "/run/app.sock" });
  let threw = false;
  try {
    encodeUnix("/" + "x".repeat(200));
  } catch (e) {
    threw = e instanceof RangeError;
  }
  assertEquals(threw, true);
});
