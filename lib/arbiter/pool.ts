/**
 * @module The arbiter's worker table and the thin layer over processes: spawn a worker with its
 * heartbeat file, signal it, read its heartbeat, reap it. Decisions are plan.ts's and exits.ts's.
 */

import type { HeartbeatFiles, Reading } from "../heartbeat.ts";
import type { Snapshot } from "../metrics/worker.ts";
import { inFlightPath, readInFlight } from "../inflight.ts";
import { log } from "../log.ts";
import * as sys from "../sys/mod.ts";
import { STDERR_ENV } from "../workers/boot_stderr.ts";
import { CauseLine, forwardBootOutput } from "./boot_output.ts";
import type { WorkerReport, WorkerStateName } from "./commands.ts";
import type { MemoryState } from "./memory.ts";
import { spawnSelf } from "./spawn.ts";

/** One worker process as the arbiter tracks it. */
export interface Worker extends MemoryState {
  child: Deno.ChildProcess;
  heartbeat: string;
  spawnedAt: number;
  /** Requests served, from the last heartbeat. */
  requests: number;
  /** Requests inside the app, from the last heartbeat. */
  active: number;
  /** V8 heap in use and its limit at the last heartbeat, in bytes. */
  heap: { used: number; limit: number } | null;
  /** Why it failed, if it dies before booting: from what it printed until then. */
  cause: CauseLine;
  /** The requests it had in flight, read from its board once it exited (lib/inflight.ts). */
  inFlight?: ReturnType<typeof readInFlight>;
  /** Its last whole metrics snapshot (--metrics-bind), from its heartbeat. */
  metrics?: Snapshot;
  /** Set when it said it stops by itself (its --max-requests), not asked to. */
  selfRetired?: boolean;
}

/** How long a reaped worker's last output may take to arrive after its exit. */
const OUTPUT_WAIT_MS = 500;

/** Resolves when `p` settles or `ms` have passed. */
function within(p: Promise<unknown>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([p, new Promise((r) => timer = setTimeout(r, ms))])
    .then(() => clearTimeout(timer));
}

/** A worker about to be spawned: its age and its (already created) heartbeat file. */
export interface Slot {
  age: number;
  heartbeat: string;
}

/** Called once a worker process has exited and left the table. */
export type OnExit = (w: Worker, code: number, signal: string | null) => void;

/** The live workers, by pid. */
export class WorkerPool {
  #workers = new Map<number, Worker>();
  #files: HeartbeatFiles;
  #onExit: OnExit;
  #age = 0;
  #readError = "";
  /** An inheritable copy of our stderr, handed to each worker for after its boot. */
  #stderr: number | null = null;
  #boots = 0;

  /** Creates an empty pool whose heartbeat files live in `files`. */
  constructor(files: HeartbeatFiles, onExit: OnExit) {
    this.#files = files;
    this.#onExit = onExit;
  }

  /** How many workers have booted (written a first heartbeat) since the arbiter started. */
  get boots(): number {
    return this.#boots;
  }

  /** How many worker processes are alive. */
  get size(): number {
    return this.#workers.size;
  }

