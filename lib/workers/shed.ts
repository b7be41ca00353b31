/**
 * @module Which connection a full async worker sheds at `--worker-connections`, for both HTTP
 * engines: the idle or slow one that has waited longest; never one with a request in hand (or
 * waiting unread in its socket). Also when a sweep comes too late to close idle connections.
 */

/** A connection that can say how long it has waited, or null when it must not be shed. */
export interface Sheddable {
  /** `[rank, since]`: lower ranks go first (closing, idle, no request yet), then the oldest. */
  shedOrder(): readonly [number, number] | null;
  /**
   * True while a request waits unread in its socket (asked only of the one about to be chosen:
   * it may cost a system call).
   */
  unread(): boolean;
}

/**
 * How long a connection must have waited (for its first request, or idle since its last one)
 * before it may be shed: a client that connected and is sending its request, or that was just
 * answered and is sending the next, is not cut in that instant.
 */
export const SHED_AFTER_MS = 1000;

/**
 * The connection to shed first, or null when every one has a request in hand (or unread), or has
 * waited less than {@linkcode SHED_AFTER_MS} at `now` (one already closing may always go).
 *
 * @example
 * ```ts
 * import { shedVictim } from "./shed.ts";
 * const a = { shedOrder: () => [1, 50] as const, unread: () => false };
 * const b = { shedOrder: () => [1, 10] as const, unread: () => false };
 * const busy = { shedOrder: () => null, unread: () => false };
 * console.assert(shedVictim([a, b, busy], 5000) === b);
 * ```
 */
export function shedVictim<T extends Sheddable>(
  conns: Iterable<T>,
  now: number = performance.now(),
): T | null {
  const passed = new Set<T>();
  for (;;) {
    let victim: T | null = null;
    let best: readonly [number, number] = [Infinity, Infinity];
    for (const c of conns) {
      const o = passed.has(c) ? null : c.shedOrder();
      if (o === null || (o[0] > 0 && o[1] > now - SHED_AFTER_MS)) continue;
      if (o[0] < best[0] || (o[0] === best[0] && o[1] < best[1])) {
        victim = c;
        best = o;
      }
    }
    if (victim === null || best[0] === 0 || !victim.unread()) return victim;
    passed.add(victim);
  }
}

/** A sweep more than this many periods after the last one comes late. */
const LATE_PERIODS = 4;

/**
 * A clock for a periodic sweep of period `periodMs`: called with the time of each sweep, it says
 * whether that sweep comes late (more than four periods after the last one), i.e. the event loop
 * was blocked. Requests that arrived meanwhile may not have been read yet, so such a sweep must
 * not close connections as idle; the next one, on time, does.
 *
 * @example
 * ```ts
 * import { lateness } from "./shed.ts";
 * const late = lateness(250);
 * const t0 = performance.now();
 * console.assert(!late(t0 + 250) && late(t0 + 5250) && !late(t0 + 5500));
 * ```
 */
export function lateness(periodMs: number): (now: number) => boolean {
  let last = performance.now();
  return (now) => {
    const late = now - last > LATE_PERIODS * periodMs;
    last = Math.max(last, now);
    return late;
  };
}
