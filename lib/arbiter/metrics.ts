/**
 * @module The arbiter's metrics (--metrics-bind): worker starts by reason, the counts of exited
 * workers, and the figures /metrics, /healthz and /readyz are made of. A worker's counts reach
 * the arbiter through its heartbeat (at most 250 ms old) and a last beat as it exits, folded in
 * when it is reaped; a worker killed outright (SIGKILL after --timeout) loses what it counted
 * after its last beat, at most a quarter of a second of requests.
 */

import { parseBuckets } from "../metrics/names.ts";
import { listenBacklog, processFigures } from "../metrics/proc.ts";
import { MetricsRegistry } from "../metrics/registry.ts";
import { readRss } from "./memory.ts";
import type { Worker } from "./pool.ts";
import { RestartReasons } from "./restarts.ts";
import type { MetricsSource } from "../metrics/server.ts";

/** The counts the arbiter keeps for /metrics and `ctl stats`. */
export class ArbiterMetrics {
  /** Starts by reason (kept with metrics off too: `ctl stats` shows them). */
  readonly restarts = new RestartReasons();
  readonly registry: MetricsRegistry;

  /** Creates the counts for histogram upper bounds `buckets` (--metrics-buckets). */
  constructor(buckets: string) {
    this.registry = new MetricsRegistry(parseBuckets(buckets));
  }

  /** A worker is being spawned while `live` run. */
  spawned(live: readonly Worker[], generation: number): void {
    this.restarts.started(live, generation);
  }

  /** A worker was reaped: why it will be replaced, and its last counts. */
  reaped(w: Worker, generation: number, stopping: boolean): void {
    this.restarts.exited(w, generation, stopping);
    this.registry.retire(w.pid, w.metrics);
  }

  /** The Prometheus text for `live` workers and `listeners` (fd and URL). */
  render(live: readonly Worker[], listeners: readonly { fd: number; name: string }[]): string {
    return this.registry.render(this.#figures(live, listeners));
  }

  /** The same figures as `name{labels}` → value, for `ctl stats`. */
  samples(
    live: readonly Worker[],
    listeners: readonly { fd: number; name: string }[],
  ): Record<string, number> {
    return this.registry.samples(this.#figures(live, listeners));
  }

  #figures(live: readonly Worker[], listeners: readonly { fd: number; name: string }[]) {
    return {
      workers: live.map((w) => ({
        slot: this.registry.slot(w.pid),
        active: w.active,
        rss: readRss(w.pid),
        heapUsed: w.heap?.used ?? null,
        snapshot: w.metrics,
      })),
      starts: this.restarts.counts,
      backlog: listenBacklog(listeners),
      process: processFigures(),
    };
  }
}

/** /healthz: every worker that booted has beaten within `timeoutS` (and one exists). */
export function healthy(live: readonly Worker[], now: number, timeoutS: number): boolean {
  return live.length > 0 &&
    live.every((w) => !w.booted || timeoutS <= 0 || now - w.lastBeat <= timeoutS * 1000);
}

/** /readyz: a booted worker serves (not retiring). Whether the server stops is the caller's. */
export function ready(live: readonly Worker[]): boolean {
  return live.some((w) => w.booted && !w.retiring);
}

/** The listening fds and the URLs that label their backlog. */
export type ListenerNames = readonly { fd: number; name: string }[];

/** What the metrics listener and `ctl stats` read of the arbiter. */
export interface ScrapeHost {
  metrics: ArbiterMetrics;
  /** The live workers, with fresh heartbeats. */
  live(): Worker[];
  listeners(): ListenerNames;
  /** True once the server is stopping. */
  stopping(): boolean;
  /** --timeout, in seconds. */
  timeout(): number;
}

/** The source lib/metrics/server.ts serves, over `h`. */
export function scrapeSource(h: ScrapeHost): MetricsSource {
  return {
    metrics: () => h.metrics.render(h.live(), h.listeners()),
    healthy: () => healthy(h.live(), Date.now(), h.timeout()),
    ready: () => !h.stopping() && ready(h.live()),
  };
}

/** `ctl stats`: the /metrics samples as `name{labels}` → value. */
export function statsReply(h: ScrapeHost): Record<string, number> {
  return h.metrics.samples(h.live(), h.listeners());
}
