/**
 * The Host rule (lib/http/host.ts): what it accepts and refuses, that an accepted host never moves
 * the path nor makes `new URL()` throw (seeded random hosts), and the check of a URL Deno's engine
 * joined from strings.
 */

import { assert, assertEquals } from "../_assert.ts";
import { authorityProblem, isValidHost } from "../../lib/http/mod.ts";
import { prng } from "./fuzz_input.ts";

const VALID = [
  "a",
  "example.com:8080",
  "EXAMPLE.com",
  "example.com.",
  "localhost:",
  "a:0",
  "a:65535",
  "a:080",
  "127.0.0.1",
  "255.255.255.255:1",
  "0.0.0.0",
  "a.1b",
  "1e3",
  "a-b_c~d!e$f&g'h(i)j*k+l;m=n",
  "a%41",
  "xn--bcher-kva.example",
  "[::1]",
  "[::1]:80",
  "[2001:db8::1]:443",
  "[::ffff:192.0.2.1]",
];

const INVALID = [
  "",
  ":80",
  "x/admin?",
  "a/b",
  "a?b",
  "a#b",
  "a@b",
  "user:pw@a",
  "a\\b",
  "a b",
  "a, b",
  "a,b",
  "a\tb",
  "a\x00b",
  "a\x7fb",
  "é",
  "a^b",
  "a|b",
  "a<b",
  'a"b',
  "a:b",
  "a:1:2",
  "a:65536",
  "a:99999999999999999999",
  "a%",
  "a%zz",
  "x%2Fadmin",
  "a%20b",
  "xn--zz",
  "XN--ZZ",
  "999.1.1.1",
  "1.2.3",
  "1.2.3.4.5",
  "1.2.3.4.",
  "010.0.0.1",
  "08.1.1.1",
  "0",
  "a.1",
  "a.1.",
  "a.0x1f",
  "0x7f000001",
  "[1:2]",
  "[::1",
  "[::1]x",
  "[::1]:b",
  "[v1.x]",
  "[fe80::1%25eth0]",
  "[]",
  "2001:db8::1",
];

Deno.test("isValidHost accepts uri-host [:port] and refuses everything else listed", () => {
  for (const h of VALID) assert(isValidHost(h), `should accept ${JSON.stringify(h)}`);
  for (const h of INVALID) assert(!isValidHost(h), `should refuse ${JSON.stringify(h)}`);
});

Deno.test("a host isValidHost accepts never moves the path nor makes new URL() throw", () => {
  const rand = prng(20261204);
  const alphabet = "ab09.-:[]%2Fx,;=_~!$&'()*+@/?#\\ \t^|\u00e9";
  let accepted = 0;
  for (let i = 0; i < 20_000; i++) {
    let h = "";
    for (let n = 1 + Math.floor(rand() * 10); n > 0; n--) {
      h += alphabet[Math.floor(rand() * alphabet.length)];
    }
    if (!isValidHost(h)) continue;
    accepted++;
    const url = `http://${h}/p?q`;
    let path = "";
    try {
      path = new URL(url).pathname;
    } catch (e) {
      throw new Error(`accepted ${JSON.stringify(h)} but new URL(${url}) threw: ${e}`);
    }
    assertEquals(path, "/p", JSON.stringify(h));
  }
  assert(accepted > 1000, `only ${accepted} random hosts were valid`);
});

Deno.test("authorityProblem: a bad Host or engine authority is named, a good one passes", () => {
  // Deno's engine joins "http://" + Host + path: the path moved to /admin.
  assert(authorityProblem("http://x/admin?/public", "x/admin?")!.includes("Host"));
  assert(authorityProblem("http://a, b/public", "a, b") !== null);
  assert(authorityProblem("http://localhost:8000/public", "") !== null, "empty Host");
  assertEquals(authorityProblem("http://example.com:8080/public", "example.com:8080"), null);
  assertEquals(authorityProblem("http://[::1]:80/public", "[::1]:80"), null);
  // Absolute-form: the target's authority wins over Host (RFC 9112 §3.2.2); both are checked.
  assertEquals(authorityProblem("http://good/p", "other"), null);
  assertEquals(authorityProblem("http://good/p", "goo"), null);
  assert(authorityProblem("http://good/p", "x/admin?") !== null);
  assert(authorityProblem("http://a@b/p", "a")!.includes("target"));
  assert(authorityProblem("http://a,b/p", "a") !== null);
  // No Host (HTTP/1.0, or HTTP/2's :authority): the engine's own authority.
  assertEquals(authorityProblem("http://localhost:8000/p", null), null);
  assert(authorityProblem("http://a^b/p", null) !== null);
  assertEquals(authorityProblem("*", "a"), null);
});
