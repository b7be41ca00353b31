/** @module What every worker class shares: boot, app loading, signals, heartbeat, request counting. */

import { AppLoadError, type FetchHandler, loadApp } from "../app.ts";
import type { Hooks, Settings } from "../config/mod.ts";
import { loadHooks, runFatalHook, runHook } from "../hooks.ts";
import { resolveGroup, resolveUser } from "../users.ts";
import type { RequestObserver } from "./respond.ts";
import { APP_LOAD_ERROR, WORKER_BOOT_ERROR } from "../exit_codes.ts";
import { log, reopenLogFiles, setupLogging } from "../log.ts";
import { requestMetrics, startStatsd } from "../statsd.ts";
import * as sys from "../sys/mod.ts";
import { readWorkerEnv, type WorkerBoot } from "./env.ts";

/** How a worker's loop stops: "graceful" finishes the request in hand, "quick" exits now. */
export type StopMode = "graceful" | "quick";

/** The state and services a worker class's loop runs on. */
export class WorkerBase {
  readonly boot: WorkerBoot;
  readonly settings: Settings;
  readonly app: FetchHandler;
  /** The config file's server hooks (imported again in this process). */
  readonly hooks: Hooks;
  /** Runs pre_request / post_request hooks and metrics around each request, if any. */
  readonly observer: RequestObserver | null;
  /** False once the worker should stop accepting. */
  alive = true;
  /** Requests served so far. */
  requests = 0;
  /** Requests after which this worker restarts itself (0 = never). */
  readonly maxRequests: number;
  #wakeR: number;
  #wakeW: number;
  #lastBeat = 0;
  #onStop: Array<(mode: StopMode) => void> = [];

