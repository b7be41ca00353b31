/** @module Unit tests of the metrics collector, the heartbeat's snapshot line, the registry and readiness. */

import { assert, assertEquals, assertThrows } from "../_assert.ts";
import { decodeBeat, encodeBeat } from "../../lib/heartbeat.ts";
import { parseBuckets } from "../../lib/metrics/names.ts";
import { type ArbiterFigures, MetricsRegistry } from "../../lib/metrics/registry.ts";
import { metricsHandler } from "../../lib/metrics/server.ts";
import { WorkerMetrics } from "../../lib/metrics/worker.ts";
import { RestartReasons } from "../../lib/arbiter/restarts.ts";
import type { Worker } from "../../lib/arbiter/pool.ts";

const BUCKETS = [0.1, 1];

function figures(snapshot: WorkerMetrics["snapshot"] extends () => infer S ? S : never) {
  return {
    workers: [{ slot: 1, active: 0, rss: 1, heapUsed: 2, snapshot }],
    starts: { boot: 1, timeout: 0, "max-requests": 0, memory: 0, crash: 0, reload: 0 },
    backlog: [],
    process: { cpuSeconds: 0, rss: 0, startTime: 0, openFds: 0 },
  } satisfies ArbiterFigures;
}

Deno.test("WorkerMetrics counts per method and code, buckets, bytes and connections", () => {
  const m = new WorkerMetrics(BUCKETS);
  m.request("GET", 200, 0.05, 0, 10);
  m.request("GET", 200, 0.5, 0, 10);
  m.request("BREW", 418, 5, 3, 1);
  m.accepted();
  m.accepted(false);
  m.shed();
  const s = m.snapshot();
  assertEquals(s.r, [[0, 200, 2], [9, 418, 1]]);
  assertEquals(s.h, [1, 1, 1]);
  assertEquals(s.b, [3, 21]);
  assertEquals(s.c, [2, 1, 1]);
});

Deno.test("a heartbeat's metrics line caught mid-write is left out, never misread", () => {
  const m = new WorkerMetrics(BUCKETS);
  m.request("GET", 200, 0.05, 0, 10);
  const beat = { served: 1, active: 0, stopping: false, heapUsed: 1, heapLimit: 2 };
  const whole = encodeBeat({ ...beat, metrics: m.snapshot() });
  assertEquals(decodeBeat(whole)?.metrics, m.snapshot());
  for (let cut = whole.indexOf("\n") + 1; cut < whole.length; cut++) {
    const d = decodeBeat(whole.slice(0, cut));
    assertEquals(d?.served, 1);
    assertEquals(d?.metrics, undefined, `cut at ${cut}`);
  }
  assertEquals(decodeBeat(encodeBeat(beat)), beat, "no metrics line: the old format");
});

Deno.test("MetricsRegistry: a retired worker's counts stay, totals never go back", () => {
  const reg = new MetricsRegistry(BUCKETS);
  const a = new WorkerMetrics(BUCKETS);
  a.request("GET", 200, 0.05, 0, 10);
  a.accepted();
  const count = (text: string) =>
    Number(/denocorn_http_requests_total\{method="GET",code="200"\} (\d+)/.exec(text)?.[1]);
  assertEquals(count(reg.render(figures(a.snapshot()))), 1);
  reg.retire(7, a.snapshot());
  const b = new WorkerMetrics(BUCKETS);
  const text = reg.render(figures(b.snapshot()));
  assertEquals(count(text), 1);
  assert(text.includes("denocorn_connections_active 0\n"), "a retired worker's connections closed");
  b.request("GET", 200, 2, 0, 0);
  assertEquals(count(reg.render(figures(b.snapshot()))), 2);
  assert(reg.render(figures(b.snapshot())).includes('_bucket{le="+Inf"} 2\n'));
});

Deno.test("MetricsRegistry gives workers small slots, reused by replacements", () => {
  const reg = new MetricsRegistry(BUCKETS);
  assertEquals([reg.slot(100), reg.slot(101), reg.slot(100)], [1, 2, 1]);
  reg.retire(100, undefined);
  assertEquals(reg.slot(102), 1);
});

Deno.test("RestartReasons: a replacement takes its predecessor's reason, else boot", () => {
  const w = (o: Partial<Worker>) =>
    ({ generation: 0, retiring: false, aborted: false, ...o }) as Worker;
  const r = new RestartReasons();
  r.started([], 0);
  const old = w({ selfRetired: true, retiring: true });
  r.started([old], 0); // spawned while the old one drains
  r.exited(old, 0, false); // already claimed: nothing more
  r.exited(w({ aborted: true }), 0, false);
  r.started([], 0);
  r.started([w({ generation: 0 })], 1);
  r.exited(w({ booted: true }), 0, false);
  r.started([], 0);
  r.exited(w({}), 0, true); // the server stops: no restart
  assertEquals(r.counts, {
    boot: 1,
    timeout: 1,
    "max-requests": 1,
    memory: 0,
    crash: 1,
    reload: 1,
  });
});

Deno.test("metricsHandler: /readyz is 503 as soon as draining, 404 elsewhere", async () => {
  let draining = false;
  const h = metricsHandler(
    { metrics: () => "x 1\n", healthy: () => true, ready: () => true },
    () => draining,
  );
  const get = (p: string) => h(new Request(`http://x${p}`));
  assertEquals(get("/readyz").status, 200);
  draining = true;
  assertEquals(get("/readyz").status, 503);
  assertEquals(get("/healthz").status, 200);
  assertEquals(
    get("/metrics").headers.get("content-type"),
    "text/plain; version=0.0.4; charset=utf-8",
  );
  assertEquals(await get("/metrics").text(), "x 1\n");
  assertEquals(get("/other").status, 404);
  assertEquals(h(new Request("http://x/metrics", { method: "POST" })).status, 405);
});

Deno.test("parseBuckets refuses unordered, empty or non-numeric bounds", () => {
  assertEquals(parseBuckets("0.005, 0.5,2"), [0.005, 0.5, 2]);
  for (const bad of ["", "1,1", "2,1", "0", "-1", "abc", "1e3", "Infinity"]) {
    assertThrows(() => parseBuckets(bad), RangeError);
  }
});
