import { strictEqual } from "node:assert/strict";
import { openLoopSample, runOpenLoop, schedule } from "./open_loop.ts";

const PLAN = { rate: 40, durationSec: 2, blockEvery: 20, fastPath: "/fast", blockPath: "/block" };

Deno.test("schedule() spaces rate × duration arrivals evenly, whatever the answers take", () => {
  const a = schedule(PLAN);
  strictEqual(a.length, 80);
  strictEqual(a[0]!.atMs, 0);
  strictEqual(a[1]!.atMs, 25);
  strictEqual(a[79]!.atMs, 79 * 25);
});

Deno.test("schedule() makes every blockEvery-th arrival a blocking one", () => {
  const blocks = schedule(PLAN).flatMap((x, i) => (x.block ? [i + 1] : []));
  strictEqual(blocks.join(), "20,40,60,80");
});

Deno.test("openLoopSample() reports the fast requests' latency apart from the blocking ones", () => {
  const fastMs = Array.from({ length: 99 }, () => 2).concat([300]);
  const s = openLoopSample({ fastMs, blockMs: [500, 510], errors: 1, durationSec: 4 });
  strictEqual(s.requests, 102);
  strictEqual(s.requestsPerSec, 25.5);
  strictEqual(s.latency.p50Ms, 2);
  strictEqual(s.latency.p99Ms, 2);
  strictEqual(s.latency.maxMs, 300);
  strictEqual(s.socketErrors.read, 1);
});

Deno.test("runOpenLoop() sends every scheduled request and times fast and blocking ones apart", async () => {
  const seen: string[] = [];
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    (req) => {
      seen.push(new URL(req.url).pathname);
      return new Response("ok");
    },
  );
  try {
    const plan = { rate: 100, durationSec: 0.2, blockEvery: 5, fastPath: "/f", blockPath: "/b" };
    const run = await runOpenLoop(server.addr.port, plan);
    strictEqual(run.fastMs.length, 16);
    strictEqual(run.blockMs.length, 4);
    strictEqual(run.errors, 0);
    strictEqual(seen.filter((p) => p === "/b").length, 4);
    strictEqual(seen.filter((p) => p === "/f").length, 16);
  } finally {
    await server.shutdown();
  }
});
