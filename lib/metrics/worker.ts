/**
 * @module A worker's request and connection counters (--metrics-bind), kept in typed arrays so a
 * request costs a few additions and no allocation; the heartbeat carries a {@link Snapshot} of
 * them to the arbiter, which sums every worker's (lib/metrics/registry.ts). Counts are
 * cumulative over the worker's life: the arbiter keeps a worker's last snapshot when it exits.
 */

import { METHODS } from "./names.ts";

/** What a worker reports: every count since it started. */
export interface Snapshot {
  /** `[methodIndex, status, count]` for each pair seen. */
  r: [number, number, number][];
  /** Histogram counts per bucket (the last is +Inf, not cumulative), then the sum in seconds. */
  h: number[];
  s: number;
  /** Request and response body bytes. */
  b: [number, number];
  /** Connections accepted, open now, shed (closed to make room). */
  c: [number, number, number];
}

const CODES = 600;
const METHOD_INDEX: Record<string, number> = Object.fromEntries(METHODS.map((m, i) => [m, i]));
const OTHER = METHODS.length - 1;

/** The counters of one worker. */
export class WorkerMetrics {
  #buckets: readonly number[];
  #byCode = new Float64Array(METHODS.length * CODES);
  #hist: Float64Array;
  #sum = 0;
  #reqBytes = 0;
  #resBytes = 0;
  #accepted = 0;
  #open = 0;
  #shed = 0;

  /** Creates counters for a histogram with upper bounds `buckets` (seconds, increasing). */
  constructor(buckets: readonly number[]) {
    this.#buckets = buckets;
    this.#hist = new Float64Array(buckets.length + 1);
  }

  /** Counts one request that was answered. */
  request(method: string, status: number, seconds: number, reqBytes: number, resBytes: number) {
    const m = METHOD_INDEX[method] ?? OTHER;
    const code = status >= 100 && status < CODES ? status : 0;
    this.#byCode[m * CODES + code]!++;
    const b = this.#buckets;
    let i = 0;
    while (i < b.length && seconds > b[i]!) i++;
    this.#hist[i]!++;
    this.#sum += seconds;
    this.#reqBytes += reqBytes;
    this.#resBytes += resBytes;
  }

  /** Counts an accepted connection; when `tracked`, it is open until {@link closed}. */
  accepted(tracked = true): void {
    this.#accepted++;
    if (tracked) this.#open++;
  }

  /** Counts a connection that closed. */
  closed(): void {
    this.#open--;
  }

  /** Counts a connection closed to make room (--worker-connections reached). */
  shed(): void {
    this.#shed++;
  }

  /** Every count so far (written in the heartbeat, at most four times a second). */
  snapshot(): Snapshot {
    const r: [number, number, number][] = [];
    const a = this.#byCode;
    for (let i = 0; i < a.length; i++) {
      if (a[i] !== 0) r.push([Math.floor(i / CODES), i % CODES, a[i]!]);
    }
    return {
      r,
      h: [...this.#hist],
      s: this.#sum,
      b: [this.#reqBytes, this.#resBytes],
      c: [this.#accepted, this.#open, this.#shed],
    };
  }
}
