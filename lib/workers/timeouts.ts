/**
 * @module The per-connection deadlines every worker class enforces against slow clients, derived
 * once from the settings: whole head, body (with a minimum rate), blocked write, keep-alive idle.
 */

import type { Settings } from "../config/mod.ts";

/** Deadlines in milliseconds (Infinity where neither the setting nor `--timeout` sets one). */
export interface Timeouts {
  /** To receive a whole request head, from its first byte (from the accept for a new connection). */
  head: number;
  /** Grace for a request body, from its first read. */
  body: number;
  /** Bytes per second that extend the body deadline by one second each (0: none). */
  bodyRate: number;
  /** For a blocked write to make progress. */
  write: number;
  /** For the next request on a kept-alive connection (0: connections are not kept). */
  idle: number;
}

/** The settings a {@linkcode Timeouts} is derived from. */
export type TimeoutSettings = Pick<
  Settings,
  "timeout" | "keepalive" | "header_timeout" | "body_timeout" | "body_min_rate" | "write_timeout"
>;

/**
 * Converts the settings to deadlines: each slow-client deadline is capped at half of `--timeout`
 * (when set; a setting of 0 leaves only that cap), so a slow client is cut well before the
 * heartbeat deadline.
 *
 * @example
 * ```ts
 * import { timeoutsOf } from "./timeouts.ts";
 * const t = timeoutsOf({
 *   timeout: 8, keepalive: 2, header_timeout: 10, body_timeout: 0, body_min_rate: 500,
 *   write_timeout: 3,
 * });
 * console.assert(t.head === 4000 && t.body === 4000 && t.write === 3000 && t.idle === 2000);
 * ```
 */
export function timeoutsOf(s: TimeoutSettings): Timeouts {
  const cap = s.timeout > 0 ? s.timeout / 2 : Infinity;
  const ms = (seconds: number): number => Math.min(seconds > 0 ? seconds : Infinity, cap) * 1000;
  return {
    head: ms(s.header_timeout),
    body: ms(s.body_timeout),
    bodyRate: s.body_min_rate,
    write: ms(s.write_timeout),
    idle: s.keepalive * 1000,
  };
}

/**
 * When a body whose first read began at `start` times out, once `bytes` of it have arrived.
 *
 * @example
 * ```ts
 * import { bodyDeadline } from "./timeouts.ts";
 * const t = { head: 1, body: 10_000, bodyRate: 500, write: 1, idle: 1 };
 * console.assert(bodyDeadline(t, 0, 1000) === 12_000);
 * ```
 */
export function bodyDeadline(t: Timeouts, start: number, bytes: number): number {
  return start + t.body + (t.bodyRate > 0 ? (bytes / t.bodyRate) * 1000 : 0);
}

/**
 * How long one blocking socket call of the sync worker may wait before it looks at its deadlines
 * and refreshes the heartbeat: a quarter of `--timeout`, at most a second.
 */
export function sliceSeconds(timeout: number): number {
  return timeout > 0 ? Math.max(0.05, Math.min(1, timeout / 4)) : 1;
}
