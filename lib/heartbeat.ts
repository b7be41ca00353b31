/**
 * @module The heartbeat protocol between a worker and the arbiter: one file per worker, whose
 * mtime says "alive" and whose first line carries the worker's live counters (with --metrics-bind,
 * a second line carries its metrics snapshot as JSON, lib/metrics/worker.ts). Workers write
 * it ({@linkcode HeartbeatWriter}); the arbiter creates, reads and repairs it
 * ({@linkcode HeartbeatFiles}). An empty file means "spawned, app not loaded yet".
 */

import { log } from "./log.ts";
import type { Snapshot } from "./metrics/worker.ts";

/** What a worker reports on each beat. */
export interface Beat {
  /** Requests served so far. */
  served: number;
  /** Requests inside the app right now. */
  active: number;
  /** True once the worker stopped accepting (TERM, max-requests) and is finishing what it holds. */
  stopping: boolean;
  /** V8 heap in use, in bytes. */
  heapUsed: number;
  /** V8 heap limit (`--max-old-space-size` and young generation), in bytes. */
  heapLimit: number;
  /**
   * The metrics snapshot (--metrics-bind only). Read back, undefined when absent or caught
   * mid-write: the reader keeps the last whole one, so counts are neither lost nor counted twice.
   */
  metrics?: Snapshot | undefined;
}

/** The line a beat is written as: `served active stopping heapUsed heapLimit`, then metrics. */
export function encodeBeat(b: Beat): string {
  const line = `${b.served} ${b.active} ${b.stopping ? 1 : 0} ${b.heapUsed} ${b.heapLimit}\n`;
  return b.metrics === undefined ? line : `${line}${JSON.stringify(b.metrics)}\n`;
}

/** Reads a beat; null for an empty file (not booted) or a first line caught mid-write. */
export function decodeBeat(text: string): Beat | null {
  const nl = text.indexOf("\n");
  if (nl < 0) return null;
  const f = text.slice(0, nl).trim().split(" ");
  if (f.length !== 5) return null;
  const n = f.map(Number);
  if (n.some((x) => !Number.isSafeInteger(x) || x < 0)) return null;
  const [served = 0, active = 0, stopping = 0, heapUsed = 0, heapLimit = 0] = n;
  const beat: Beat = { served, active, stopping: stopping === 1, heapUsed, heapLimit };
  const rest = text.slice(nl + 1);
  if (rest.endsWith("\n")) {
    try {
      beat.metrics = JSON.parse(rest) as Snapshot;
    } catch { /* mid-write: the last whole snapshot stands */ }
  }
  return beat;
}

/**
 * The worker's side: writes the current beat at most once per interval; a beat asked for too soon
 * is written once the interval is over (so a request that starts is seen while it runs).
 *
 * @example
 * ```ts
 * import { decodeBeat, HeartbeatWriter } from "./heartbeat.ts";
 * const path = Deno.makeTempFileSync();
 * const w = new HeartbeatWriter(path, () => ({
 *   served: 3, active: 1, stopping: false, heapUsed: 1, heapLimit: 2,
 * }));
 * w.beat(true);
 * w.close();
 * console.assert(decodeBeat(Deno.readTextFileSync(path))?.served === 3);
 * Deno.removeSync(path);
 * ```
 */
export class HeartbeatWriter {
  #path: string;
  #read: () => Beat;
  #intervalMs: number;
  #last = -Infinity;
  #timer: ReturnType<typeof setTimeout> | null = null;
  /** Called when the file cannot be written (the arbiter removed it or its directory). */
  onFail: () => void = () => {};

  /** Creates the writer of `path`; `read` gives the counters to write. */
  constructor(path: string, read: () => Beat, intervalMs = 250) {
    this.#path = path;
    this.#read = read;
    this.#intervalMs = intervalMs;
  }

