/** @module The arbiter's decisions as pure functions over its worker table (tested without processes). */

/** What the arbiter knows of one worker. */
export interface WorkerState {
  pid: number;
  /** Spawn order: a larger age is a younger worker. */
  age: number;
  /** The reload (HUP) count when it was spawned: workers of older generations are replaced. */
  generation: number;
  /** Last heartbeat, in ms since the epoch. */
  lastBeat: number;
  /** True once the worker has written its first heartbeat (its app is loaded). */
  booted: boolean;
  /** Set once SIGABRT was sent for a timeout; the next check sends SIGKILL. */
  aborted: boolean;
  /** Set once the worker was asked to stop (retired by TTOU, reload, or max-requests). */
  retiring: boolean;
  /** When it was asked to stop (or said it was stopping), in ms since the epoch. */
  retiredAt: number | null;
  /** Set once SIGKILL was sent because it outlived --graceful-timeout after retiring. */
  killed: boolean;
}

/** A step the arbiter should take. */
export type Action =
  | { kind: "abort"; pid: number }
  | { kind: "kill"; pid: number };

/** Workers silent for longer than `timeoutS` get SIGABRT, then SIGKILL on the next check. */
export function murderPlan(
  workers: Iterable<WorkerState>,
  now: number,
  timeoutS: number,
): Action[] {
  if (timeoutS <= 0) return [];
  const out: Action[] = [];
  for (const w of workers) {
    if (now - w.lastBeat <= timeoutS * 1000) continue;
    out.push({ kind: w.aborted ? "kill" : "abort", pid: w.pid });
  }
  return out;
}

/** How many workers to spawn so that `target` are serving (retiring ones do not count). */
export function spawnCount(workers: Iterable<WorkerState>, target: number): number {
  let serving = 0;
  for (const w of workers) if (!w.retiring) serving++;
  return Math.max(0, target - serving);
}

/** Which serving workers to retire, oldest first, when more than `target` are serving. */
export function retirePlan(workers: Iterable<WorkerState>, target: number): number[] {
  const serving = [...workers].filter((w) => !w.retiring).sort((a, b) => a.age - b.age);
  return serving.slice(0, Math.max(0, serving.length - target)).map((w) => w.pid);
}

/**
 * HUP replaces workers of older generations by `target` workers of `generation`: the old ones are
 * retired at once when `target` new ones have booted, or when `deadline` has passed; until then
 * none (so a new generation that cannot load leaves the old one serving).
 */
export function replacementPlan(
  workers: Iterable<WorkerState>,
  generation: number,
  target: number,
  now: number,
  deadline: number,
): number[] {
  const serving = [...workers].filter((w) => !w.retiring);
  const old = serving.filter((w) => w.generation < generation);
  if (old.length === 0) return [];
  const booted = serving.filter((w) => w.generation === generation && w.booted).length;
  return booted >= target || now >= deadline ? old.map((w) => w.pid) : [];
}

/** TTOU: one worker fewer, never below one (`ctl scale` has the same floor; WINCH stops them all). */
export function ttouTarget(current: number): number {
  return current > 1 ? current - 1 : current;
}

/**
 * Retired workers still running `gracefulS` seconds after they were asked to stop (by HUP, TTOU,
 * `ctl scale`, or their own --max-requests): SIGKILL, as on TERM.
 */
export function overduePlan(
  workers: Iterable<WorkerState>,
  now: number,
  gracefulS: number,
): number[] {
  const out: number[] = [];
  for (const w of workers) {
    if (!w.retiring || w.killed || w.retiredAt === null) continue;
    if (now - w.retiredAt >= gracefulS * 1000) out.push(w.pid);
  }
  return out;
}

/** Seconds to wait before trying again after `failures` failed spawns in a row: 1, 2, 4 … 30. */
export function spawnBackoff(failures: number): number {
  return failures <= 0 ? 0 : Math.min(30, 2 ** (failures - 1));
}

/**
 * The most workers TTIN or `ctl scale` may ask for: 16 per CPU, or the configured --workers if
 * that is more (a bound against a typo or a runaway script forking the machine to death).
 */
export function maxWorkers(cpus: number, configured: number): number {
  return Math.max(16 * Math.max(1, cpus), configured);
}

/**
 * A worker of `generation` could not load the app: the workers that booted (of any generation)
 * keep serving and join `generation`, so no replacement retires them; the workers still booting
 * would fail the same way and are retired.
 */
export function failedLoadPlan(
  workers: Iterable<WorkerState>,
): { keep: number[]; retire: number[] } {
  const serving = [...workers].filter((w) => !w.retiring);
  return {
    keep: serving.filter((w) => w.booted).map((w) => w.pid),
    retire: serving.filter((w) => !w.booted).map((w) => w.pid),
  };
}
