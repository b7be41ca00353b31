/**
 * @module The open-loop client of the blocked-loop scenario: requests start at a fixed rate,
 * whether or not earlier ones have been answered (unlike wrk's closed loop, a stalled server does
 * not slow the arrivals down), each on a new connection with `Connection: close`; every Nth one
 * asks for the path that blocks its worker. Latency counts from the request's scheduled start.
 */

import { fastSample, getOnce } from "./mixed_client.ts";
import type { WrkResult } from "./wrk.ts";

/** What to send. */
export interface OpenLoopPlan {
  /** Arrivals per second. */
  rate: number;
  durationSec: number;
  /** Every `blockEvery`-th request (1-based) goes to `blockPath`; the others to `fastPath`. */
  blockEvery: number;
  fastPath: string;
  blockPath: string;
  /** Over HTTPS, trusting these certificates (each request a new TLS connection). */
  caCerts?: string[];
}

/** One scheduled request: when it starts (ms after the run's start) and what it asks for. */
export interface Arrival {
  atMs: number;
  block: boolean;
}

/** Every arrival of a plan, in order: `rate × durationSec` of them, evenly spaced. */
export function schedule(plan: OpenLoopPlan): Arrival[] {
  const count = Math.floor(plan.rate * plan.durationSec);
  const gapMs = 1000 / plan.rate;
  return Array.from({ length: count }, (_, i) => ({
    atMs: i * gapMs,
    block: (i + 1) % plan.blockEvery === 0,
  }));
}

/** What an open-loop run measured; latencies in ms from each request's scheduled start. */
export interface OpenLoopRun {
  fastMs: number[];
  blockMs: number[];
  /** Requests that failed or got no 200 within the per-request timeout. */
  errors: number;
  durationSec: number;
}

/** The run as the report's sample: arrivals answered per second, latency of the fast ones. */
export function openLoopSample(r: OpenLoopRun): WrkResult {
  return fastSample(r.fastMs, r.blockMs.length, r.errors, r.durationSec);
}

/** How long one request may take before it counts as an error. */
export const REQUEST_TIMEOUT_MS = 5000;

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, Math.max(0, ms)));
}

/** Sends `plan` to 127.0.0.1:`port` and waits for every answer (each bounded by the timeout). */
export async function runOpenLoop(port: number, plan: OpenLoopPlan): Promise<OpenLoopRun> {
  const run: OpenLoopRun = { fastMs: [], blockMs: [], errors: 0, durationSec: plan.durationSec };
  const start = performance.now();
  const pending: Promise<void>[] = [];
  for (const a of schedule(plan)) {
    await sleep(start + a.atMs - performance.now());
    const due = start + a.atMs;
    pending.push(
      getOnce(port, a.block ? plan.blockPath : plan.fastPath, REQUEST_TIMEOUT_MS, plan.caCerts)
        .then(
          () => void (a.block ? run.blockMs : run.fastMs).push(performance.now() - due),
          () => void run.errors++,
        ),
    );
  }
  await Promise.all(pending);
  return run;
}
