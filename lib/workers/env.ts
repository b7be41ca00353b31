/** @module The environment contract between the arbiter and the worker processes it spawns. */

import type { Settings } from "../config/mod.ts";

/** Environment variable names the arbiter sets for each worker. */
export const WORKER_ENV = {
  /** "worker": the process runs a worker loop instead of an arbiter. */
  role: "DENOCORN_ROLE",
  /** Comma-separated listening fd numbers inherited from the arbiter. */
  fds: "DENOCORN_WORKER_FDS",
  /** The effective settings as JSON. */
  settings: "DENOCORN_SETTINGS",
  /** Path of the heartbeat file whose mtime the worker refreshes. */
  heartbeat: "DENOCORN_HEARTBEAT",
  /** The worker's age: a counter the arbiter increments for each spawn. */
  age: "DENOCORN_WORKER_AGE",
  /** The arbiter's pid (for log lines and sanity checks). */
  ppid: "DENOCORN_ARBITER_PID",
} as const;

/** What a worker learns from its environment. */
export interface WorkerBoot {
  fds: number[];
  settings: Settings;
  heartbeat: string;
  age: number;
  arbiterPid: number;
}

/** Reads the worker's boot data; throws TypeError naming the variable when it is missing or bad. */
export function readWorkerEnv(env: Record<string, string | undefined>): WorkerBoot {
  const need = (name: string): string => {
    const v = env[name];
    if (v === undefined || v === "") throw new TypeError(`Cannot boot worker: ${name} is not set`);
    return v;
  };
  const fds = need(WORKER_ENV.fds).split(",").map(Number);
  if (fds.some((n) => !Number.isInteger(n) || n < 0)) {
    throw new TypeError(`Cannot boot worker: ${WORKER_ENV.fds} is not a list of fds`);
  }
  return {
    fds,
    settings: JSON.parse(need(WORKER_ENV.settings)) as Settings,
    heartbeat: need(WORKER_ENV.heartbeat),
    age: Number(env[WORKER_ENV.age] ?? 0),
    arbiterPid: Number(env[WORKER_ENV.ppid] ?? 0),
  };
}
