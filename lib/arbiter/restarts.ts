/**
 * @module Why each worker was started, for `denocorn_worker_starts_total{reason}`. A replacement
 * that boots before its predecessor leaves (reload, memory, max-requests: the predecessor is
 * still draining) claims that predecessor's reason when it is spawned; one spawned after its
 * predecessor died (timeout, crash, or a worker that exited before its replacement came) takes
 * the reason that exit left behind. Anything else is a `boot` (start, TTIN, `ctl scale`).
 */

import { RESTART_REASONS, type RestartReason } from "../metrics/names.ts";
import type { Worker } from "./pool.ts";

/** The starts by reason, as the metrics registry reads them. */
export type StartCounts = Record<RestartReason, number>;

/** The reason a live worker's replacement is due, or null when none is. */
function dueReason(w: Worker, generation: number): RestartReason | null {
  if (w.outgrown) return "memory";
  if (w.selfRetired) return "max-requests";
  if (w.generation < generation) return "reload";
  return null;
}

/** Counts worker starts by reason. */
export class RestartReasons {
  /** Starts so far by reason. */
  readonly counts: StartCounts = Object.fromEntries(
    RESTART_REASONS.map((r) => [r, 0]),
  ) as StartCounts;
  #pending: RestartReason[] = [];
  #claimed = new WeakSet<Worker>();

  /** A worker exited; `stopping`: the server is stopping (nothing is replaced). */
  exited(w: Worker, generation: number, stopping: boolean): void {
    if (stopping || this.#claimed.has(w)) return;
    const due = w.aborted ? "timeout" : dueReason(w, generation) ?? (w.retiring ? null : "crash");
    if (due !== null) this.#pending.push(due);
  }

  /** A worker is being spawned while `live` run: counts and returns why. */
  started(live: readonly Worker[], generation: number): RestartReason {
    let reason = this.#pending.shift() ?? null;
    if (reason === null) {
      for (const w of live) {
        const due = this.#claimed.has(w) ? null : dueReason(w, generation);
        if (due === null) continue;
        this.#claimed.add(w);
        reason = due;
        break;
      }
    }
    reason ??= "boot";
    this.counts[reason]++;
    return reason;
  }
}
