/** @module Tests of the fixture-corpus verdicts (bench/fixture_engines.ts). */

import { assertEquals } from "../tests/_assert.ts";
import type { Fixture } from "../tests/http/fixtures.ts";
import { verdict } from "./fixture_engines.ts";

function fixture(expect: Fixture["expect"]): Fixture {
  return {
    topic: "t",
    name: "n",
    expect,
    checks: new Map(),
    limits: null,
    bytes: new Uint8Array(),
  };
}

Deno.test("verdict() wants the table status for invalid requests and counts any refusal as safe", () => {
  const bad = fixture({ kind: "error", code: "BARE_LF" });
  assertEquals(verdict(bad, { status: 400 }), { expected: "400 BARE_LF", ok: true, safe: true });
  assertEquals(verdict(bad, "closed"), { expected: "400 BARE_LF", ok: false, safe: true });
  assertEquals(verdict(bad, { status: 200 }).safe, false);
  const body = fixture({ kind: "body-error", code: "INVALID_CHUNK_SIZE" });
  assertEquals(verdict(body, { status: 500 }), {
    expected: "400 INVALID_CHUNK_SIZE",
    ok: false,
    safe: true,
  });
});

Deno.test("verdict() wants valid requests to reach the app and prefixes to wait", () => {
  assertEquals(verdict(fixture({ kind: "head" }), { status: 200 }).ok, true);
  assertEquals(verdict(fixture({ kind: "head" }), { status: 400 }).safe, false);
  assertEquals(verdict(fixture({ kind: "more" }), "silent").ok, true);
  assertEquals(verdict(fixture({ kind: "more" }), { status: 400 }).ok, false);
});
