/**
 * @module The load client for the mixed scenario, where wrk cannot tell fast from slow requests:
 * N concurrent loops, each sending one request per connection; every 20th request overall goes to
 * `/slow`, the rest to the fast path. Records the latency of each class separately.
 */

import type { WrkResult } from "./wrk.ts";

/** The `q`-quantile (0..1) of `xs` by nearest rank; 0 for an empty list. */
export function percentile(xs: readonly number[], q: number): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
}

/** What one mixed run measured. */
export interface MixedRun {
  fastMs: number[];
  slowMs: number[];
  errors: number;
  durationSec: number;
}

/** The run as the report's sample: throughput of all requests, latency of the fast ones. */
export function toSample(r: MixedRun): WrkResult {
  return fastSample(r.fastMs, r.slowMs.length, r.errors, r.durationSec);
}

/**
 * A report sample from a client of its own: all requests (`fastMs` and `others`) per second,
 * latency of the fast ones, `errors` counted as read errors.
 */
export function fastSample(
  fastMs: number[],
  others: number,
  errors: number,
  durationSec: number,
): WrkResult {
  const requests = fastMs.length + others;
  const r = { fastMs, errors, durationSec };
  return {
    requestsPerSec: requests / r.durationSec,
    requests,
    durationSec: r.durationSec,
    latency: {
      avgMs: r.fastMs.reduce((a, b) => a + b, 0) / Math.max(1, r.fastMs.length),
      maxMs: Math.max(0, ...r.fastMs),
      p50Ms: percentile(r.fastMs, 0.5),
      p75Ms: percentile(r.fastMs, 0.75),
      p90Ms: percentile(r.fastMs, 0.9),
      p99Ms: percentile(r.fastMs, 0.99),
    },
    non2xx: 0,
    socketErrors: { connect: 0, read: r.errors, write: 0, timeout: 0 },
  };
}

/**
 * One `GET path` on a new connection with `Connection: close`; resolves once the whole 200
 * response has been read, rejects otherwise or after `timeoutMs` (which covers the connect too: a
 * full listen backlog leaves a SYN unanswered).
 */
export async function getOnce(port: number, path: string, timeoutMs = 10_000): Promise<void> {
  const signal = AbortSignal.timeout(timeoutMs);
  const conn = await Deno.connect({ hostname: "127.0.0.1", port, signal });
  const timer = setTimeout(() => conn.close(), timeoutMs);
  try {
    await conn.write(
      new TextEncoder().encode(
        `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`,
      ),
    );
    const buf = new Uint8Array(4096);
    let head = "";
    for (let n = await conn.read(buf); n !== null; n = await conn.read(buf)) {
      if (head.length < 16) head += new TextDecoder().decode(buf.subarray(0, n));
    }
    if (!head.startsWith("HTTP/1.1 200")) throw new Error(`bad response ${head.slice(0, 16)}`);
  } finally {
    clearTimeout(timer);
    try {
      conn.close();
    } catch { /* closed by the timer or the server */ }
  }
}

/** Runs `clients` loops against `port` for `durationSec`; every 20th request is slow. */
export async function runMixed(
  port: number,
  clients: number,
  durationSec: number,
  fastPath: string,
): Promise<MixedRun> {
  const run: MixedRun = { fastMs: [], slowMs: [], errors: 0, durationSec };
  const end = performance.now() + durationSec * 1000;
  let counter = 0;
  const loop = async () => {
    while (performance.now() < end) {
      const slow = ++counter % 20 === 0;
      const t0 = performance.now();
      try {
        await getOnce(port, slow ? "/slow" : fastPath);
        (slow ? run.slowMs : run.fastMs).push(performance.now() - t0);
      } catch {
        run.errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: clients }, loop));
  run.durationSec = (performance.now() - end) / 1000 + durationSec;
  return run;
}
