/**
 * @module `deno task fuzz [--count N] [--seed S]`: the parser property test at scale — random and
 * mutated requests must yield a head, "need more", or HttpParseError, never another exception.
 */

import { parseArgs } from "node:util";
import { runProperty } from "../tests/http/property_test.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    count: { type: "string", default: "1000000" },
    seed: { type: "string", default: "1" },
  },
});
const count = Number(values.count);
const seed = Number(values.seed);
const out = (s: string) => Deno.stdout.writeSync(new TextEncoder().encode(`${s}\n`));
const started = performance.now();
const batch = 100_000;
const total = { head: 0, more: 0, error: 0 };
for (let done = 0, round = 0; done < count; round++) {
  const n = Math.min(batch, count - done);
  const c = runProperty(seed * 1000 + round, n);
  total.head += c.head;
  total.more += c.more;
  total.error += c.error;
  done += n;
  const secs = (performance.now() - started) / 1000;
  out(
    `${done} inputs, ${
      Math.round(done / secs)
    }/s: ${total.head} heads, ${total.more} need more, ${total.error} errors`,
  );
}
out(`fuzz: ${count} inputs from seed ${seed}, no unexpected exception`);
