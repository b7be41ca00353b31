/** @module Slow-client deadlines derived from the settings. */

import { assertEquals } from "../_assert.ts";
import { bodyDeadline, sliceSeconds, timeoutsOf } from "../../lib/workers/timeouts.ts";

const BASE = {
  timeout: 30,
  keepalive: 2,
  header_timeout: 10,
  body_timeout: 10,
  body_min_rate: 500,
  write_timeout: 10,
};

Deno.test("timeoutsOf() caps every slow-client deadline at half of --timeout", () => {
  const t = timeoutsOf({ ...BASE, timeout: 4 });
  assertEquals([t.head, t.body, t.write, t.idle], [2000, 2000, 2000, 2000]);
  const loose = timeoutsOf({ ...BASE, timeout: 0, header_timeout: 0 });
  assertEquals([loose.head, loose.body, loose.write], [Infinity, 10_000, 10_000]);
  assertEquals(timeoutsOf({ ...BASE, body_timeout: 0 }).body, 15_000, "0 leaves only the cap");
});

Deno.test("bodyDeadline() extends the body's grace by one second per --body-min-rate bytes", () => {
  const t = timeoutsOf(BASE);
  assertEquals(bodyDeadline(t, 100, 0), 10_100);
  assertEquals(bodyDeadline(t, 100, 5000), 20_100);
  assertEquals(bodyDeadline({ ...t, bodyRate: 0 }, 100, 5000), 10_100, "0: a total deadline");
});

Deno.test("sliceSeconds() keeps each blocking call of the sync worker within a quarter of --timeout", () => {
  assertEquals(sliceSeconds(30), 1);
  assertEquals(sliceSeconds(2), 0.5);
  assertEquals(sliceSeconds(0), 1);
});
