/** @module Tests for lib/workers/shed.ts: which connection a full async worker drops. */

import { assertEquals } from "../_assert.ts";
import { shedVictim } from "../../lib/workers/shed.ts";

function conn(order: readonly [number, number] | null) {
  return { order, shedOrder: () => order };
}

Deno.test("shedVictim() takes the lowest rank, then the one that waited longest", () => {
  const idleNew = conn([1, 50]);
  const idleOld = conn([1, 10]);
  const closing = conn([0, 90]);
  assertEquals(shedVictim([idleNew, idleOld]), idleOld);
  assertEquals(shedVictim([idleNew, idleOld, closing]), closing);
});

Deno.test("shedVictim() never takes a connection with a request in hand", () => {
  assertEquals(shedVictim([conn(null), conn(null)]), null);
  assertEquals(shedVictim([]), null);
});
