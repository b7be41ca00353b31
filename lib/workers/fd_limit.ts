/**
 * @module `--worker-connections` against RLIMIT_NOFILE: each connection of an async worker holds
 * one file descriptor, so the cap is lowered at boot below the limit, leaving room for the
 * worker's own (listeners, pipes, heartbeat, logs, Deno's runtime) and what the app opens.
 */

import { log } from "../log.ts";
import * as sys from "../sys/mod.ts";
import type { Settings } from "../config/mod.ts";

/** Descriptors kept free beyond those open at boot: at least this many, ... */
const MIN_SPARE = 64;
/** ... or this fraction of the limit when larger. */
const SPARE_FRACTION = 1 / 8;

/**
 * The connections a worker can hold with `limit` descriptors when `open` are already in use:
 * `requested`, or fewer so that `max(64, limit / 8)` stay free (at least 1).
 *
 * @example
 * ```ts
 * import { connectionCap } from "./fd_limit.ts";
 * console.assert(connectionCap(1000, 1024, 30) === 866);
 * console.assert(connectionCap(1000, 65536, 30) === 1000);
 * ```
 */
export function connectionCap(requested: number, limit: number, open: number): number {
  if (!Number.isFinite(limit)) return requested;
  const spare = Math.max(MIN_SPARE, Math.floor(limit * SPARE_FRACTION));
  return Math.max(1, Math.min(requested, limit - open - spare));
}

/** How many descriptors this process has open (null when /proc cannot tell). */
function openDescriptors(): number | null {
  try {
    let n = 0;
    for (const _ of Deno.readDirSync("/proc/self/fd")) n++;
    return n;
  } catch {
    return null;
  }
}

/**
 * Lowers `settings.worker_connections` of an async worker to what its RLIMIT_NOFILE allows
 * ({@linkcode connectionCap}), and says so: a warning from the first worker, the same line at
 * debug level from later ones.
 */
export function capWorkerConnections(settings: Settings, age: number): void {
  if (settings.worker_class !== "async") return;
  const limit = sys.openFileLimit();
  const requested = settings.worker_connections;
  const cap = connectionCap(requested, limit, openDescriptors() ?? 0);
  if (cap >= requested) return;
  settings.worker_connections = cap;
  const level = age <= 1 ? "warning" : "debug";
  log[level](
    `--worker-connections ${requested} lowered to ${cap}: RLIMIT_NOFILE is ${limit} ` +
      `(raise it with ulimit -n, or LimitNOFILE= under systemd)`,
  );
}

/** How long accepting pauses when the worker is out of descriptors, unless a connection closes. */
export const FD_BACKOFF_MS = 100;
/** accept() errors that mean "no descriptor or memory for one more socket now". */
const EXHAUSTED = new Set(["EMFILE", "ENFILE", "ENOBUFS", "ENOMEM"]);
/** The warning about it is repeated at most this often. */
const WARN_EVERY_MS = 5000;
let warnedAt = -Infinity;

/**
 * Accepts one connection like `sys.accept`, or returns "exhausted" when the process or system is
 * out of descriptors (EMFILE, ENFILE) or socket memory: the connection stays in the shared backlog
 * (another worker may take it) and the caller pauses accepting for {@linkcode FD_BACKOFF_MS} or
 * until one of its connections closes. Logged as a warning at most every 5 s.
 */
export function acceptOrExhausted(fd: number): sys.Accepted | null | "exhausted" {
  try {
    return sys.accept(fd);
  } catch (e) {
    if (!(e instanceof sys.SysError) || !EXHAUSTED.has(e.code)) throw e;
    return exhausted(e.message, e.code);
  }
}

/** Says (at most every few seconds) that accepting pauses: out of descriptors or memory. */
export function exhausted(message: string, code: string): "exhausted" {
  const now = performance.now();
  if (now - warnedAt >= WARN_EVERY_MS) {
    warnedAt = now;
    log.warning(`${message} (${code}): pausing accepts until a connection closes`);
  }
  return "exhausted";
}
