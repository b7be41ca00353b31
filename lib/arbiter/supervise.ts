/**
 * @module Supervision, the arbiter's worker-side steps: how many workers it keeps and of which
 * generation, and the thin steps that apply plan.ts and exits.ts to the pool — murder the silent,
 * reap the dead, spawn what lacks, retire what is extra or replaced.
 */

import type { ArbiterView, Hooks, Settings } from "../config/mod.ts";
import { APP_LOAD_ERROR, WORKER_BOOT_ERROR } from "../exit_codes.ts";
import { HeartbeatFiles } from "../heartbeat.ts";
import { inFlightLines } from "../inflight.ts";
import { runHook } from "../hooks.ts";
import { log, reopenLogFiles } from "../log.ts";
import type { WorkerReport } from "./commands.ts";
import { type ExitVerdict, judgeBootFailure, judgeExit, loadFailureMessage } from "./exits.ts";
import { memoryLimits, memoryStep, outgrownMessage, readRss } from "./memory.ts";
import {
  failedLoadPlan,
  maxWorkers,
  murderPlan,
  overduePlan,
  replacementPlan,
  retirePlan,
  spawnBackoff,
  spawnCount,
} from "./plan.ts";
import { type Worker, WorkerPool } from "./pool.ts";
import { ArbiterMetrics } from "./metrics.ts";
import { workerEnv, workerOwner } from "./worker_setup.ts";

/** What supervision needs from the arbiter. */
export interface SupervisorHost {
  /** What hooks receive as `server` (the arbiter). */
  readonly server: ArbiterView;
  /** The arbiter's environment (passed on to workers). */
  readonly env: Record<string, string>;
  settings(): Settings;
  hooks(): Hooks;
  /** The listening fds workers inherit. */
  fds(): number[];
  /** True once the arbiter is stopping. */
  stopping(): boolean;
  /** Stops the server with `reason` and exit status `code`. */
  halt(reason: string, code: number): void;
  /** Wakes the loop (a worker exited). */
  wake(): void;
}

/** The workers the arbiter keeps. */
export class Supervisor {
  #host: SupervisorHost;
  #files = new HeartbeatFiles();
  #pool: WorkerPool;
  #target: number;
  /** Bumped by each reload: workers of older generations are replaced. */
  #generation = 0;
  #replaceDeadline = 0;
  #spawnFailures = 0;
  #nextSpawn = 0;
  /** Workers in a row that died before booting; reset when one boots (pool.boots moves). */
  #bootFailures = 0;
  #bootsSeen = 0;
  /** Set when a worker could not load the app: nothing is spawned until the next reload. */
  #paused: { reason: string; exitCode: number } | null = null;
  /** Starts by reason and the counts of exited workers (lib/arbiter/metrics.ts). */
  readonly metrics: ArbiterMetrics;

  /** Creates the supervisor of `target` workers; nothing runs before {@linkcode open}. */
  constructor(host: SupervisorHost, target: number) {
    this.#host = host;
    this.#target = target;
    this.metrics = new ArbiterMetrics(host.settings().metrics_buckets);
    this.#pool = new WorkerPool(this.#files, (w, code, sig) => this.#reaped(w, code, sig));
  }

  /** Creates the heartbeat directory (throws when --worker-tmp-dir or --user is unusable). */
  open(): void {
    const s = this.#host.settings();
    this.#files.open(s.worker_tmp_dir, workerOwner(s));
  }

