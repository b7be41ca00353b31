/** lib/workers/blocking_io.ts: resuming a gather write after a partial send. */

import { assertEquals } from "../_assert.ts";
import { advance } from "../../lib/workers/blocking_io.ts";

const bytes = (n: number, v: number) => new Uint8Array(n).fill(v);

Deno.test("advance() drops the parts sent and cuts into the first one left", () => {
  const a = bytes(4, 1), b = bytes(6, 2), c = bytes(2, 3);
  assertEquals(advance([a, b, c], 0), [a, b, c]);
  assertEquals(advance([a, b, c], 4), [b, c]);
  assertEquals(advance([a, b, c], 7), [b.subarray(3), c]);
  assertEquals(advance([a, b, c], 12), []);
});
