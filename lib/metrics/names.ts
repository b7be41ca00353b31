/**
 * @module What the metrics share between worker and arbiter: the restart reasons, the methods
 * counted by name, and the default latency buckets (--metrics-buckets).
 */

/** Why a worker was started: the `reason` label of `denocorn_worker_starts_total`. */
export const RESTART_REASONS = [
  "boot",
  "timeout",
  "max-requests",
  "memory",
  "crash",
  "reload",
] as const;

/** One restart reason. */
export type RestartReason = typeof RESTART_REASONS[number];

/** Methods counted by name; any other is counted as `other` (series cannot explode). */
export const METHODS = [
  "GET",
  "HEAD",
  "POST",
  "PUT",
  "DELETE",
  "PATCH",
  "OPTIONS",
  "CONNECT",
  "TRACE",
  "other",
] as const;

/** The default upper bounds of the request duration histogram, in seconds (prometheus_client's). */
export const DEFAULT_BUCKETS: readonly number[] = [
  0.005,
  0.01,
  0.025,
  0.05,
  0.075,
  0.1,
  0.25,
  0.5,
  0.75,
  1,
  2.5,
  5,
  7.5,
  10,
];

/**
 * Parses --metrics-bucket's comma-separated upper bounds (seconds, increasing, positive).
 *
 * @example
 * ```ts
 * import { parseBuckets } from "./names.ts";
 * console.assert(parseBuckets("0.1,1").length === 2);
 * ```
 */
export function parseBuckets(text: string): number[] {
  const parts = text.split(",").map((p) => p.trim());
  const n = parts.map((p) => /^\d+(\.\d+)?$/.test(p) ? Number(p) : NaN);
  const ok = n.length > 0 && n.length <= 64 &&
    n.every((x, i) => x > 0 && Number.isFinite(x) && (i === 0 || x > n[i - 1]!));
  if (!ok) {
    throw new RangeError(
      `Cannot use --metrics-buckets "${text}": expected increasing positive seconds, ` +
        "comma-separated, e.g. 0.01,0.1,1",
    );
  }
  return n;
}
