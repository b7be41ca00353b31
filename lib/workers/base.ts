/** @module What every worker class shares: boot, app loading, signals, heartbeat, request counting. */

import { AppLoadError, type FetchHandler, loadApp } from "../app.ts";
import type { Hooks, Settings, WorkerView } from "../config/mod.ts";
import { loadHooks, runFatalHook, runHook } from "../hooks.ts";
import { resolveGroup, resolveUser } from "../users.ts";
import type { RequestObserver } from "./request.ts";
import { APP_LOAD_ERROR, WORKER_BOOT_ERROR } from "../exit_codes.ts";
import { log, reopenLogFiles, setupLogging } from "../log.ts";
import { requestMetrics, startStatsd } from "../statsd.ts";
import * as sys from "../sys/mod.ts";
import { readWorkerEnv, type WorkerBoot } from "./env.ts";
import { capWorkerConnections } from "./fd_limit.ts";
import { type Beat, HeartbeatWriter } from "../heartbeat.ts";
import { InFlightBoard, inFlightPath } from "../inflight.ts";
import { getHeapStatistics } from "node:v8";
import { WorkerMetrics } from "../metrics/worker.ts";
import { parseBuckets } from "../metrics/names.ts";
import { releaseListeners } from "./release.ts";
import { restoreStderr } from "./boot_stderr.ts";
import { readTlsFiles, type TlsFiles } from "./tls/files.ts";

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
  /** Where this worker records its requests in flight for the arbiter (lib/inflight.ts). */
  readonly board: InFlightBoard | null;
  /** Request and connection counters for the arbiter's /metrics (--metrics-bind), if on. */
  readonly metrics: WorkerMetrics | null;
  /** The certificate, key and client CAs it serves HTTPS with (read at boot), null for HTTP. */
  readonly tls: TlsFiles | null;
  /** False once the worker should stop accepting. */
  alive = true;
  /** Requests served so far. */
  requests = 0;
  /** Requests inside the app right now (reported in the heartbeat). */
  active = 0;
  /** Requests after which this worker restarts itself (0 = never). */
  readonly maxRequests: number;
  #wakeR: number;
  #wakeW: number;
  #heart: HeartbeatWriter;
  #onStop: Array<(mode: StopMode) => void> = [];

  private constructor(boot: WorkerBoot, app: FetchHandler, hooks: Hooks, tls: TlsFiles | null) {
    this.boot = boot;
    this.tls = tls;
    this.settings = boot.settings;
    this.#heart = new HeartbeatWriter(boot.heartbeat, () => this.#beat());
    // The arbiter removed the file: it is shutting down or gone.
    this.#heart.onFail = () => this.alive &&= this.#arbiterAlive();
    this.app = this.#counted(app);
    this.hooks = hooks;
    this.observer = makeObserver(this, hooks);
    this.board = InFlightBoard.open(inFlightPath(boot.heartbeat));
    const s = boot.settings;
    this.metrics = s.metrics_bind === null
      ? null
      : new WorkerMetrics(parseBuckets(s.metrics_buckets));
    const { max_requests: max, max_requests_jitter: jitter } = boot.settings;
    this.maxRequests = max > 0 ? max + Math.floor(Math.random() * (jitter + 1)) : 0;
    [this.#wakeR, this.#wakeW] = sys.pipe();
    this.#installSignals();
  }

  /** Boots from the environment: logging, chdir, app. Exits 3 or 4 on failure, as gunicorn does. */
  static async start(env: Record<string, string | undefined>): Promise<WorkerBase> {
    // A stop signal while the app is still loading is remembered, not fatal (the default action).
    let early: StopMode | null = null;
    let boot: WorkerBoot | null = null;
    // The listening sockets are let go of at once, as by a running worker (#releaseListeners).
    const release = () => boot !== null && releaseListeners(boot.fds);
    const onTerm = () => {
      early ??= "graceful";
      release();
    };
    const onQuit = () => {
      early = "quick";
      release();
    };
    Deno.addSignalListener("SIGTERM", onTerm);
    for (const s of ["SIGINT", "SIGQUIT"] as const) Deno.addSignalListener(s, onQuit);
    let hooks: Hooks;
    try {
      boot = readWorkerEnv(env);
      // Processes the app starts must not hold the listeners (they would keep them listening
      // after a stop, see #releaseListeners).
      for (const fd of boot.fds) sys.setInheritable(fd, false);
      const s = boot.settings;
      await setupLogging(s);
      capWorkerConnections(s, boot.age); // below RLIMIT_NOFILE
      if (s.umask !== null) sys.umask(s.umask);
      dropPrivileges(s);
      sys.setParentDeathSignal("SIGTERM"); // after dropPrivileges, which would clear it
      hooks = await loadHooks(s.config);
      await runHook(hooks, "post_fork", workerView(boot));
    } catch (e) {
      log.critical(`Worker failed to boot: ${(e as Error).message}`);
      Deno.exit(WORKER_BOOT_ERROR);
    }
    let tls: TlsFiles | null;
    try {
      tls = readTlsFiles(boot.settings);
    } catch (e) {
      // Not an exit 3: while other workers serve, the arbiter respawns this one with a backoff.
      log.error(`Worker cannot serve HTTPS: ${(e as Error).message}`);
      Deno.exit(1);
    }
    let w: WorkerBase;
    try {
      const app = await loadApp(boot.settings.app ?? "", Deno.cwd());
      w = new WorkerBase(boot, app, hooks, tls);
    } catch (e) {
      if (e instanceof AppLoadError) log.error(e.message, e.cause);
      else log.error("Exception in worker process", e);
      Deno.exit(APP_LOAD_ERROR);
    }
    try {
      await runFatalHook(hooks, "post_worker_init", w);
    } catch (e) {
      log.error("Exception in post_worker_init hook", e);
      Deno.exit(WORKER_BOOT_ERROR);
    }
    restoreStderr(env); // booted: stderr is the arbiter's again, no longer its pipe
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
  /** The error log (gunicorn's `worker.log`), for hooks. */
  get log(): typeof log {
    return log;
  }

  /** Runs the worker_exit hook as the loop ends. */
  async exit(): Promise<void> {
    this.notify(true); // the last counts reach the arbiter before the exit
    await runHook(this.hooks, "worker_exit", this);
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
    this.#releaseListeners();
    sys.wake(this.#wakeW);
    this.notify(true); // "stopping": the arbiter times the drain against --graceful-timeout
    for (const fn of this.#onStop) fn(mode);
    if (mode === "quick") this.#exitNow(0);
  }

  /**
   * TERM, INT, QUIT: this worker's copies of the listening sockets go before it drains, so that
   * once the arbiter's and every worker's are gone new connections are refused at once (see
   * release.ts). Harmless when only this worker stops (HUP, TTOU): the arbiter keeps its copy.
   */
  #releaseListeners(): void {
    releaseListeners(this.boot.fds);
  }

  #installSignals(): void {
    Deno.addSignalListener("SIGTERM", () => this.#stop("graceful"));
    const quick = () => {
      this.#releaseListeners(); // before worker_int, which may take its time
      void runHook(this.hooks, "worker_int", this).finally(() => this.#stop("quick"));
    };
    Deno.addSignalListener("SIGINT", quick);
    Deno.addSignalListener("SIGQUIT", quick);
    // Not USR1: every denocorn process ignores it (sys.ignoreInspectorSignal).
    Deno.addSignalListener("SIGHUP", () => reopenLogFiles());
    // The arbiter sends SIGABRT to a timed-out worker just before SIGKILL.
    Deno.addSignalListener(
      "SIGABRT" as Deno.Signal,
      () => void runHook(this.hooks, "worker_abort", this).finally(() => this.#exitNow(1)),
    );
  }

  /** Exits now, after a last heartbeat (its metrics are counted). */
  #exitNow(code: number): never {
    this.#heart.beat(true);
    Deno.exit(code);
  }

  /** Refreshes the heartbeat (lib/heartbeat.ts) at most four times a second, or now if `force`. */
  notify(force = false): void {
    this.#heart.beat(force);
  }

  #beat(): Beat {
    // Written at most four times a second: the place for gunicorn's parent check.
    if (this.alive && sys.parentChanged(this.boot.arbiterPid)) {
      log.info("Parent changed, shutting down");
      this.#stop("graceful");
    }
    const heap = getHeapStatistics();
    return {
      served: this.requests,
      active: this.active,
      stopping: !this.alive,
      heapUsed: heap.used_heap_size,
      heapLimit: heap.heap_size_limit,
      metrics: this.metrics?.snapshot(),
    };
  }

  /** The app, counting the requests inside it for the heartbeat (`ctl workers` shows them live). */
  #counted(app: FetchHandler): FetchHandler {
    const done = () => void this.active--;
    return (request, info) => {
      this.active++;
      this.#heart.beat(); // rate-limited: a request that runs a while is seen running
      let res;
      try {
        res = app(request, info);
      } catch (e) {
        done();
        throw e;
      }
      if (res instanceof Promise) res.then(done, done);
      else done();
      return res;
    };
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
      this.notify(true);
    }
    return this.alive;
  }
}

/** The worker as hooks see it before the WorkerBase exists (post_fork). */
function workerView(boot: WorkerBoot): WorkerView {
  return {
    pid: Deno.pid,
    age: boot.age,
    ppid: boot.arbiterPid,
    requests: 0,
    cfg: boot.settings,
    log,
  };
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
