import { strictEqual } from "node:assert/strict";
import type { PeerRuns } from "./report.ts";
import { checkRssTargets, checkTargets, targetLine, targetTable } from "./targets.ts";
import type { WrkResult } from "./wrk.ts";

function sample(rps: number, p99Ms: number): WrkResult {
  return {
    requestsPerSec: rps,
    requests: rps * 5,
    durationSec: 5,
    latency: { avgMs: 1, maxMs: 9, p50Ms: 1, p75Ms: 1.5, p90Ms: 1.8, p99Ms },
    non2xx: 0,
    socketErrors: { connect: 0, read: 0, write: 0, timeout: 0 },
  };
}

Deno.test("checkTargets() holds req/s targets as at-least and p99 targets as at-most", () => {
  const runs: PeerRuns[] = [
    { name: "a", label: "A", samples: [sample(300, 4)], failures: [] },
    { name: "b", label: "B", samples: [sample(100, 10)], failures: [] },
  ];
  const lines = checkTargets({
    name: "s",
    driver: "wrk",
    description: "",
    wrkCommand: "",
    apps: [],
    runs,
    targets: [
      { peer: "a", against: "b", ratio: 2.5, metric: "rps" },
      { peer: "a", against: "b", ratio: 0.5, metric: "p99" },
      { peer: "a", against: "b", ratio: 0.3, metric: "p99" },
      { peer: "a", against: "zzz", ratio: 1, metric: "rps" },
      { peer: "a", against: "b", ratio: 3.001, metric: "rps" },
    ],
  }).map(targetLine);
  strictEqual(lines[0], "- Target: A req/s ≥ 2.50x B: measured 3.00x, met.");
  strictEqual(lines[1], "- Target: A p99 ≤ 0.50x B: measured 0.40x, met.");
  strictEqual(lines[2], "- Target: A p99 ≤ 0.30x B: measured 0.40x, NOT met.");
  strictEqual(lines[3], "- Target: A req/s ≥ 1.00x zzz: not measured in this run.");
  strictEqual(lines[4], "- Target: A req/s ≥ 3.00x B: measured 3.000x, NOT met.");
});

Deno.test("checkRssTargets() compares each peer's median worker RSS with the baseline's", () => {
  const rows = [
    { name: "d", label: "denocorn", workersKiB: [60 * 1024, 62 * 1024], totalKiB: 0 },
    { name: "e", label: "fat", workersKiB: [70 * 1024], totalKiB: 0 },
    { name: "b", label: "bare", workersKiB: [50 * 1024, 50 * 1024], totalKiB: 0 },
  ];
  const checks = checkRssTargets(rows, "b", { peers: ["d", "e", "gone"], ratio: 1.2 });
  strictEqual(checks.map((c) => c.met).join(), "false,false,");
  strictEqual(
    targetLine(checks[0]!),
    "- Target: denocorn RSS per worker ≤ 1.20x bare: measured 1.22x, NOT met.",
  );
  strictEqual(checks[1]!.measured, 1.4);
  strictEqual(
    targetLine(checks[2]!),
    "- Target: gone RSS per worker ≤ 1.20x bare: not measured in this run.",
  );
});

Deno.test("targetTable() lists every target with its scenario, figure and outcome", () => {
  const t = targetTable([
    { scenario: "hello", goal: "A req/s ≥ 1.00x B", ratio: 1, measured: 1.5, met: true },
    { scenario: "memory", goal: "A RSS ≤ 1.20x B", ratio: 1.2, measured: 1.3, met: false },
    { scenario: "post", goal: "A req/s ≥ 1.00x C", ratio: 1, measured: null, met: null },
  ]);
  strictEqual(t.split("\n").length, 5);
  strictEqual(t.includes("| hello | A req/s ≥ 1.00x B | 1.50x | met |"), true);
  strictEqual(t.includes("| memory | A RSS ≤ 1.20x B | 1.30x | **NOT met** |"), true);
  strictEqual(t.includes("| post | A req/s ≥ 1.00x C | not measured | — |"), true);
});