  private constructor(boot: WorkerBoot, app: FetchHandler, hooks: Hooks) {
    this.boot = boot;
    this.settings = boot.settings;
    this.app = app;
    this.hooks = hooks;
    this.observer = makeObserver(this, hooks);
    const { max_requests: max, max_requests_jitter: jitter } = boot.settings;
    this.maxRequests = max > 0 ? max + Math.floor(Math.random() * (jitter + 1)) : 0;
    [this.#wakeR, this.#wakeW] = sys.pipe();
    this.#installSignals();
  }

  /** Boots from the environment: logging, chdir, app. Exits 3 or 4 on failure, as gunicorn does. */
  static async start(env: Record<string, string | undefined>): Promise<WorkerBase> {
    // A stop signal while the app is still loading is remembered, not fatal (the default action).
    let early: StopMode | null = null;
    const onTerm = () => early ??= "graceful";
    const onQuit = () => early = "quick";
    Deno.addSignalListener("SIGTERM", onTerm);
    for (const s of ["SIGINT", "SIGQUIT"] as const) Deno.addSignalListener(s, onQuit);
    let boot: WorkerBoot;
    let hooks: Hooks;
    try {
      boot = readWorkerEnv(env);
      const s = boot.settings;
      await setupLogging({
        loglevel: s.loglevel,
        errorlog: s.errorlog,
        accesslog: s.accesslog,
        accessLogFormat: s.access_log_format,
        procName: s.proc_name,
      });
      sys.umask(s.umask);
      dropPrivileges(s);
      sys.setParentDeathSignal("SIGTERM"); // after dropPrivileges, which would clear it
      hooks = await loadHooks(s.config);
      await runHook(hooks, "post_fork", { pid: boot.arbiterPid, cfg: s }, workerView(boot));
    } catch (e) {
      log.critical(`Worker failed to boot: ${(e as Error).message}`);
      Deno.exit(WORKER_BOOT_ERROR);
    }
    let w: WorkerBase;
    try {
      const app = await loadApp(boot.settings.app ?? "", Deno.cwd());
      w = new WorkerBase(boot, app, hooks);
    } catch (e) {
      if (e instanceof AppLoadError) log.error(e.message);
      else log.error("Exception in worker process", e);
      Deno.exit(APP_LOAD_ERROR);
    }
    try {
      await runFatalHook(hooks, "post_worker_init", w);
    } catch (e) {
      log.error("Exception in post_worker_init hook", e);
      Deno.exit(WORKER_BOOT_ERROR);
    }
    Deno.removeSignalListener("SIGTERM", onTerm);
    for (const s of ["SIGINT", "SIGQUIT"] as const) Deno.removeSignalListener(s, onQuit);
    if (early !== null) w.#stop(early);
    w.notify(true);
    return w;
  }

  /** This worker's pid (for hooks). */
  get pid(): number {
    return Deno.pid;
  }
  /** Spawn order given by the arbiter. */
  get age(): number {
    return this.boot.age;
  }
  /** The arbiter's pid. */
  get ppid(): number {
    return this.boot.arbiterPid;
  }
  /** The effective settings (gunicorn's `worker.cfg`). */
  get cfg(): Settings {
    return this.settings;
  }

  /** Runs the worker_exit hook as the loop ends. */
  async exit(): Promise<void> {
    await runHook(this.hooks, "worker_exit", { pid: this.ppid, cfg: this.settings }, this);
  }

  /** The fd that becomes readable when a signal asks the loop to look at `alive`. */
  get wakeFd(): number {
    return this.#wakeR;
  }

  /** Registers a callback for stop requests (worker classes close idle connections here). */
  onStop(fn: (mode: StopMode) => void): void {
    this.#onStop.push(fn);
  }

  #stop(mode: StopMode): void {
    this.alive = false;
    sys.wake(this.#wakeW);
    for (const fn of this.#onStop) fn(mode);
    if (mode === "quick") Deno.exit(0);
  }

  #installSignals(): void {
    Deno.addSignalListener("SIGTERM", () => this.#stop("graceful"));
    const quick = () =>
      void runHook(this.hooks, "worker_int", this).finally(() => this.#stop("quick"));
    Deno.addSignalListener("SIGINT", quick);
    Deno.addSignalListener("SIGQUIT", quick);
    // Not USR1: every denocorn process ignores it (sys.ignoreInspectorSignal).
    Deno.addSignalListener("SIGHUP", () => reopenLogFiles());
    // The arbiter sends SIGABRT to a timed-out worker just before SIGKILL.
    Deno.addSignalListener(
      "SIGABRT" as Deno.Signal,
      () => void runHook(this.hooks, "worker_abort", this).finally(() => Deno.exit(1)),
    );
  }

  /**
   * Refreshes the heartbeat file at most a few times a second: its mtime says "alive", its
   * content the requests served (the arbiter reports both; a non-empty file means booted).
   */
  notify(force = false): void {
    const now = performance.now();
    if (!force && now - this.#lastBeat < 250) return;
    this.#lastBeat = now;
    if (this.alive && sys.parentChanged(this.boot.arbiterPid)) {
      log.info("Parent changed, shutting down");
      this.#stop("graceful");
    }
    try {
      Deno.writeTextFileSync(this.boot.heartbeat, String(this.requests));
    } catch {
      // The arbiter removed the file: it is shutting down or gone.
      if (!this.#arbiterAlive()) this.alive = false;
    }
  }

  #arbiterAlive(): boolean {
    try {
      Deno.kill(this.boot.arbiterPid, "SIGCONT" as Deno.Signal);
      return true;
    } catch {
      return false;
    }
  }

  /** Counts a served request; false when max-requests is reached (the loop then exits). */
  countRequest(): boolean {
    this.requests++;
    if (this.maxRequests > 0 && this.requests >= this.maxRequests && this.alive) {
      log.info("Autorestarting worker after current request.");
      this.alive = false;
    }
    return this.alive;
  }
}

function workerView(boot: WorkerBoot): { pid: number; age: number; ppid: number } {
  return { pid: Deno.pid, age: boot.age, ppid: boot.arbiterPid };
}

/** --user / --group: switch identity before the app is loaded (needs root). */
function dropPrivileges(s: Settings): void {
  if (s.user === null && s.group === null) return;
  const user = s.user === null ? null : resolveUser(s.user);
  const gid = s.group !== null ? resolveGroup(s.group) : user?.gid ?? null;
  sys.setOwner(user?.uid ?? null, gid);
}

function makeObserver(w: WorkerBase, hooks: Hooks): RequestObserver | null {
  const statsd = startStatsd(w.settings);
  const pre = hooks.pre_request !== undefined;
  const post = hooks.post_request !== undefined;
  if (!pre && !post && statsd === null) return null;
  return {
    before: async (req) => {
      if (pre) await runHook(hooks, "pre_request", w, req);
    },
    after: async (req, res, ms) => {
      statsd?.send(...requestMetrics(res.status, ms));
      if (post) await runHook(hooks, "post_request", w, req, res);
    },
  };
}
