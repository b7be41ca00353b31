/**
 * @module What a config file may export: settings by name and gunicorn's server hooks, typed
 * with the views of the arbiter and the workers that hooks receive.
 */

import type { SETTINGS, Settings } from "./table.ts";

/** The server's error log, as hooks use it (gunicorn's `server.log` / `worker.log`). */
export interface ErrorLog {
  /** Logs at DEBUG. */
  debug(msg: string): void;
  /** Logs at INFO. */
  info(msg: string): void;
  /** Logs at WARNING. */
  warning(msg: string): void;
  /** Logs at ERROR; with `err`, its stack follows on the next lines. */
  error(msg: string, err?: unknown): void;
  /** Logs at CRITICAL. */
  critical(msg: string): void;
}

/** What arbiter hooks receive: the supervising process (gunicorn's `server`). */
export interface ArbiterView {
  /** The arbiter's process id. */
  readonly pid: number;
  /** The effective settings (after a HUP, the reloaded ones). */
  readonly cfg: Readonly<Settings>;
  /** How many workers the arbiter keeps running (TTIN, TTOU, `ctl scale` and HUP change it). */
  readonly num_workers: number;
  /** The error log. */
  readonly log: ErrorLog;
}

/**
 * What worker hooks and request hooks receive: one worker process (gunicorn's `worker`). In the
 * arbiter (`pre_fork`, `child_exit`) it is a snapshot; in the worker itself it is live.
 */
export interface WorkerView {
  /** The worker's process id; 0 in `pre_fork`, which runs before the process exists. */
  readonly pid: number;
  /** The spawn counter: 1 for the first worker, one more for each worker spawned since. */
  readonly age: number;
  /** The arbiter's process id. */
  readonly ppid: number;
  /** Requests served so far (in the arbiter: as of the worker's last heartbeat). */
  readonly requests: number;
  /** The settings the worker runs with. */
  readonly cfg: Readonly<Settings>;
  /** The error log. */
  readonly log: ErrorLog;
}

/**
 * gunicorn's server hooks, each run in the process named; a hook may return a promise, which is
 * awaited. A hook that throws is logged and the server goes on, except `on_starting` (startup
 * aborts) and `post_worker_init` (the worker exits with status 3, which halts the server).
 */
export interface Hooks {
  /** Arbiter, once, before the sockets are bound. Throwing aborts startup. */
  on_starting?: (arbiter: ArbiterView) => unknown;
  /** Arbiter, on HUP, after the settings were read again. */
  on_reload?: (arbiter: ArbiterView) => unknown;
  /**
   * Arbiter, once, when the first `workers` workers have booted (their app is loaded); if some
   * never boot, once at least one has and max(10, `timeout`) seconds have passed.
   */
  when_ready?: (arbiter: ArbiterView) => unknown;
  /** Arbiter, just before a worker is spawned (the worker's `pid` is still 0). */
  pre_fork?: (arbiter: ArbiterView, worker: WorkerView) => unknown;
  /** Worker, as soon as it started, before its app is loaded. */
  post_fork?: (worker: WorkerView) => unknown;
  /** Worker, once its app is loaded. Throwing makes the worker exit with status 3. */
  post_worker_init?: (worker: WorkerView) => unknown;
  /** Worker, on INT or QUIT, before it exits at once. */
  worker_int?: (worker: WorkerView) => unknown;
  /** Worker, on ABRT: the arbiter found it silent for `timeout` seconds and is about to kill it. */
  worker_abort?: (worker: WorkerView) => unknown;
  /** Arbiter, on USR2, just before the new arbiter is started. */
  pre_exec?: (arbiter: ArbiterView) => unknown;
  /** Worker, before the app is called with `request`. */
  pre_request?: (worker: WorkerView, request: Request) => unknown;
  /** Worker, after `response` to `request` was sent. */
  post_request?: (worker: WorkerView, request: Request, response: Response) => unknown;
  /** Arbiter, after a worker exited (its last heartbeat's numbers). */
  child_exit?: (arbiter: ArbiterView, worker: WorkerView) => unknown;
  /** Worker, as its loop ends on a graceful stop or after `max_requests`. */
  worker_exit?: (worker: WorkerView) => unknown;
  /** Arbiter, when the number of workers to keep changes from `old` to `count`. */
  nworkers_changed?: (arbiter: ArbiterView, count: number, old: number) => unknown;
  /** Arbiter, once, as it exits. */
  on_exit?: (arbiter: ArbiterView) => unknown;
}

/** One hook's name, e.g. `"on_starting"`. */
export type HookName = keyof Hooks;

/** The process each hook runs in; typed so that a hook added to {@link Hooks} must be added here. */
export const HOOK_PROCESS: Readonly<Record<HookName, "arbiter" | "worker">> = {
  on_starting: "arbiter",
  on_reload: "arbiter",
  when_ready: "arbiter",
  pre_fork: "arbiter",
  post_fork: "worker",
  post_worker_init: "worker",
  worker_int: "worker",
  worker_abort: "worker",
  pre_exec: "arbiter",
  pre_request: "worker",
  post_request: "worker",
  child_exit: "arbiter",
  worker_exit: "worker",
  nworkers_changed: "arbiter",
  on_exit: "arbiter",
};

/** The names of the server hooks a config file may define (gunicorn's). */
export const HOOK_NAMES: readonly HookName[] = Object.keys(HOOK_PROCESS) as HookName[];

/**
 * The default export of a config file: any settings by their snake_case name (docs/settings.md),
 * typed as in {@link Settings} except that a list may also be one string and an octal a string
 * (`"0o22"`), and any hooks.
 */
export type ConfigFile =
  & {
    [R in typeof SETTINGS[number] as R["name"]]?: R extends { type: "list" }
      ? string | readonly string[]
      : R extends { type: "octal"; default: null } ? number | string | null
      : R extends { type: "octal" } ? number | string
      : Settings[R["name"]];
  }
  & Hooks;

/**
 * Returns `config` unchanged; its type checks every setting and hook of `denocorn.config.ts`.
 *
 * @example
 * ```ts
 * import { defineConfig } from "./define.ts";
 *
 * export default defineConfig({
 *   workers: 2,
 *   worker_class: "async",
 *   when_ready: (arbiter) => arbiter.log.info(`Ready with ${arbiter.num_workers} workers`),
 *   post_request: (worker, request, response) => {
 *     if (response.status >= 500) worker.log.warning(`${request.url} failed`);
 *   },
 * });
 * ```
 */
export function defineConfig(config: ConfigFile): ConfigFile {
  return config;
}
