/** @module Tests for the named checks and the --bind grammar. */

import { assertEquals, assertThrows } from "../_assert.ts";
import { ConfigError, parseAddress } from "../../lib/config/mod.ts";
import { CHECKS } from "../../lib/config/validators.ts";

Deno.test("parseAddress() reads every bind form", () => {
  assertEquals(parseAddress("127.0.0.1:8001"), { kind: "tcp", host: "127.0.0.1", port: 8001 });
  assertEquals(parseAddress("localhost:80"), { kind: "tcp", host: "localhost", port: 80 });
  assertEquals(parseAddress("[::1]:8000"), { kind: "tcp", host: "::1", port: 8000 });
  assertEquals(parseAddress(":8000"), { kind: "tcp", host: "0.0.0.0", port: 8000 });
  assertEquals(parseAddress("example.com"), { kind: "tcp", host: "example.com", port: 8000 });
  assertEquals(parseAddress("unix:/tmp/a.sock"), { kind: "unix", path: "/tmp/a.sock" });
  assertEquals(parseAddress("fd://3"), { kind: "fd", fd: 3 });
  assertEquals(parseAddress("0.0.0.0:0"), { kind: "tcp", host: "0.0.0.0", port: 0 });
});

Deno.test("parseAddress() rejects bad binds", () => {
  for (
    const bad of ["", "host:99999", "host:port", "unix:", "fd://x", "[::1:80", "a b:1", "1:2:3"]
  ) {
    const e = assertThrows(() => parseAddress(bad), ConfigError);
    assertEquals(
      e.message,
      `Cannot parse --bind "${bad}": expected HOST:PORT, [IPv6]:PORT, unix:PATH or fd://N`,
    );
  }
});

Deno.test("CHECKS return null for a passing value and what was expected otherwise", () => {
  assertEquals(CHECKS.positive(1), null);
  assertEquals(CHECKS.positive(-1), "expected a positive integer");
  assertEquals(CHECKS.count(0), null);
  assertEquals(CHECKS.seconds(0.5), null);
  assertEquals(CHECKS.seconds(-1), "expected a number of seconds >= 0");
  assertEquals(CHECKS.umask(0o777), null);
  assertEquals(CHECKS.umask(0o1000), "expected an octal number like 0o22 or 022");
  assertEquals(CHECKS["key=value"]("A=1"), null);
  assertEquals(CHECKS["host:port"]("localhost:8125"), null);
  assertEquals(CHECKS.bind("unix:/tmp/a.sock"), null);
});