  /** The most workers TTIN or `ctl scale` may ask for. */
  get max(): number {
    return maxWorkers(navigator.hardwareConcurrency, this.#host.settings().workers);
  }

  /** How many workers the arbiter keeps running. */
  get target(): number {
    return this.#target;
  }

  /** Changes the number of workers (TTIN, TTOU, WINCH, HUP, `ctl scale`); runs nworkers_changed. */
  set target(n: number) {
    const old = this.#target;
    if (n === old) return;
    if (n > this.max) {
      log.warning(
        `Cannot scale to ${n} workers: the most is ${this.max} (16 per CPU or --workers)`,
      );
      return;
    }
    this.#target = n;
    void runHook(this.#host.hooks(), "nworkers_changed", this.#host.server, n, old);
  }

  /** How many worker processes are alive. */
  get size(): number {
    return this.#pool.size;
  }

  /** True while workers of an older generation, or outgrown ones, wait for replacements to boot. */
  get replacing(): boolean {
    return this.#pool.list().some((w) =>
      (w.generation < this.#generation || w.outgrown) && !w.retiring
    );
  }

  /** The workers as `ctl workers` shows them, from fresh heartbeats. */
  reports(): WorkerReport[] {
    this.#pool.readBeats();
    return this.#pool.reports(Date.now());
  }

  /**
   * `ctl reopen`: reopens the arbiter's log files and has every worker reopen its own (HUP, since
   * every denocorn process ignores USR1, gunicorn's signal for it: lib/sys/signals.ts).
   */
  reopenLogs(): void {
    log.info("Reopening log files");
    reopenLogFiles();
    for (const w of this.#pool.list()) this.#pool.kill(w.pid, "SIGHUP");
  }

  /** HUP: a new generation replaces every worker once it has booted (or after the deadline). */
  replaceAll(): void {
    this.#paused = null;
    this.#spawnFailures = 0;
    this.#bootFailures = 0;
    this.#nextSpawn = 0;
    this.#generation++;
    this.#replaceDeadline = Date.now() + Math.max(10, this.#host.settings().timeout) * 1000;
  }

  /**
   * Reads heartbeats and kills silent workers (SIGABRT first, SIGKILL on the next turn), and
   * retired workers that outlive --graceful-timeout (SIGKILL, as on TERM).
   */
  murder(now: number): void {
    const pool = this.#pool;
    const s = this.#host.settings();
    pool.readBeats();
    for (const a of murderPlan(pool.list(), now, s.timeout)) {
      const w = pool.get(a.pid);
      if (w === undefined) continue;
      if (a.kind === "abort") {
        log.critical(`WORKER TIMEOUT (pid:${a.pid})`);
        w.aborted = true;
      }
      pool.kill(a.pid, a.kind === "abort" ? "SIGABRT" : "SIGKILL");
    }
    for (const pid of overduePlan(pool.list(), now, s.graceful_timeout)) {
      const late = `${s.graceful_timeout}s after it was asked to stop (--graceful-timeout)`;
      log.warning(`Worker (pid:${pid}) is still running ${late}: killing it`);
      pool.get(pid)!.killed = true;
      pool.kill(pid, "SIGKILL");
    }
  }

  /** Retires a replaced generation once the new one booted, retires extras, spawns what lacks. */
  manage(now: number): void {
    const pool = this.#pool;
    this.#noteBoots();
    const gen = this.#generation;
    const deadline = this.#replaceDeadline;
    for (const pid of replacementPlan(pool.list(), gen, this.#target, now, deadline)) {
      pool.retire(pid);
    }
    this.#checkMemory();
    const current = pool.list().filter((w) => w.generation === gen && !w.outgrown);
    for (const pid of retirePlan(current, this.#target)) pool.retire(pid);
    if (this.#paused !== null) return this.#whilePaused(this.#paused);
    if (now < this.#nextSpawn) return;
    for (let n = spawnCount(current, this.#target); n > 0; n--) {
      try {
        this.#spawn();
        this.#spawnFailures = 0;
      } catch (e) {
        const wait = spawnBackoff(++this.#spawnFailures);
        this.#nextSpawn = now + wait * 1000;
        log.error(`Cannot spawn a worker, retrying in ${wait}s: ${(e as Error).message}`);
        return;
      }
    }
  }

  /** --max-worker-memory (memory.ts): outgrown workers are counted out, then retired. */
  #checkMemory(): void {
    const limits = memoryLimits(this.#host.settings());
    const at = { generation: this.#generation, target: this.#target, limits };
    const step = memoryStep(this.#pool.list(), at, readRss);
    for (const o of step.found) log.warning(outgrownMessage(o, limits!));
    for (const pid of step.retire) this.#pool.retire(pid); // restart reason: "memory"
  }

  #spawn(): void {
    const host = this.#host;
    const slot = this.#pool.reserve();
    const view = { pid: 0, age: slot.age, ppid: Deno.pid, requests: 0, cfg: host.settings(), log };
    void runHook(host.hooks(), "pre_fork", host.server, view);
    const env = workerEnv({ ...slot, settings: host.settings(), fds: host.fds(), env: host.env });
    this.metrics.spawned(this.#pool.list(), this.#generation);
    const w = this.#pool.spawn(slot, this.#generation, env);
    log.info(`Booting worker with pid: ${w.pid}`);
  }

  #serving(): number {
    return this.#pool.list().filter((w) => w.booted && !w.retiring).length;
  }

  /** Without --reload, a server left with no worker that loaded the app stops, as at start. */
  #whilePaused(paused: { reason: string; exitCode: number }): void {
    if (this.#serving() > 0 || this.#host.settings().reload) return;
    this.#host.halt(paused.reason, paused.exitCode);
  }

  /** A new generation cannot load: the previous workers keep serving until the next reload. */
  #loadFailed(v: Extract<ExitVerdict, { kind: "load-failed" }>): void {
    const first = this.#paused === null;
    this.#paused = { reason: v.reason, exitCode: v.exitCode };
    const plan = failedLoadPlan(this.#pool.list());
    for (const pid of plan.keep) this.#pool.get(pid)!.generation = this.#generation;
    for (const pid of plan.retire) this.#pool.retire(pid);
    const msg = loadFailureMessage(v.reason, plan.keep.length, this.#host.settings().reload);
    if (first) log.error(msg);
  }

  /** A worker booted since the last look: boot failures are no longer "in a row". */
  #noteBoots(): void {
    if (this.#pool.boots === this.#bootsSeen) return;
    this.#bootsSeen = this.#pool.boots;
    this.#bootFailures = 0;
  }

  /**
   * A worker died before its first heartbeat: the server halts (exit 3) when no worker ever
   * booted and this keeps happening; otherwise the next spawn backs off. A new generation (HUP)
   * that dies so while booted workers of the previous code serve is treated like one that
   * cannot load: those keep serving, and the new code waits for the next reload.
   */
  #bootFailed(w: Worker, code: number, signal: string | null): void {
    this.#pool.readBeats(); // a worker that booted meanwhile breaks the row
    this.#noteBoots();
    const v = judgeBootFailure({
      pid: w.pid,
      code,
      signal,
      cause: w.cause.line,
      failures: ++this.#bootFailures,
      everBooted: this.#pool.boots > 0,
      reload: this.#host.settings().reload,
      previousServes: w.generation === this.#generation &&
        this.#pool.list().some((o) => o.generation < w.generation && o.booted && !o.retiring),
    });
    if (v.kind === "halt") return this.#host.halt(v.reason, v.exitCode);
    log.error(v.message);
    if (v.kind === "retry") {
      this.#nextSpawn = Math.max(this.#nextSpawn, Date.now() + v.waitS * 1000);
      return;
    }
    const reason = "Worker failed to boot";
    this.#loadFailed({ kind: "load-failed", reason, exitCode: WORKER_BOOT_ERROR });
  }

  #reaped(w: Worker, code: number, signal: string | null): void {
    const host = this.#host;
    // Who has booted, as of now: those keep serving if this worker could not load the app.
    if (code === WORKER_BOOT_ERROR || code === APP_LOAD_ERROR) this.#pool.readBeats();
    const verdict = judgeExit(w.pid, code, signal, {
      stopping: host.stopping(),
      retired: w.retiring,
      keepServing: host.settings().reload || this.#serving() > 0,
      killedFor: w.killed ? "--graceful-timeout" : w.aborted ? "WORKER TIMEOUT" : null,
      heap: w.heap,
    });
    if (verdict.kind === "halt") host.halt(verdict.reason, verdict.exitCode);
    else if (verdict.kind === "load-failed") this.#loadFailed(verdict);
    else if (!w.booted && !w.retiring && !host.stopping()) this.#bootFailed(w, code, signal);
    else if (verdict.message !== null) {
      log.error(verdict.message);
      // Timeout forensics: what the worker was doing when it died or was killed.
      if (w.inFlight) {
        for (const l of inFlightLines(w.pid, w.inFlight, Date.now())) log.error(l);
      }
    }
    this.metrics.reaped(w, this.#generation, host.stopping());
    const { pid, age, requests } = w;
    const view = { pid, age, ppid: Deno.pid, requests, cfg: host.settings(), log };
    void runHook(host.hooks(), "child_exit", host.server, view);
    host.wake();
  }

  /** The live workers with fresh heartbeats (/metrics, /healthz, /readyz, `ctl stats`). */
  live(): Worker[] {
    this.#pool.readBeats();
    return this.#pool.list();
  }

  /** Stops every worker: `sig`, then KILL for those still running after `graceMs`. */
  async stop(sig: Deno.Signal, graceMs: number): Promise<void> {
    await this.#pool.stop(sig, graceMs);
  }

  /** Removes the heartbeat directory. */
  close(): void {
    this.#files.close();
  }
}
