/** @module Tests for ready.ts: when the `when_ready` hook runs. */

import { assertEquals } from "../_assert.ts";
import { readyGraceSeconds, readyStep } from "../../lib/arbiter/ready.ts";

Deno.test("readyStep() waits for every wanted worker to boot, then runs", () => {
  assertEquals(readyStep(0, 2, 0, 10_000), "wait");
  assertEquals(readyStep(1, 2, 9_999, 10_000), "wait");
  assertEquals(readyStep(2, 2, 0, 10_000), "run");
  assertEquals(readyStep(3, 2, 0, 10_000), "run", "a TTIN meanwhile");
});

Deno.test("readyStep() runs late with the booted ones at the deadline, never with none", () => {
  assertEquals(readyStep(1, 4, 10_000, 10_000), "run late");
  assertEquals(readyStep(0, 4, 99_000, 10_000), "wait", "nothing serves: not ready");
  assertEquals(readyStep(0, 0, 0, 10_000), "wait", "WINCH first: waits for a worker");
  assertEquals(readyStep(1, 0, 0, 10_000), "run");
});

Deno.test("readyGraceSeconds() is max(10, --timeout), as for replacing a generation", () => {
  assertEquals([readyGraceSeconds(0), readyGraceSeconds(30)], [10, 30]);
});
