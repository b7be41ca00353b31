/**
 * @module Turns wrk samples into the report: per server median req/s with min–max, median
 * p50/p99, error totals, ratios to the baseline and to each other, as markdown. Pure functions.
 */

import type { Target } from "./scenarios.ts";
import { type TargetCheck, targetLine, targetTable } from "./targets.ts";
import type { WrkResult } from "./wrk.ts";
import { socketErrorCount } from "./wrk.ts";

/** Median of a non-empty list (mean of the two middle values for an even count). */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) throw new RangeError("median of an empty list");
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Everything measured for one server in one scenario. */
export interface PeerRuns {
  name: string;
  label: string;
  samples: WrkResult[];
  /** Why a round produced no sample (start failure, wrk failure), one entry per failed round. */
  failures: string[];
  /** Set when the peer was not run at all (missing program); shown instead of numbers. */
  skipped?: string;
}

/** The figures of one server that the table shows. */
export interface PeerSummary {
  name: string;
  label: string;
  rounds: number;
  rpsMedian: number;
  rpsMin: number;
  rpsMax: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  non2xx: number;
  socketErrors: number;
}

/** Summarises a peer's samples; null when it has none. */
export function summarize(runs: PeerRuns): PeerSummary | null {
  const s = runs.samples;
  if (s.length === 0) return null;
  const rps = s.map((r) => r.requestsPerSec);
  return {
    name: runs.name,
    label: runs.label,
    rounds: s.length,
    rpsMedian: median(rps),
    rpsMin: Math.min(...rps),
    rpsMax: Math.max(...rps),
    p50Ms: median(s.map((r) => r.latency.p50Ms)),
    p99Ms: median(s.map((r) => r.latency.p99Ms)),
    requests: s.reduce((a, r) => a + r.requests, 0),
    non2xx: s.reduce((a, r) => a + r.non2xx, 0),
    socketErrors: s.reduce((a, r) => a + socketErrorCount(r.socketErrors), 0),
  };
}

/** a / b of the median req/s, as `2.53x`; `n/a` when either is missing. */
export function ratio(a: PeerSummary | null, b: PeerSummary | null): string {
  if (a === null || b === null || b.rpsMedian === 0) return "n/a";
  return `${(a.rpsMedian / b.rpsMedian).toFixed(2)}x`;
}

function fmtRps(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}

function fmtMs(ms: number): string {
  return ms < 1 ? `${(ms * 1000).toFixed(0)} µs` : `${ms.toFixed(2)} ms`;
}

function table(head: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
  const align = head.map((_, i) => (i === 0 ? "---" : "---:"));
  return [line(head), line(align), ...rows.map(line)].join("\n");
}

/** The main table: one row per server. */
export function summaryTable(all: readonly PeerRuns[], baseline: string): string {
  const sums = new Map(all.map((r) => [r.name, summarize(r)]));
  const base = sums.get(baseline) ?? null;
  const baseLabel = all.find((r) => r.name === baseline)?.label ?? baseline;
  const rows = all.map((r) => {
    const s = sums.get(r.name) ?? null;
    if (s === null) {
      const why = r.skipped !== undefined
        ? `skipped: ${r.skipped}`
        : r.failures.length > 0
        ? "failed (see below)"
        : "not run";
      return [r.label, why, "—", "—", "—", "—", `0 (${r.failures.length} failed)`, "n/a"];
    }
    const failed = r.failures.length > 0 ? ` (${r.failures.length} failed)` : "";
    return [
      r.label,
      fmtRps(s.rpsMedian),
      `${fmtRps(s.rpsMin)}–${fmtRps(s.rpsMax)}`,
      fmtMs(s.p50Ms),
      fmtMs(s.p99Ms),
      `${s.non2xx} / ${s.socketErrors}`,
      `${s.rounds}${failed}`,
      ratio(s, base),
    ];
  });
  return table(
    [
      "server",
      "req/s (median)",
      "req/s min–max",
      "p50",
      "p99",
      "non-2xx / socket errors",
      "rounds",
      `vs ${baseLabel}`,
    ],
    rows,
  );
}

/** Ratio matrix: the cell in row R, column C is median req/s of R divided by that of C. */
export function ratioMatrix(all: readonly PeerRuns[]): string {
  const sums = all.map((r) => summarize(r));
  const rows = all.map((r, i) => [r.label, ...sums.map((c) => ratio(sums[i]!, c))]);
  return table(["row ÷ column", ...all.map((r) => r.label)], rows);
}

function firstLine(s: string): string {
  return s.split("\n")[0] ?? "";
}

/** Machine facts recorded with the figures. */
export interface MachineFacts {
  date: string;
  cpu: string;
  nproc: number;
  kernel: string;
  deno: string;
  gunicorn: string;
  python: string;
  wrk: string;
  net: string;
}

/** One scenario's measurements. */
export interface ScenarioResult {
  name: string;
  /** `open-loop` results answer at the arrival rate: their req/s ratios say nothing. */
  driver: "wrk" | "mixed" | "open-loop";
  description: string;
  wrkCommand: string;
  /** Which app each server ran, e.g. `denocorn sync: bench/apps/hello.ts:app`. */
  apps: string[];
  targets: readonly Target[];
  runs: PeerRuns[];
}

/** Resident memory per worker process, measured after a short keep-alive load. */
export interface RssRow {
  name: string;
  label: string;
  /** RSS of each worker process in KiB (for single-process peers: each process). */
  workersKiB: number[];
  /** Everything the server runs, arbiter or primary included. */
  totalKiB: number;
}

