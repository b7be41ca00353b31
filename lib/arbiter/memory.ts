/**
 * @module --max-worker-memory: the arbiter reads each worker's resident memory (RSS) from
 * /proc/PID/status itself, so nothing is asked of the worker or the app, and decides with pure
 * functions which workers outgrew their limit and which of those to retire. A worker that
 * outgrew it is replaced the graceful way: its replacement is spawned at once and the outgrown
 * worker is retired (TERM: it drains within --graceful-timeout, every response saying
 * `Connection: close`) only once the replacement has booted, so the server never serves with
 * fewer workers, and a replacement that fails to boot leaves the old worker serving.
 */

import type { Settings } from "../config/mod.ts";
import type { WorkerState } from "./plan.ts";

/** Bytes in a MiB, the unit of --max-worker-memory and its jitter. */
export const MIB = 2 ** 20;

/** The restart reason of a worker replaced for its memory (the restarts metric's label). */
export const MEMORY_REASON = "memory";

/** What the memory check adds to the arbiter's view of a worker. */
export interface MemoryState extends WorkerState {
  /** Its RSS limit in bytes: --max-worker-memory plus its own jitter, drawn at its first check. */
  memoryLimit?: number;
  /** Set once its RSS passed `memoryLimit`: its replacement boots, then it is retired. */
  outgrown?: boolean;
}

/** A worker found over its limit: what the log line says of it. */
export interface Outgrown {
  pid: number;
  /** Its RSS, in bytes. */
  rss: number;
  /** Its limit with jitter, in bytes. */
  limit: number;
}

/** --max-worker-memory and --max-worker-memory-jitter, in MiB. */
export interface MemoryLimits {
  /** The limit every worker gets. */
  limitMiB: number;
  /** The most each worker's limit is raised by, at random (0: none). */
  jitterMiB: number;
}

/** The limits the settings give, or null when --max-worker-memory is off. */
export function memoryLimits(s: Settings): MemoryLimits | null {
  if (s.max_worker_memory === null) return null;
  return { limitMiB: s.max_worker_memory, jitterMiB: s.max_worker_memory_jitter };
}

/**
 * One worker's limit in bytes: `limitMiB` plus a whole number of MiB from 0 to `jitterMiB`
 * (as --max-requests-jitter does for requests), so that workers leaking alike pass their limits
 * at different times and are not replaced together.
 *
 * @example
 * ```ts
 * import { MIB, workerLimit } from "./memory.ts";
 * if (workerLimit({ limitMiB: 512, jitterMiB: 64 }, () => 0.5) !== 544 * MIB) throw new Error();
 * ```
 */
export function workerLimit(limits: MemoryLimits, random: () => number = Math.random): number {
  const jitter = Math.floor(random() * (limits.jitterMiB + 1));
  return (limits.limitMiB + Math.min(jitter, limits.jitterMiB)) * MIB;
}

/**
 * The workers of `generation` whose RSS (`rssOf`, null when unknown) passed their limit and that
 * are not yet being replaced: booted, not retiring (a worker already retired by HUP, TTOU or its
 * own --max-requests is not retired twice), not already outgrown (one replacement per worker at
 * a time). A worker still booting is left alone: its memory is not yet the app's steady state.
 * Draws the limit of each worker seen for the first time (mutating `memoryLimit`).
 */
export function outgrownPlan(
  workers: Iterable<MemoryState>,
  generation: number,
  limits: MemoryLimits,
  rssOf: (pid: number) => number | null,
  random: () => number = Math.random,
): Outgrown[] {
  const out: Outgrown[] = [];
  for (const w of workers) {
    if (!w.booted || w.retiring || w.outgrown || w.generation !== generation) continue;
    const limit = w.memoryLimit ??= workerLimit(limits, random);
    const rss = rssOf(w.pid);
    if (rss !== null && rss > limit) out.push({ pid: w.pid, rss, limit });
  }
  return out;
}

/**
 * Which outgrown workers of `generation` to retire now, oldest first: as many as leave `target`
 * workers serving, counting the booted replacements. With none of them booted yet, none is
 * retired; so a replacement that cannot boot leaves the outgrown worker serving.
 */
export function outgrownRetirePlan(
  workers: Iterable<MemoryState>,
  generation: number,
  target: number,
): number[] {
  const serving = [...workers].filter((w) => w.generation === generation && !w.retiring);
  const outgrown = serving.filter((w) => w.outgrown).sort((a, b) => a.age - b.age);
  const fresh = serving.filter((w) => !w.outgrown && w.booted).length;
  const extra = Math.min(outgrown.length, fresh + outgrown.length - target);
  return outgrown.slice(0, Math.max(0, extra)).map((w) => w.pid);
}

/** What one memory check found and what the arbiter does about it. */
export interface MemoryStep {
  /** Workers found over their limit now (marked `outgrown`): log each, spawn its replacement. */
  found: Outgrown[];
  /** Outgrown workers whose replacements have booted: retire them (reason "memory"). */
  retire: number[];
}

/**
 * One check of every worker (each supervision turn): marks the workers of `generation` found
 * over their limit as `outgrown` (the arbiter then counts them out, so their replacements are
 * spawned) and says which outgrown workers to retire. With `limits` null (the setting is off,
 * or a reload turned it off) no worker is marked, but those already marked still retire.
 */
export function memoryStep(
  workers: MemoryState[],
  at: { generation: number; target: number; limits: MemoryLimits | null },
  rssOf: (pid: number) => number | null,
  random: () => number = Math.random,
): MemoryStep {
  const found = at.limits === null
    ? []
    : outgrownPlan(workers, at.generation, at.limits, rssOf, random);
  for (const o of found) workers.find((w) => w.pid === o.pid)!.outgrown = true;
  return { found, retire: outgrownRetirePlan(workers, at.generation, at.target) };
}

/** The RSS in bytes from the text of /proc/PID/status (its `VmRSS:` line), or null without one. */
export function parseVmRss(status: string): number | null {
  const m = /^VmRSS:\s*(\d+) kB$/m.exec(status);
  return m === null ? null : Number(m[1]) * 1024;
}

/**
 * The RSS of process `pid` in bytes, from /proc/PID/status; null when it cannot be read (the
 * process is gone, or no Linux /proc). About 6 µs per worker (measured on Linux 6, 2 cores).
 */
export function readRss(pid: number): number | null {
  try {
    return parseVmRss(Deno.readTextFileSync(`/proc/${pid}/status`));
  } catch {
    return null;
  }
}

/** The log line of a worker found over its limit: its pid, its RSS and its limit, in MiB. */
export function outgrownMessage(o: Outgrown, limits: MemoryLimits): string {
  const limit = o.limit / MIB;
  const jitter = limit - limits.limitMiB;
  const why = jitter > 0
    ? `--max-worker-memory ${limits.limitMiB}, plus ${jitter} of jitter`
    : "--max-worker-memory";
  return `Worker (pid:${o.pid}) uses ${(o.rss / MIB).toFixed(1)} MiB of memory (RSS), over its ` +
    `limit of ${limit} MiB (${why}): booting its replacement, then retiring it gracefully`;
}
