/**
 * The parser's one property (h11's fuzz property): any input yields a head, "need more", or an
 * HttpParseError — never another exception, never a hang. Seeded, so failures reproduce.
 */

import { assert } from "../_assert.ts";
import { ChunkedDecoder, HttpParseError, parseHead } from "../../lib/http/mod.ts";
import { mutate, prng, seeds } from "./fuzz_input.ts";

/** Runs `n` inputs from `seed`; returns the counts, or throws with the offending input. */
export function runProperty(
  seed: number,
  n: number,
): { head: number; more: number; error: number } {
  const rand = prng(seed);
  const pool = seeds();
  const counts = { head: 0, more: 0, error: 0 };
  for (let i = 0; i < n; i++) {
    let input = pool[Math.floor(rand() * pool.length)]!;
    for (let m = 1 + Math.floor(rand() * 3); m > 0; m--) input = mutate(rand, input);
    try {
      const head = parseHead(input);
      if (head === null) counts.more++;
      else {
        counts.head++;
        if (head.framing.type === "chunked") {
          new ChunkedDecoder().push(input.subarray(head.headLength));
        }
      }
    } catch (e) {
      if (!(e instanceof HttpParseError)) {
        const hex = [...input].map((b) => b.toString(16).padStart(2, "0")).join("");
        throw new Error(`seed ${seed} input ${i} (${hex}) threw ${(e as Error).stack}`);
      }
      counts.error++;
    }
  }
  return counts;
}

Deno.test("parseHead() and ChunkedDecoder yield a head, more, or HttpParseError for 5,000 mutated inputs", () => {
  const counts = runProperty(20261124, 5000);
  assert(counts.head > 100 && counts.error > 100 && counts.more > 10, JSON.stringify(counts));
});
