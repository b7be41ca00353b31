/** @module Tests for --max-worker-memory's decisions (lib/arbiter/memory.ts), without processes. */

import { assert, assertEquals } from "../_assert.ts";
import {
  type MemoryLimits,
  memoryStep,
  MIB,
  outgrownMessage,
  outgrownPlan,
  outgrownRetirePlan,
  parseVmRss,
  readRss,
  workerLimit,
} from "../../lib/arbiter/memory.ts";
import { spawnCount } from "../../lib/arbiter/plan.ts";
import { workerState } from "./_states.ts";

const w = workerState;

const LIMITS: MemoryLimits = { limitMiB: 100, jitterMiB: 0 };
/** RSS by pid, in MiB. */
const rss = (byPid: Record<number, number>) => (pid: number) =>
  byPid[pid] === undefined ? null : byPid[pid] * MIB;

Deno.test("workerLimit() adds a whole number of MiB from 0 to the jitter", () => {
  const limits = { limitMiB: 100, jitterMiB: 10 };
  assertEquals(workerLimit(limits, () => 0), 100 * MIB);
  assertEquals(workerLimit(limits, () => 0.5), 105 * MIB);
  assertEquals(workerLimit(limits, () => 0.9999), 110 * MIB);
  assertEquals(workerLimit(limits, () => 1), 110 * MIB, "never past the jitter");
  assertEquals(workerLimit(LIMITS, () => 0.9999), 100 * MIB, "no jitter");
});

Deno.test("outgrownPlan() finds the booted workers past their limit, with RSS and limit", () => {
  const workers = [w(1, 1), w(2, 2), w(3, 3)];
  assertEquals(outgrownPlan(workers, 0, LIMITS, rss({ 1: 100, 2: 100.5, 3: 50 })), [
    { pid: 2, rss: 100.5 * MIB, limit: 100 * MIB },
  ]);
});

Deno.test("outgrownPlan() draws each worker's limit once, with its own jitter", () => {
  const workers = [w(1, 1), w(2, 2)];
  const draws = [0, 0.99];
  const random = () => draws.shift()!;
  const limits = { limitMiB: 100, jitterMiB: 20 };
  assertEquals(outgrownPlan(workers, 0, limits, rss({ 1: 110, 2: 110 }), random), [
    { pid: 1, rss: 110 * MIB, limit: 100 * MIB },
  ]);
  assertEquals(workers.map((x) => x.memoryLimit), [100 * MIB, 120 * MIB]);
  const next = outgrownPlan(workers, 0, limits, rss({ 1: 90, 2: 121 }), () => 0);
  assertEquals(next, [{ pid: 2, rss: 121 * MIB, limit: 120 * MIB }], "the limits stay drawn");
});

Deno.test("outgrownPlan() leaves booting, retiring, outgrown and old-generation workers", () => {
  const over = rss({ 1: 500, 2: 500, 3: 500, 4: 500, 5: 500, 6: 500 });
  const workers = [
    w(1, 1, { booted: false }),
    w(2, 2, { retiring: true, retiredAt: 1 }), // retired by HUP, TTOU or its --max-requests
    w(3, 3, { outgrown: true }), // its replacement is already on its way
    w(4, 4, { generation: 0 }), // a HUP's new generation replaces it anyway
    w(5, 5, { generation: 1 }),
    w(6, 6, { generation: 1 }),
  ];
  assertEquals(outgrownPlan(workers, 1, LIMITS, over).map((o) => o.pid), [5, 6]);
});

Deno.test("outgrownPlan() skips a worker whose RSS cannot be read", () => {
  assertEquals(outgrownPlan([w(1, 1)], 0, LIMITS, () => null), []);
});

Deno.test("outgrownRetirePlan() retires an outgrown worker only once its replacement booted", () => {
  const replacement = w(3, 3, { booted: false });
  const workers = [w(1, 1, { outgrown: true }), w(2, 2), replacement];
  assertEquals(outgrownRetirePlan(workers, 0, 2), [], "the replacement is still booting");
  replacement.booted = true;
  assertEquals(outgrownRetirePlan(workers, 0, 2), [1]);
});

Deno.test("outgrownRetirePlan() keeps the outgrown worker serving while no replacement boots", () => {
  // The replacement died before booting (it left the table): nothing is retired, at any target.
  const workers = [w(1, 1, { outgrown: true }), w(2, 2)];
  assertEquals(outgrownRetirePlan(workers, 0, 2), []);
  assertEquals(outgrownRetirePlan([w(1, 1, { outgrown: true })], 0, 1), []);
});

