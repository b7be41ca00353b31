/** @module The worker's Date header cache over an injected clock. */

import { assertEquals } from "../../_assert.ts";
import { DateCache } from "../../../lib/workers/strict/dates.ts";

Deno.test("DateCache.now() formats the injected clock as an IMF-fixdate, once per second", () => {
  let ms = 1_795_000_000_000;
  const dates = new DateCache(() => ms);
  const first = dates.now();
  assertEquals(first, new Date(ms).toUTCString());
  ms += 400;
  assertEquals(dates.now(), first);
  ms += 1000;
  assertEquals(dates.now(), new Date(ms).toUTCString());
});
