import { assertEquals } from "../_assert.ts";
import {
  failedLoadPlan,
  maxWorkers,
  murderPlan,
  overduePlan,
  replacementPlan,
  retirePlan,
  spawnBackoff,
  spawnCount,
  ttouTarget,
} from "../../lib/arbiter/plan.ts";
import { workerState } from "./_states.ts";

const w = workerState;

Deno.test("murderPlan() aborts a silent worker first and kills it on the next check", () => {
  const now = 1000 + 31_000;
  assertEquals(murderPlan([w(1, 1), w(2, 2, { lastBeat: now })], now, 30), [{
    kind: "abort",
    pid: 1,
  }]);
  assertEquals(murderPlan([w(1, 1, { aborted: true })], now, 30), [{ kind: "kill", pid: 1 }]);
});

Deno.test("murderPlan() spares workers within the timeout and does nothing when timeout is 0", () => {
  assertEquals(murderPlan([w(1, 1)], 1000 + 30_000, 30), []);
  assertEquals(murderPlan([w(1, 1)], 1e12, 0), []);
});

Deno.test("spawnCount() tops up to the target, not counting retiring workers", () => {
  assertEquals(spawnCount([w(1, 1), w(2, 2, { retiring: true })], 2), 1);
  assertEquals(spawnCount([], 3), 3);
  assertEquals(spawnCount([w(1, 1), w(2, 2), w(3, 3)], 2), 0);
});

Deno.test("retirePlan() retires the oldest serving workers beyond the target", () => {
  assertEquals(retirePlan([w(10, 3), w(11, 1), w(12, 2)], 1), [11, 12]);
  assertEquals(retirePlan([w(10, 1, { retiring: true }), w(11, 2)], 1), []);
  assertEquals(retirePlan([w(10, 1)], 4), []);
});

Deno.test("replacementPlan() waits until the new generation has its workers booted", () => {
  const old = [w(1, 1), w(2, 2)];
  const booting = [w(3, 3, { generation: 1 }), w(4, 4, { generation: 1, booted: false })];
  assertEquals(replacementPlan([...old, ...booting], 1, 2, 5000, 9000), []);
  const booted = [w(3, 3, { generation: 1 }), w(4, 4, { generation: 1 })];
  assertEquals(replacementPlan([...old, ...booted], 1, 2, 5000, 9000), [1, 2]);
});

Deno.test("replacementPlan() keeps the old generation while none of the new one exists", () => {
  assertEquals(replacementPlan([w(1, 1), w(2, 2)], 1, 2, 5000, 9000), []);
  assertEquals(replacementPlan([w(1, 1)], 1, 0, 5000, 9000), [1], "unless none is wanted");
});

Deno.test("replacementPlan() retires the old generation at the deadline even if new ones hang", () => {
  const ws = [w(1, 1), w(3, 3, { generation: 1, booted: false })];
  assertEquals(replacementPlan(ws, 1, 1, 9000, 9000), [1]);
});

Deno.test("replacementPlan() leaves retiring and current workers alone", () => {
  assertEquals(
    replacementPlan([w(1, 1, { retiring: true }), w(2, 2, { generation: 1 })], 1, 1, 0, 1),
    [],
  );
  assertEquals(replacementPlan([w(1, 1), w(2, 2)], 0, 2, 0, 0), []);
});

Deno.test("ttouTarget() removes one worker but never the last", () => {
  assertEquals(ttouTarget(3), 2);
  assertEquals(ttouTarget(1), 1);
  assertEquals(ttouTarget(0), 0);
});

Deno.test("overduePlan() kills retired workers once --graceful-timeout has passed, once", () => {
  const retired = (pid: number, at: number, killed = false) =>
    w(pid, pid, { retiring: true, retiredAt: at, killed });
  const ws = [retired(1, 0), retired(2, 4000), retired(3, 0, true), w(4, 4)];
  assertEquals(overduePlan(ws, 5000, 5), [1]);
  assertEquals(overduePlan(ws, 9000, 5), [1, 2]);
  assertEquals(overduePlan([retired(5, 100)], 100, 0), [5], "0 means at once");
});

Deno.test("spawnBackoff() doubles from 1 s up to 30 s and is 0 without failures", () => {
  assertEquals([0, 1, 2, 3, 4, 5, 6, 7, 20].map(spawnBackoff), [0, 1, 2, 4, 8, 16, 30, 30, 30]);
});

Deno.test("failedLoadPlan() keeps the workers that loaded and retires those still booting", () => {
  const ws = [
    w(1, 1),
    w(2, 2, { retiring: true }),
    w(3, 3, { generation: 1, booted: false }),
    w(4, 4, { generation: 1 }),
  ];
  assertEquals(failedLoadPlan(ws), { keep: [1, 4], retire: [3] });
  assertEquals(failedLoadPlan([w(5, 5, { booted: false })]), { keep: [], retire: [5] });
});

Deno.test("maxWorkers() allows 16 per CPU, or the configured --workers when more", () => {
  assertEquals(maxWorkers(2, 4), 32);
  assertEquals(maxWorkers(2, 40), 40);
  assertEquals(maxWorkers(0, 1), 16);
});
