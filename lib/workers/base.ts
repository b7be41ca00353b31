/** @module What every worker class shares: boot, app loading, signals, heartbeat, request counting. */

import { AppLoadError, type FetchHandler, loadApp } from "../app.ts";
import type { Settings } from "../config/mod.ts";
import { APP_LOAD_ERROR, WORKER_BOOT_ERROR } from "../exit_codes.ts";
import { log, reopenLogFiles, setupLogging } from "../log.ts";
import * as sys from "../sys/mod.ts";
import { readWorkerEnv, type WorkerBoot } from "./env.ts";

/** How a worker's loop stops: "graceful" finishes the request in hand, "quick" exits now. */
export type StopMode = "graceful" | "quick";

/** The state and services a worker class's loop runs on. */
export class WorkerBase {
  readonly boot: WorkerBoot;
  readonly settings: Settings;
  readonly app: FetchHandler;
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

  private constructor(boot: WorkerBoot, app: FetchHandler) {
    this.boot = boot;
    this.settings = boot.settings;
    this.app = app;
    const { max_requests: max, max_requests_jitter: jitter } = boot.settings;
    this.maxRequests = max > 0 ? max + Math.floor(Math.random() * (jitter + 1)) : 0;
    [this.#wakeR, this.#wakeW] = sys.pipe();
    this.#installSignals();
  }

  /** Boots from the environment: logging, chdir, app. Exits 3 or 4 on failure, as gunicorn does. */
  static async start(env: Record<string, string | undefined>): Promise<WorkerBase> {
    let boot: WorkerBoot;
    try {
      boot = readWorkerEnv(env);
      await setupLogging({
        loglevel: boot.settings.loglevel,
        errorlog: boot.settings.errorlog,
        accesslog: boot.settings.accesslog,
        accessLogFormat: boot.settings.access_log_format,
        procName: boot.settings.proc_name,
      });
    } catch (e) {
      log.critical(`Worker failed to boot: ${(e as Error).message}`);
      Deno.exit(WORKER_BOOT_ERROR);
    }
    try {
      const app = await loadApp(boot.settings.app ?? "", Deno.cwd());
      return new WorkerBase(boot, app);
    } catch (e) {
      if (e instanceof AppLoadError) log.error(e.message);
      else log.error("Exception in worker process", e);
      Deno.exit(APP_LOAD_ERROR);
    }
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
    Deno.addSignalListener("SIGINT", () => this.#stop("quick"));
    Deno.addSignalListener("SIGQUIT", () => this.#stop("quick"));
    Deno.addSignalListener("SIGUSR1", () => reopenLogFiles());
    // The arbiter sends SIGABRT to a timed-out worker just before SIGKILL.
    Deno.addSignalListener("SIGABRT" as Deno.Signal, () => Deno.exit(1));
  }

  /** Refreshes the heartbeat file (at most a few times a second: it is a syscall). */
  notify(): void {
    const now = performance.now();
    if (now - this.#lastBeat < 250) return;
    this.#lastBeat = now;
    try {
      const t = new Date();
      Deno.utimeSync(this.boot.heartbeat, t, t);
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