Deno.test("outgrownRetirePlan() retires one outgrown worker per booted replacement, oldest first", () => {
  const workers = [
    w(1, 1, { outgrown: true }),
    w(2, 2, { outgrown: true }),
    w(3, 3),
    w(4, 4),
    w(5, 5, { booted: false }),
  ];
  assertEquals(outgrownRetirePlan(workers, 0, 3), [1]);
  workers[4]!.booted = true;
  assertEquals(outgrownRetirePlan(workers, 0, 3), [1, 2]);
});

Deno.test("outgrownRetirePlan() counts only serving workers of the generation", () => {
  const workers = [
    w(1, 1, { outgrown: true, retiring: true, retiredAt: 1 }), // already retired: not twice
    w(2, 2, { outgrown: true }),
    w(3, 3, { generation: 1 }),
    w(4, 4),
  ];
  assertEquals(outgrownRetirePlan(workers, 0, 2), []);
  assertEquals(outgrownRetirePlan([...workers, w(5, 5)], 0, 2), [2]);
});

Deno.test("outgrownRetirePlan() retires outgrown workers with the rest when the target drops", () => {
  // WINCH (target 0), or TTOU below the workers that still serve: no replacement is awaited.
  assertEquals(outgrownRetirePlan([w(1, 1, { outgrown: true })], 0, 0), [1]);
  assertEquals(outgrownRetirePlan([w(1, 1, { outgrown: true }), w(2, 2)], 0, 1), [1]);
});

Deno.test("memoryStep() marks outgrown workers once: one replacement per worker in flight", () => {
  const workers = [w(1, 1), w(2, 2)];
  const at = { generation: 0, target: 2, limits: LIMITS };
  const first = memoryStep(workers, at, rss({ 1: 150, 2: 50 }));
  assertEquals(first, { found: [{ pid: 1, rss: 150 * MIB, limit: 100 * MIB }], retire: [] });
  assertEquals(workers[0]!.outgrown, true);
  // The arbiter counts it out, so exactly one replacement is spawned for it.
  assertEquals(spawnCount(workers.filter((x) => !x.outgrown), 2), 1);
  const again = memoryStep(workers, at, rss({ 1: 300, 2: 50 }));
  assertEquals(again, { found: [], retire: [] }, "still growing: not found twice");
  workers.push(w(3, 3)); // the replacement booted
  assertEquals(memoryStep(workers, at, rss({ 1: 300, 2: 50, 3: 50 })).retire, [1]);
});

Deno.test("memoryStep() with the limit off marks nothing but still retires the outgrown", () => {
  const workers = [w(1, 1, { outgrown: true }), w(2, 2), w(3, 3)];
  const at = { generation: 0, target: 2, limits: null };
  assertEquals(memoryStep(workers, at, rss({ 1: 999, 2: 999, 3: 999 })), {
    found: [],
    retire: [1],
  });
});

Deno.test("parseVmRss() reads the VmRSS line of /proc/PID/status in bytes", () => {
  const status = "Name:\tdeno\nVmPeak:\t 1000 kB\nVmRSS:\t   58996 kB\nRssAnon:\t 40000 kB\n";
  assertEquals(parseVmRss(status), 58996 * 1024);
  assertEquals(parseVmRss("Name:\tkthreadd\nState:\tS (sleeping)\n"), null, "a kernel thread");
});

Deno.test("readRss() reads a live process and gives null for a gone one", () => {
  const own = readRss(Deno.pid);
  assert(own !== null && own > MIB, `own RSS ${own}`);
  assertEquals(readRss(2 ** 22 + 1), null, "past the kernel's largest pid");
});

Deno.test("outgrownMessage() names the pid, the RSS and the limit in MiB", () => {
  const o = { pid: 42, rss: 612.34 * MIB, limit: 537 * MIB };
  assertEquals(
    outgrownMessage(o, { limitMiB: 512, jitterMiB: 32 }),
    "Worker (pid:42) uses 612.3 MiB of memory (RSS), over its limit of 537 MiB " +
      "(--max-worker-memory 512, plus 25 of jitter): booting its replacement, then retiring it " +
      "gracefully",
  );
  assertEquals(
    outgrownMessage({ ...o, limit: 512 * MIB }, { limitMiB: 512, jitterMiB: 0 }),
    "Worker (pid:42) uses 612.3 MiB of memory (RSS), over its limit of 512 MiB " +
      "(--max-worker-memory): booting its replacement, then retiring it gracefully",
  );
});
