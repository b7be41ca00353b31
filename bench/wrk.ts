/**
 * @module Runs wrk against one URL and parses its report. `parseWrk` is pure (text in, numbers
 * out) so it is tested without a network; `runWrk` bounds wrk in time and can be aborted.
 */

/** Socket error counters, as wrk prints them (`Socket errors: connect 0, read 0, ...`). */
export interface SocketErrors {
  connect: number;
  read: number;
  write: number;
  timeout: number;
}

/** The numbers of one wrk run. Latencies are in milliseconds. */
export interface WrkResult {
  requestsPerSec: number;
  requests: number;
  durationSec: number;
  latency: {
    avgMs: number;
    maxMs: number;
    p50Ms: number;
    p75Ms: number;
    p90Ms: number;
    p99Ms: number;
  };
  /** wrk's "Non-2xx or 3xx responses" (it counts statuses >= 400). 0 when the line is absent. */
  non2xx: number;
  socketErrors: SocketErrors;
}

/** Thrown when wrk's output lacks a line the report needs. */
export class WrkParseError extends Error {
  override name = "WrkParseError";
}

const TIME_UNITS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** `"1.23ms"` → 1.23, `"456.00us"` → 0.456, `"2.00s"` → 2000. */
export function parseDurationMs(text: string): number {
  const m = /^([0-9]+(?:\.[0-9]+)?)(us|ms|s|m|h)$/.exec(text.trim());
  if (m === null) throw new WrkParseError(`not a wrk duration: ${JSON.stringify(text)}`);
  return Number(m[1]) * TIME_UNITS[m[2]!]!;
}

const METRIC_UNITS: Record<string, number> = { "": 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12 };

/** `"80000"` → 80000, `"1.50k"` → 1500, `"2.10M"` → 2100000 (wrk's metric suffixes). */
export function parseCount(text: string): number {
  const m = /^([0-9]+(?:\.[0-9]+)?)([kMGT]?)$/.exec(text.trim());
  if (m === null) throw new WrkParseError(`not a wrk count: ${JSON.stringify(text)}`);
  return Number(m[1]) * METRIC_UNITS[m[2]!]!;
}

function need(text: string, re: RegExp, what: string): RegExpExecArray {
  const m = re.exec(text);
  if (m === null) {
    throw new WrkParseError(`wrk output has no ${what} line:\n${text.trim()}`);
  }
  return m;
}

/** Parses the report that `wrk --latency` prints. Throws WrkParseError if a line is missing. */
export function parseWrk(text: string): WrkResult {
  const rps = need(text, /^Requests\/sec:\s+([0-9.]+)\s*$/m, "Requests/sec");
  const total = need(
    text,
    /^\s*([0-9.]+[kMGT]?) requests in ([0-9.]+(?:us|ms|s|m|h)),/m,
    "'N requests in T'",
  );
  const lat = need(text, /^\s*Latency\s+(\S+)\s+\S+\s+(\S+)\s+\S+\s*$/m, "Latency stats");
  const pct = (p: number): number => {
    const m = need(
      text,
      new RegExp(`^\\s*${p}(?:\\.0+)?%\\s+(\\S+)\\s*$`, "m"),
      `${p}% latency (was wrk run with --latency?)`,
    );
    return parseDurationMs(m[1]!);
  };
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(text);
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(text);
  return {
    requestsPerSec: Number(rps[1]),
    requests: parseCount(total[1]!),
    durationSec: parseDurationMs(total[2]!) / 1000,
    latency: {
      avgMs: parseDurationMs(lat[1]!),
      maxMs: parseDurationMs(lat[2]!),
      p50Ms: pct(50),
      p75Ms: pct(75),
      p90Ms: pct(90),
      p99Ms: pct(99),
    },
    non2xx: non2xx === null ? 0 : Number(non2xx[1]),
    socketErrors: sock === null ? { connect: 0, read: 0, write: 0, timeout: 0 } : {
      connect: Number(sock[1]),
      read: Number(sock[2]),
      write: Number(sock[3]),
      timeout: Number(sock[4]),
    },
  };
}

/** Total socket errors of a run. */
export function socketErrorCount(e: SocketErrors): number {
  return e.connect + e.read + e.write + e.timeout;
}

/** How to drive wrk for one measurement. */
export interface WrkOptions {
  url: string;
  threads: number;
  connections: number;
  durationSec: number;
  headers: readonly string[];
  /** Path of a Lua script (`-s`), e.g. to POST a body. */
  script?: string;
  /** Aborting kills wrk (SIGTERM, then SIGKILL) and makes runWrk reject. */
  signal?: AbortSignal;
}

/** The wrk command line for `opts` (without the leading `wrk`). */
export function wrkArgs(opts: WrkOptions): string[] {
  const args = [
    `-t${opts.threads}`,
    `-c${opts.connections}`,
    `-d${opts.durationSec}s`,
    "--latency",
  ];
  for (const h of opts.headers) args.push("-H", h);
  if (opts.script !== undefined) args.push("-s", opts.script);
  args.push(opts.url);
  return args;
}

/**
 * Runs wrk and parses its report. wrk stops itself after the duration; as a guard against a
 * wedged run it is killed after duration + 30 s, which rejects.
 */
export async function runWrk(opts: WrkOptions): Promise<WrkResult & { output: string }> {
  const child = new Deno.Command("wrk", {
    args: wrkArgs(opts),
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let killedWhy: string | null = null;
  const kill = (why: string) => {
    if (killedWhy !== null) return;
    killedWhy = why;
    try {
      child.kill("SIGTERM");
    } catch { /* already gone */ }
    const later = setTimeout(() => {
      try {
        child.kill("SIGKILL");
      } catch { /* already gone */ }
    }, 2000);
    Deno.unrefTimer(later);
  };
  const guard = setTimeout(
    () => kill(`wrk ran past ${opts.durationSec + 30} s`),
    (opts.durationSec + 30) * 1000,
  );
  const onAbort = () => kill("aborted");
  opts.signal?.addEventListener("abort", onAbort, { once: true });
  try {
    const out = await child.output();
    if (killedWhy !== null) throw new Error(`wrk stopped: ${killedWhy}`);
    const stdout = new TextDecoder().decode(out.stdout);
    const stderr = new TextDecoder().decode(out.stderr);
    if (!out.success) {
      throw new Error(`wrk exited with ${out.code}: ${(stderr || stdout).trim()}`);
    }
    return { ...parseWrk(stdout), output: stdout };
  } finally {
    clearTimeout(guard);
    opts.signal?.removeEventListener("abort", onAbort);
  }
}
