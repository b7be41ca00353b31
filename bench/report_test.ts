import { strictEqual, throws } from "node:assert/strict";
import {
  median,
  type PeerRuns,
  ratio,
  rssTable,
  serverLine,
  summarize,
  summaryTable,
} from "./report.ts";
import type { WrkResult } from "./wrk.ts";

function sample(rps: number, p99Ms = 2, readErrors = 0): WrkResult {
  return {
    requestsPerSec: rps,
    requests: rps * 5,
    durationSec: 5,
    latency: { avgMs: 1, maxMs: 9, p50Ms: 1, p75Ms: 1.5, p90Ms: 1.8, p99Ms },
    non2xx: 0,
    socketErrors: { connect: 0, read: readErrors, write: 0, timeout: 0 },
  };
}

Deno.test("median of odd and even lists, unsorted input", () => {
  strictEqual(median([3, 1, 2]), 2);
  strictEqual(median([4, 1, 3, 2]), 2.5);
  throws(() => median([]), RangeError);
});

Deno.test("summarize takes medians, ranges and error totals", () => {
  const s = summarize({
    name: "a",
    label: "A",
    samples: [sample(100, 3, 1), sample(300, 1), sample(200, 2, 2)],
    failures: [],
  })!;
  strictEqual(s.rpsMedian, 200);
  strictEqual(s.rpsMin, 100);
  strictEqual(s.rpsMax, 300);
  strictEqual(s.p99Ms, 2);
  strictEqual(s.socketErrors, 3);
  strictEqual(summarize({ name: "b", label: "B", samples: [], failures: ["x"] }), null);
});

Deno.test("ratios against the baseline, and no number for a peer without samples", () => {
  const runs: PeerRuns[] = [
    { name: "fast", label: "fast", samples: [sample(250)], failures: [] },
    { name: "base", label: "base", samples: [sample(100)], failures: [] },
    { name: "gone", label: "gone", samples: [], failures: [], skipped: "`x` not found" },
  ];
  strictEqual(ratio(summarize(runs[0]!), summarize(runs[1]!)), "2.50x");
  strictEqual(ratio(summarize(runs[2]!), summarize(runs[1]!)), "n/a");
  const t = summaryTable(runs, "base");
  strictEqual(t.includes("| fast | 250 | 250–250 |"), true);
  strictEqual(t.includes("| 2.50x |"), true);
  strictEqual(t.includes("| gone | skipped: `x` not found | — |"), true);
});

Deno.test("rssTable compares median worker RSS with the baseline", () => {
  const t = rssTable([
    { name: "d", label: "denocorn", workersKiB: [60 * 1024, 62 * 1024], totalKiB: 180 * 1024 },
    { name: "b", label: "bare", workersKiB: [50 * 1024, 50 * 1024], totalKiB: 100 * 1024 },
  ], "b");
  strictEqual(t.includes("| denocorn | 2 | 61.0 MiB | 180.0 MiB | 1.22x |"), true);
});

Deno.test("serverLine() gives a server's command and, if it serves HTTPS, what that adds", () => {
  strictEqual(serverLine({ label: "a", command: "a -p {port}" }), "- a: `a -p {port}`");
  strictEqual(
    serverLine({ label: "b", command: "b", https: "--cert {certfile}" }),
    "- b: `b`; over HTTPS: `--cert {certfile}`",
  );
});
