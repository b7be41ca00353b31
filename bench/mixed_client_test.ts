import { assertEquals } from "../tests/_assert.ts";
import { percentile, toSample } from "./mixed_client.ts";

Deno.test("percentile() takes the nearest rank", () => {
  const xs = Array.from({ length: 100 }, (_, i) => i + 1);
  assertEquals(percentile(xs, 0.99), 99);
  assertEquals(percentile(xs, 0.5), 50);
  assertEquals(percentile([7], 0.99), 7);
  assertEquals(percentile([], 0.5), 0);
});

Deno.test("toSample() reports all requests' rate and the fast requests' latency", () => {
  const s = toSample({ fastMs: [1, 2, 3, 100], slowMs: [500], errors: 2, durationSec: 2 });
  assertEquals(s.requestsPerSec, 2.5);
  assertEquals(s.latency.p99Ms, 100);
  assertEquals(s.socketErrors.read, 2);
});
