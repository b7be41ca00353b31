/**
 * @module The targets a run is held to, checked against its figures: each scenario's ratio
 * targets (req/s at least, p99 at most) and the memory target (worker RSS at most a ratio of a
 * bare `Deno.serve` process), as one line each and as the report's table. Pure functions.
 */

import { median, type RssRow, type ScenarioResult, summarize } from "./report.ts";

/** One target with its outcome; `measured` is null when a side has no figures. */
export interface TargetCheck {
  /** The scenario (or `memory`) the figures come from. */
  scenario: string;
  /** What is asked, e.g. `denocorn sync req/s ≥ 1.20x gunicorn sync`. */
  goal: string;
  ratio: number;
  measured: number | null;
  met: boolean | null;
}

/** The memory target: these peers' median worker RSS at most `ratio` × the baseline's. */
export interface RssTarget {
  peers: readonly string[];
  ratio: number;
}

/** Two decimals unless rounding would make a miss look like the target itself. */
function shown(got: number, want: number): string {
  return got.toFixed(Math.abs(got - want) < 0.005 ? 3 : 2);
}

/** Checks every target of one scenario. */
export function checkTargets(s: ScenarioResult): TargetCheck[] {
  return s.targets.map((t) => {
    const a = s.runs.find((r) => r.name === t.peer);
    const b = s.runs.find((r) => r.name === t.against);
    const la = a?.label ?? t.peer;
    const lb = b?.label ?? t.against;
    const goal = t.metric === "rps"
      ? `${la} req/s ≥ ${t.ratio.toFixed(2)}x ${lb}`
      : `${la} p99 ≤ ${t.ratio.toFixed(2)}x ${lb}`;
    const sa = a === undefined ? null : summarize(a);
    const sb = b === undefined ? null : summarize(b);
    const base = sb === null ? 0 : t.metric === "rps" ? sb.rpsMedian : sb.p99Ms;
    if (sa === null || sb === null || base === 0) {
      return { scenario: s.name, goal, ratio: t.ratio, measured: null, met: null };
    }
    const got = (t.metric === "rps" ? sa.rpsMedian : sa.p99Ms) / base;
    const met = t.metric === "rps" ? got >= t.ratio : got <= t.ratio;
    return { scenario: s.name, goal, ratio: t.ratio, measured: got, met };
  });
}

/** Checks the memory target for each of its peers. */
export function checkRssTargets(
  rows: readonly RssRow[],
  baseline: string,
  target: RssTarget,
): TargetCheck[] {
  const base = rows.find((r) => r.name === baseline);
  const baseMed = base === undefined || base.workersKiB.length === 0 ? 0 : median(base.workersKiB);
  return target.peers.map((name) => {
    const row = rows.find((r) => r.name === name);
    const goal = `${row?.label ?? name} RSS per worker ≤ ${target.ratio.toFixed(2)}x ` +
      `${base?.label ?? baseline}`;
    if (row === undefined || row.workersKiB.length === 0 || baseMed === 0) {
      return { scenario: "memory", goal, ratio: target.ratio, measured: null, met: null };
    }
    const got = median(row.workersKiB) / baseMed;
    return {
      scenario: "memory",
      goal,
      ratio: target.ratio,
      measured: got,
      met: got <= target.ratio,
    };
  });
}

/** `- Target: goal: measured 1.02x, met.` */
export function targetLine(c: TargetCheck): string {
  if (c.measured === null) return `- Target: ${c.goal}: not measured in this run.`;
  return `- Target: ${c.goal}: measured ${shown(c.measured, c.ratio)}x, ` +
    `${c.met ? "met" : "NOT met"}.`;
}

/** Every target of the run in one markdown table. */
export function targetTable(checks: readonly TargetCheck[]): string {
  const rows = checks.map((c) => {
    const got = c.measured === null ? "not measured" : `${shown(c.measured, c.ratio)}x`;
    const met = c.met === null ? "—" : c.met ? "met" : "**NOT met**";
    return `| ${c.scenario} | ${c.goal} | ${got} | ${met} |`;
  });
  return ["| scenario | target | measured | |", "| --- | --- | ---: | --- |", ...rows].join("\n");
}
