import { assertEquals } from "../_assert.ts";
import {
  describeExit,
  murderPlan,
  retirePlan,
  spawnCount,
  type WorkerState,
} from "../../lib/arbiter/plan.ts";

const w = (pid: number, age: number, extra: Partial<WorkerState> = {}): WorkerState => ({
  pid,
  age,
  lastBeat: 1000,
  aborted: false,
  retiring: false,
  ...extra,
});

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

Deno.test("describeExit() words exits the way gunicorn does", () => {
  assertEquals(describeExit(7, 0, null), null);
  assertEquals(describeExit(7, 1, null), "Worker (pid:7) exited with code 1.");
  assertEquals(
    describeExit(7, 137, "SIGKILL"),
    "Worker (pid:7) was sent SIGKILL! Perhaps out of memory?",
  );
  assertEquals(describeExit(7, 143, "SIGTERM"), "Worker (pid:7) was sent SIGTERM!");
});