/** The RSS table, with each server's median worker RSS relative to `baseline`'s. */
export function rssTable(rows: readonly RssRow[], baseline: string): string {
  const base = rows.find((r) => r.name === baseline);
  const baseMed = base === undefined || base.workersKiB.length === 0 ? 0 : median(base.workersKiB);
  return table(
    [
      "server",
      "workers",
      "RSS per worker (median)",
      "all processes",
      `vs ${base?.label ?? baseline}`,
    ],
    rows.map((r) => {
      const med = r.workersKiB.length === 0 ? 0 : median(r.workersKiB);
      return [
        r.label,
        String(r.workersKiB.length),
        `${(med / 1024).toFixed(1)} MiB`,
        `${(r.totalKiB / 1024).toFixed(1)} MiB`,
        baseMed === 0 ? "n/a" : `${(med / baseMed).toFixed(2)}x`,
      ];
    }),
  );
}

/** How a server is run, for the docs: its command line and, if it serves HTTPS, how. */
export interface ServerCommand {
  label: string;
  command: string;
  /** What it adds to serve HTTPS (the HTTPS scenarios); absent when it sits them out. */
  https?: string;
}

/** One line of the docs' server list. */
export function serverLine(p: ServerCommand): string {
  return `- ${p.label}: \`${p.command}\`` +
    (p.https === undefined ? "" : `; over HTTPS: \`${p.https}\``);
}

/** Everything `--write` puts in docs/benchmarks.md. */
export interface Report {
  facts: MachineFacts;
  command: string;
  rounds: number;
  durationSec: number;
  workers: number;
  peers: ServerCommand[];
  scenarios: ScenarioResult[];
  baseline: string;
  notes: string[];
  rss: RssRow[];
  rssBaseline: string;
  /** Every target checked (scenarios and memory), for the table at the top. */
  checks: TargetCheck[];
}

/** The scenario part, shared by stdout and the doc. */
export function scenarioSection(
  s: ScenarioResult,
  baseline: string,
  checks: readonly TargetCheck[],
): string {
  const failures = s.runs.flatMap((r) => r.failures.map((f) => `- ${r.label}: ${firstLine(f)}`));
  const targets = checks.filter((c) => c.scenario === s.name).map(targetLine);
  return [
    `### ${s.name}`,
    "",
    s.description,
    "",
    "```",
    s.wrkCommand,
    "```",
    "",
    ...(s.apps.length === 0 ? [] : [`Apps: ${s.apps.join("; ")}.`, ""]),
    summaryTable(s.runs, baseline),
    "",
    ...(targets.length === 0 ? [] : [...targets, ""]),
    ...(s.driver === "open-loop" ? [] : [ratioMatrix(s.runs)]),
    ...(failures.length > 0 ? ["", "Failed rounds:", "", ...failures] : []),
  ].join("\n");
}

/** The whole docs/benchmarks.md. */
export function markdown(r: Report): string {
  const f = r.facts;
  return [
    "# Benchmarks",
    "",
    "<!-- Generated by `deno task bench --write` (bench/run.ts). Edit bench/report.ts, not this file. -->",
    "",
    "denocorn against gunicorn, Deno's own servers, Node and nginx, on one machine, every server " +
    `with ${r.workers} worker processes on 127.0.0.1, measured with wrk on the same machine. ` +
    "Servers are interleaved across rounds (A B C, B C A, C A B, ...) so drift in the machine's " +
    "speed spreads over all of them; every measurement starts a fresh server on a fresh port, " +
    "warms it up with an unrecorded wrk run, then runs wrk. The table gives the median req/s of " +
    "the rounds with their range; p50/p99 are medians of the rounds' percentiles; errors are " +
    "totals over all rounds (wrk counts responses with status >= 400 as non-2xx). A server that " +
    "could not be started or measured shows why instead of a number.",
    "",
    "## Targets",
    "",
    "Every target of this run, met or not; the sections below give the figures behind them.",
    "",
    targetTable(r.checks),
    "",
    "## Result",
    "",
    "![median req/s of each server per scenario, relative to the fastest](benchmarks.svg)",
    "",
    ...r.scenarios.flatMap((s) => [scenarioSection(s, r.baseline, r.checks), ""]),
    ...(r.rss.length === 0 ? [] : [
      "### 7. Memory",
      "",
      "Resident memory (VmRSS) of each worker process after a 2 s keep-alive hello load.",
      "",
      rssTable(r.rss, r.rssBaseline),
      "",
      ...r.checks.filter((c) => c.scenario === "memory").map(targetLine),
      "",
    ]),
    ...(r.notes.length > 0 ? ["Notes:", "", ...r.notes.map((n) => `- ${n}`), ""] : []),
    "## Machine",
    "",
    `- date: ${f.date}`,
    `- CPU: ${f.cpu}, nproc ${f.nproc}`,
    `- kernel: ${f.kernel}`,
    `- ${f.deno}`,
    `- ${f.gunicorn}, ${f.python}`,
    `- ${f.wrk}`,
    `- ${f.net}`,
    "",
    "## Servers",
    "",
    ...r.peers.map(serverLine),
    "",
    "## Reproduce",
    "",
    "```sh",
    "apt-get install -y wrk gunicorn nginx   # the load generator and peers the harness drives",
    r.command,
    "```",
    "",
    `This run: ${r.rounds} rounds × ${r.durationSec} s per server. Flags: \`--rounds N\`, ` +
    "`--duration S`, `--warmup S`, `--workers N`, `--only name,name`, `--scenario name,name`, " +
    "`--write` (rewrite this file), `--help`. wrk and the servers share the machine's cores, so " +
    "absolute figures move between runs and machines; compare the ratios within one run.",
    "",
  ].join("\n");
}
