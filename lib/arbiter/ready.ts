/**
 * @module When the `when_ready` hook runs: once, at the first moment every worker of the first
 * start has booted (written its first heartbeat: its app is loaded). gunicorn runs it as soon as
 * the arbiter has started, before any worker exists; denocorn waits until the server can answer.
 * If some workers never boot (they crash, or their app fails to load while others serve), it runs
 * anyway once at least one has booted and the grace time has passed, with a warning; while none
 * has booted it waits (a server whose app never loads stops without having been ready).
 */

/** What to do about `when_ready` now: keep waiting, run it, or run it with a warning. */
export type ReadyStep = "wait" | "run" | "run late";

/**
 * Decides on `when_ready`: `booted` workers are serving, `wanted` are asked for (`--workers`, or
 * fewer when TTOU or `ctl scale` lowered the number meanwhile; at least one), `now` and
 * `deadline` in ms since the epoch.
 *
 * @example
 * ```ts
 * import { readyStep } from "./ready.ts";
 * if (readyStep(1, 2, 0, 10_000) !== "wait") throw new Error("one of two is not ready");
 * if (readyStep(2, 2, 0, 10_000) !== "run") throw new Error("both booted");
 * if (readyStep(1, 2, 10_000, 10_000) !== "run late") throw new Error("the other never boots");
 * ```
 */
export function readyStep(
  booted: number,
  wanted: number,
  now: number,
  deadline: number,
): ReadyStep {
  if (booted >= Math.max(1, wanted)) return "run";
  return booted > 0 && now >= deadline ? "run late" : "wait";
}

/** Seconds the first workers get to boot before `when_ready` runs without the late ones. */
export function readyGraceSeconds(timeout: number): number {
  return Math.max(10, timeout);
}
