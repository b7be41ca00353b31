import { assertEquals, assertMatch, assertThrows } from "../_assert.ts";
import {
  CTL_COMMANDS,
  ctlCommand,
  type CtlTarget,
  formatWorkers,
  type WorkerReport,
} from "../../lib/arbiter/commands.ts";

function target(): CtlTarget & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    status: () => ({ pid: 1 }),
    workers: () => [],
    stats: () => ({ "denocorn_workers": 1 }),
    reload: () => void calls.push("reload"),
    reopen: () => void calls.push("reopen"),
    scale: (n) => void calls.push(`scale ${n}`),
    maxWorkers: () => 8,
  };
}

Deno.test("ctlCommand() runs each command of the table against the target", () => {
  const t = target();
  assertEquals(ctlCommand("status", [], t), { pid: 1 });
  assertEquals(ctlCommand("workers", [], t), []);
  assertEquals(ctlCommand("reload", [], t), "reloading");
  assertEquals(ctlCommand("scale", ["3"], t), "scaling to 3");
  assertEquals(t.calls, ["reload", "scale 3"]);
});

Deno.test("ctlCommand() refuses a scale that is not a whole number up to the maximum", () => {
  const t = target();
  assertEquals(ctlCommand("scale", ["8"], t), "scaling to 8");
  const e = assertThrows(() => ctlCommand("scale", ["9"], t), RangeError);
  assertEquals(e.message, 'Cannot scale to "9": expected a number from 1 to 8');
  t.calls.length = 0;
  for (const bad of [[], ["-1"], ["two"], ["1.5"], ["1e9"], ["00"]]) {
    assertThrows(() => ctlCommand("scale", bad, t), RangeError, "Cannot scale to");
  }
  assertEquals(t.calls, []);
});

Deno.test("ctlCommand() refuses scale 0, as TTOU stops at one worker", () => {
  const t = target();
  const e = assertThrows(() => ctlCommand("scale", ["0"], t), RangeError);
  assertEquals(
    e.message,
    'Cannot scale to "0": expected a number from 1 to 8 (WINCH stops every worker)',
  );
  assertEquals(ctlCommand("scale", ["1"], t), "scaling to 1");
  assertEquals(t.calls, ["scale 1"]);
});

Deno.test("ctlCommand() names every command when it does not know one", () => {
  const e = assertThrows(() => ctlCommand("explode", [], target()));
  assertEquals(
    e.message,
    'Unknown command "explode": expected status, workers, stats, reload, reopen or scale N',
  );
  assertThrows(() => ctlCommand("toString", [], target()), Error, "Unknown command");
  assertEquals(Object.keys(CTL_COMMANDS), [
    "status",
    "workers",
    "stats",
    "reload",
    "reopen",
    "scale",
  ]);
});

Deno.test("formatWorkers() prints one aligned row per worker under a header", () => {
  const ws: WorkerReport[] = [
    { pid: 101, age: 1, uptime: 62.4, requests: 1500, active: 3, state: "serving" },
    { pid: 7, age: 12, uptime: 0.2, requests: 0, active: 0, state: "booting" },
  ];
  const lines = formatWorkers(ws).split("\n");
  assertEquals(lines.length, 3);
  assertMatch(lines[0]!, /^PID\s+AGE\s+UPTIME\s+REQUESTS\s+ACTIVE\s+STATE$/);
  assertMatch(lines[1]!, /^101\s+1\s+62s\s+1500\s+3\s+serving$/);
  assertEquals(lines[1]!.indexOf("1500"), lines[0]!.indexOf("REQUESTS"));
});
