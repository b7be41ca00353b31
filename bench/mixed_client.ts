/**
 * @module The load client for the mixed scenario, where wrk cannot tell fast from slow requests:
 * N concurrent loops, each sending one request per connection; every 20th request overall goes to
 * `/slow`, the rest to the fast path. Records the latency of each class separately.
 */

import * as tls from "node:tls";

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
export async function getOnce(
  port: number,
  path: string,
  timeoutMs = 10_000,
  caCerts?: string[],
): Promise<void> {
  if (caCerts !== undefined) return await getOnceTls(port, path, timeoutMs, caCerts);
  const signal = AbortSignal.timeout(timeoutMs);
  const conn = await Deno.connect({ hostname: "127.0.0.1", port, signal });
  const timer = setTimeout(() => conn.close(), timeoutMs);
  try {
    await conn.write(encodeGet(path));
    const buf = new Uint8Array(4096);
    let head = "";
    for (let n = await conn.read(buf); n !== null; n = await conn.read(buf)) {
      if (head.length < 16) head += new TextDecoder().decode(buf.subarray(0, n));
    }
    checkHead(head);
  } finally {
    clearTimeout(timer);
    try {
      conn.close();
    } catch { /* closed by the timer or the server */ }
  }
}

function encodeGet(path: string): Uint8Array {
  return new TextEncoder().encode(
    `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`,
  );
}

function checkHead(head: string): void {
  if (!head.startsWith("HTTP/1.1 200")) throw new Error(`bad response ${head.slice(0, 16)}`);
}

/**
 * getOnce over TLS, trusting `caCerts`. node:tls with TCP_NODELAY, not `Deno.connectTls`: Deno's
 * TLS client sends the request after its handshake in a segment Nagle holds until the server's
 * delayed ACK, 40 ms on Linux (measured: 44 ms a request against `Deno.serve({ cert, key })`,
 * 1.3 ms with node:tls), which would swamp what the scenario measures.
 */
function getOnceTls(port: number, path: string, timeoutMs: number, caCerts: string[]) {
  return new Promise<void>((resolve, reject) => {
    let head = "";
    const sock = tls.connect(
      { host: "127.0.0.1", port, ca: caCerts, servername: "localhost" },
      () => sock.write(encodeGet(path)),
    );
    sock.setNoDelay(true);
    const timer = setTimeout(() => sock.destroy(new Error("timed out")), timeoutMs);
    sock.on("data", (d: Uint8Array) => {
      if (head.length < 16) head += new TextDecoder().decode(d);
    });
    sock.on("end", () => {
      clearTimeout(timer);
      sock.destroy();
      try {
        checkHead(head);
        resolve();
      } catch (e) {
        reject(e);
      }
    });
    sock.on("error", (e: Error) => (clearTimeout(timer), reject(e)));
  });
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