  /** The live workers, oldest first. */
  list(): Worker[] {
    return [...this.#workers.values()].sort((a, b) => a.age - b.age);
  }

  /** The worker with `pid`, if it is alive. */
  get(pid: number): Worker | undefined {
    return this.#workers.get(pid);
  }

  /** Numbers the next worker and creates its heartbeat file; throws when the file cannot be made. */
  reserve(): Slot {
    const age = ++this.#age;
    return { age, heartbeat: this.#files.create(age) };
  }

  /** Starts the worker process for `slot` with `env`; throws (and drops the file) on failure. */
  spawn(slot: Slot, generation: number, env: Record<string, string>): Worker {
    let child: Deno.ChildProcess;
    try {
      this.#stderr ??= inheritableStderr();
      child = spawnSelf({ ...env, [STDERR_ENV]: String(this.#stderr) }, [], { stderr: "piped" });
    } catch (e) {
      this.#files.remove(slot.heartbeat);
      throw e;
    }
    const now = Date.now();
    const w: Worker = {
      pid: child.pid,
      age: slot.age,
      generation,
      lastBeat: now,
      booted: false,
      aborted: false,
      retiring: false,
      retiredAt: null,
      killed: false,
      child,
      heartbeat: slot.heartbeat,
      spawnedAt: now,
      requests: 0,
      active: 0,
      heap: null,
      cause: new CauseLine(),
    };
    this.#workers.set(child.pid, w);
    const output = forwardBootOutput(child.stderr, { cause: w.cause, out: Deno.stderr });
    child.status.then(async (st) => {
      await within(output, OUTPUT_WAIT_MS); // its last lines, for the cause of a boot failure
      this.#reap(w, st.code, st.signal ?? null);
    });
    return w;
  }

  #reap(w: Worker, code: number, signal: string | null): void {
    this.#workers.delete(w.pid);
    const last = this.#files.peek(w.heartbeat); // its last counters and heap, for the exit log
    if (last !== null) this.#apply(w, last, Date.now());
    this.#files.remove(w.heartbeat);
    const board = inFlightPath(w.heartbeat);
    w.inFlight = readInFlight(board); // what it was doing, for the exit log
    this.#files.remove(board);
    this.#onExit(w, code, signal);
  }

  /** Sends `sig` to `pid`, if it is still there. */
  kill(pid: number, sig: Deno.Signal): void {
    try {
      Deno.kill(pid, sig);
    } catch { /* already gone */ }
  }

  /** Asks a worker to stop gracefully (TERM); it finishes what it holds. */
  retire(pid: number): void {
    const w = this.#workers.get(pid);
    if (w === undefined || w.retiring) return;
    w.retiring = true;
    w.retiredAt = Date.now();
    this.kill(pid, "SIGTERM");
  }

  /**
   * Reads every heartbeat: liveness, boot, counters; a worker that says it is stopping (its
   * --max-requests) counts as retiring from then on. A heartbeat the arbiter cannot read (its own
   * files broken) is logged once and not held against the worker.
   */
  readBeats(): void {
    const now = Date.now();
    let error = "";
    for (const w of this.#workers.values()) {
      let r;
      try {
        r = this.#files.read(w.heartbeat, w.lastBeat);
      } catch (e) {
        error ||= `Cannot read heartbeat ${w.heartbeat}: ${(e as Error).message}`;
        w.lastBeat = now;
        continue;
      }
      if (r !== null) this.#apply(w, r, now);
    }
    if (error !== "" && error !== this.#readError) log.error(error);
    this.#readError = error;
  }

  #apply(w: Worker, r: Reading, now: number): void {
    w.lastBeat = r.mtime;
    if (r.beat === null) return;
    if (!w.booted) this.#boots++;
    w.booted = true;
    w.requests = r.beat.served;
    w.active = r.beat.active;
    w.heap = { used: r.beat.heapUsed, limit: r.beat.heapLimit };
    if (r.beat.metrics !== undefined) w.metrics = r.beat.metrics;
    if (r.beat.stopping && !w.retiring) {
      Object.assign(w, { retiring: true, retiredAt: now, selfRetired: true });
    }
  }

  /** The workers as `ctl workers` shows them. */
  reports(now: number): WorkerReport[] {
    return this.list().map((w) => ({
      pid: w.pid,
      age: w.age,
      uptime: (now - w.spawnedAt) / 1000,
      requests: w.requests,
      active: w.active,
      state: stateOf(w),
    }));
  }

  /** Sends `sig` to every worker, waits up to `graceMs` for them to exit, then KILLs the rest. */
  async stop(sig: Deno.Signal, graceMs: number): Promise<void> {
    const all = this.list();
    for (const w of all) this.kill(w.pid, sig);
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      Promise.all(all.map((w) => w.child.status)),
      new Promise((r) => timer = setTimeout(r, graceMs)),
    ]);
    clearTimeout(timer);
    const left = this.list();
    for (const w of left) this.kill(w.pid, "SIGKILL");
    await Promise.all(left.map((w) => w.child.status));
  }
}

/** A copy of fd 2 that children inherit (workers make it their stderr once booted). */
function inheritableStderr(): number {
  const fd = sys.dup(2);
  sys.setInheritable(fd, true);
  return fd;
}

function stateOf(w: Worker): WorkerStateName {
  if (w.killed) return "killed";
  if (w.aborted) return "timed out";
  if (w.retiring) return "retiring";
  return w.booted ? "serving" : "booting";
}
