/**
 * @module Which connection a full async worker sheds at `--worker-connections`, for both HTTP
 * engines: the idle or slow one that has waited longest; never one with a request in hand.
 */

/** A connection that can say how long it has waited, or null when it must not be shed. */
export interface Sheddable {
  /** `[rank, since]`: lower ranks go first (closing, idle, no request yet), then the oldest. */
  shedOrder(): readonly [number, number] | null;
}

/**
 * The connection to shed first, or null when every one has a request in hand.
 *
 * @example
 * ```ts
 * import { shedVictim } from "./shed.ts";
 * const a = { shedOrder: () => [1, 50] as const };
 * const b = { shedOrder: () => [1, 10] as const };
 * const busy = { shedOrder: () => null };
 * console.assert(shedVictim([a, b, busy]) === b);
 * ```
 */
export function shedVictim<T extends Sheddable>(conns: Iterable<T>): T | null {
  let victim: T | null = null;
  let best: readonly [number, number] = [Infinity, Infinity];
  for (const c of conns) {
    const o = c.shedOrder();
    if (o !== null && (o[0] < best[0] || (o[0] === best[0] && o[1] < best[1]))) {
      victim = c;
      best = o;
    }
  }
  return victim;
}
