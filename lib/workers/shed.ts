/**
 * @module Which connection a full async worker sheds at `--worker-connections`, whatever its HTTP
 * engine: the idle or slow one that has waited longest; never one with a request in hand (or
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

/** How long a connection must have waited before it may be shed, by what it waits for. */
export interface ShedAfter {
  /** Idle between requests (a kept-alive client just answered may be sending its next one). */
  idle: number;
  /** Without a request yet (a client that just connected may be about to send it). */
  fresh: number;
}

/**
 * The waits before shedding for a worker whose new connections have `headMs` (`--header-timeout`)
 * to bring their first request: 1 s idle; for a new connection half of that, 5 s at most (a busy
 * client can take most of a second between its connect and its request: shedding it then loses a
 * request, not a slowloris).
 *
 * @example
 * ```ts
 * import { shedAfter } from "./shed.ts";
 * console.assert(shedAfter(10_000).fresh === 5000 && shedAfter(1000).fresh === 500);
 * ```
 */
export function shedAfter(headMs: number): ShedAfter {
  return { idle: 1000, fresh: Math.min(5000, headMs / 2) };
}

/**
 * The connection to shed first, or null when every one has a request in hand (or unread), or has
 * not yet waited as long as `after` says at `now` (one already closing may always go).
 *
 * @example
 * ```ts
 * import { shedAfter, shedVictim } from "./shed.ts";
 * const a = { shedOrder: () => [1, 50] as const, unread: () => false };
 * const b = { shedOrder: () => [1, 10] as const, unread: () => false };
 * const busy = { shedOrder: () => null, unread: () => false };
 * console.assert(shedVictim([a, b, busy], 5000, shedAfter(10_000)) === b);
 * ```
 */
export function shedVictim<T extends Sheddable>(
  conns: Iterable<T>,
  now: number,
  after: ShedAfter,
): T | null {
  const young = (o: readonly [number, number]) =>
    o[0] > 0 && o[1] > now - (o[0] === 1 ? after.idle : after.fresh);
  const passed = new Set<T>();
  for (;;) {
    let victim: T | null = null;
    let best: readonly [number, number] = [Infinity, Infinity];
    for (const c of conns) {
      const o = passed.has(c) ? null : c.shedOrder();
      if (o === null || young(o)) continue;
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