  /** Writes now when `force` or the interval has passed, else once it has; false on failure. */
  beat(force = false): boolean {
    const wait = this.#last + this.#intervalMs - performance.now();
    if (force || wait <= 0) return this.#write();
    if (this.#timer === null) {
      this.#timer = setTimeout(() => this.#write(), wait);
      Deno.unrefTimer(this.#timer);
    }
    return true;
  }

  #write(): boolean {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    this.#last = performance.now();
    try {
      Deno.writeTextFileSync(this.#path, encodeBeat(this.#read()));
      return true;
    } catch {
      this.onFail();
      return false;
    }
  }

  /** Cancels a pending write. */
  close(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }
}

/** One heartbeat as the arbiter reads it. */
export interface Reading {
  /** When the worker last wrote, in ms since the epoch. */
  mtime: number;
  /** The counters, or null when the worker has not booted (or was caught mid-write). */
  beat: Beat | null;
}

/** The uid/gid that own the heartbeat files (--user/--group), or null for the arbiter's own. */
export type Owner = { uid: number | null; gid: number | null } | null;

/** A directory for heartbeat files: in /dev/shm when present (no disk writes), else tmp. */
export function heartbeatDir(base: string | null): string {
  if (base !== null) return Deno.makeTempDirSync({ dir: base, prefix: "denocorn-" });
  try {
    if (Deno.statSync("/dev/shm").isDirectory) {
      return Deno.makeTempDirSync({ dir: "/dev/shm", prefix: "denocorn-" });
    }
  } catch { /* no /dev/shm */ }
  return Deno.makeTempDirSync({ prefix: "denocorn-" });
}

/**
 * The arbiter's side: the directory of heartbeat files. A file or directory removed behind the
 * arbiter's back (a tmp cleaner, an operator) is recreated, never taken for a dead worker.
 */
export class HeartbeatFiles {
  #dir = "";
  #owner: Owner = null;

  /** The directory that holds one file per worker ("" until opened). */
  get dir(): string {
    return this.#dir;
  }

  /** Creates the directory under `base` (see {@linkcode heartbeatDir}), usable by `owner`. */
  open(base: string | null, owner: Owner): void {
    this.#dir = heartbeatDir(base);
    this.#owner = owner;
    if (owner !== null) Deno.chmodSync(this.#dir, 0o711);
  }

  /** Creates the empty file of the worker of `age` (and the directory if it is gone). */
  create(age: number): string {
    const path = `${this.#dir}/worker-${age}`;
    this.#ensureDir();
    Deno.writeTextFileSync(path, "");
    if (this.#owner !== null) Deno.chownSync(path, this.#owner.uid, this.#owner.gid);
    return path;
  }

  /**
   * Reads the heartbeat at `path`. A missing file is recreated with `lastBeat` as its mtime (so the
   * worker keeps the time it had) and read as null; throws when it cannot be recreated.
   */
  read(path: string, lastBeat: number): Reading | null {
    let st: Deno.FileInfo;
    try {
      st = Deno.statSync(path);
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound || e instanceof Deno.errors.NotADirectory)) throw e;
      this.#recreate(path, lastBeat);
      return null;
    }
    const beat = st.size > 0 ? decodeBeat(Deno.readTextFileSync(path)) : null;
    return { mtime: st.mtime?.getTime() ?? lastBeat, beat };
  }

  /** Reads the heartbeat at `path` as it is, or null when it cannot be read (no repair). */
  peek(path: string): Reading | null {
    try {
      const st = Deno.statSync(path);
      const beat = st.size > 0 ? decodeBeat(Deno.readTextFileSync(path)) : null;
      return { mtime: st.mtime?.getTime() ?? 0, beat };
    } catch {
      return null;
    }
  }

  #recreate(path: string, lastBeat: number): void {
    const hadDir = exists(this.#dir);
    this.#ensureDir();
    Deno.writeTextFileSync(path, "");
    Deno.utimeSync(path, lastBeat / 1000, lastBeat / 1000);
    if (this.#owner !== null) Deno.chownSync(path, this.#owner.uid, this.#owner.gid);
    log.warning(`Heartbeat ${hadDir ? "file" : "directory"} was removed, recreated: ${path}`);
  }

  #ensureDir(): void {
    Deno.mkdirSync(this.#dir, { recursive: true, mode: 0o700 });
    if (this.#owner !== null) Deno.chmodSync(this.#dir, 0o711);
  }

  /** Removes one worker's file (it has exited). */
  remove(path: string): void {
    try {
      Deno.removeSync(path);
    } catch { /* gone */ }
  }

  /** Removes the directory and what is left in it. */
  close(): void {
    if (this.#dir === "") return;
    try {
      Deno.removeSync(this.#dir, { recursive: true });
    } catch { /* gone */ }
  }
}

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}
