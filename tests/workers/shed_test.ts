/** @module Tests for lib/workers/shed.ts: which connection a full async worker drops. */

import { assertEquals } from "../_assert.ts";
import { lateness, shedAfter, shedVictim } from "../../lib/workers/shed.ts";

const NOW = 100_000;
const AFTER = shedAfter(10_000);

function conn(order: readonly [number, number] | null, unread = false) {
  return { order, shedOrder: () => order, unread: () => unread };
}

Deno.test("shedVictim() takes the lowest rank, then the one that waited longest", () => {
  const idleNew = conn([1, 50]);
  const idleOld = conn([1, 10]);
  const closing = conn([0, 90]);
  assertEquals(shedVictim([idleNew, idleOld], NOW, AFTER), idleOld);
  assertEquals(shedVictim([idleNew, idleOld, closing], NOW, AFTER), closing);
});

Deno.test("shedVictim() never takes a connection with a request in hand", () => {
  assertEquals(shedVictim([conn(null), conn(null)], NOW, AFTER), null);
  assertEquals(shedVictim([], NOW, AFTER), null);
});

Deno.test("shedVictim() leaves a connection that has not waited long enough, unless closing", () => {
  const fresh = conn([2, NOW - 4000]);
  const justAnswered = conn([1, NOW - 900]);
  assertEquals(shedVictim([fresh, justAnswered], NOW, AFTER), null, "a request may be on its way");
  const closing = conn([0, NOW - 1]);
  assertEquals(shedVictim([fresh, closing], NOW, AFTER), closing);
  const idle = conn([1, NOW - 1100]);
  assertEquals(shedVictim([fresh, justAnswered, idle], NOW, AFTER), idle, "idle over 1 s");
  const slow = conn([2, NOW - 5100]);
  assertEquals(shedVictim([fresh, slow], NOW, AFTER), slow, "no request in 5 s");
  assertEquals(shedAfter(1000).fresh, 500, "half of --header-timeout, when shorter");
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
  assertEquals(shedVictim([oldest, next], NOW, AFTER), next);
  assertEquals(shedVictim([oldest], NOW, AFTER), null);
  assertEquals(shedVictim([conn([0, 10], true)], NOW, AFTER)?.order, [0, 10], "closing anyway");
});
