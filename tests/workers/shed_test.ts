/** @module Tests for lib/workers/shed.ts: which connection a full async worker drops. */

import { assertEquals } from "../_assert.ts";
import { lateness, SHED_AFTER_MS, shedVictim } from "../../lib/workers/shed.ts";

const NOW = 100_000;

function conn(order: readonly [number, number] | null, unread = false) {
  return { order, shedOrder: () => order, unread: () => unread };
}

Deno.test("shedVictim() takes the lowest rank, then the one that waited longest", () => {
  const idleNew = conn([1, 50]);
  const idleOld = conn([1, 10]);
  const closing = conn([0, 90]);
  assertEquals(shedVictim([idleNew, idleOld], NOW), idleOld);
  assertEquals(shedVictim([idleNew, idleOld, closing], NOW), closing);
});

Deno.test("shedVictim() never takes a connection with a request in hand", () => {
  assertEquals(shedVictim([conn(null), conn(null)], NOW), null);
  assertEquals(shedVictim([], NOW), null);
});

Deno.test("shedVictim() leaves a connection that has waited less than SHED_AFTER_MS, unless closing", () => {
  const fresh = conn([2, NOW - SHED_AFTER_MS + 1]);
  const justAnswered = conn([1, NOW - 10]);
  assertEquals(shedVictim([fresh, justAnswered], NOW), null, "a request may be on its way");
  const closing = conn([0, NOW - 1]);
  assertEquals(shedVictim([fresh, closing], NOW), closing);
  const waited = conn([2, NOW - SHED_AFTER_MS - 1]);
  assertEquals(shedVictim([fresh, justAnswered, waited], NOW), waited);
});

Deno.test("lateness() flags a sweep that comes more than four periods after the last one", () => {
  const late = lateness(250);
  const t0 = performance.now();
  assertEquals([late(t0 + 250), late(t0 + 500)], [false, false]);
  assertEquals(late(t0 + 5500), true, "the event loop was blocked 5 s");
  assertEquals(late(t0 + 5750), false, "the next sweep is on time again");
});

Deno.test("shedVictim() passes over a connection whose request waits unread", () => {
  const oldest = conn([2, 10], true);
  const next = conn([2, 20]);
  assertEquals(shedVictim([oldest, next], NOW), next);
  assertEquals(shedVictim([oldest], NOW), null);
  assertEquals(shedVictim([conn([0, 10], true)], NOW)?.order, [0, 10], "closing anyway");
});
