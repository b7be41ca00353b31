/** @module What the arbiter prepares for its workers: environment, owner, V8 flags. */

import type { Settings } from "../config/mod.ts";
import { resolveGroup, resolveUser } from "../users.ts";
import { WORKER_ENV } from "../workers/env.ts";

/** What one worker is started with (lib/workers/env.ts reads it back). */
export interface WorkerSpec {
  settings: Settings;
  fds: readonly number[];
  age: number;
  heartbeat: string;
  /** The arbiter's environment (for DENO_V8_FLAGS). */
  env: Record<string, string>;
}

/** The environment a worker process is spawned with. */
export function workerEnv(spec: WorkerSpec): Record<string, string> {
  return {
    [WORKER_ENV.role]: "worker",
    [WORKER_ENV.fds]: spec.fds.join(","),
    [WORKER_ENV.settings]: JSON.stringify(spec.settings),
    [WORKER_ENV.heartbeat]: spec.heartbeat,
    [WORKER_ENV.age]: String(spec.age),
    [WORKER_ENV.ppid]: String(Deno.pid),
    ...workerV8Flags(spec.env),
  };
}

/** The uid/gid that --user/--group make the workers, or null when they keep ours. */
export function workerOwner(s: Settings): { uid: number | null; gid: number | null } | null {
  if (s.user === null && s.group === null) return null;
  const user = s.user === null ? null : resolveUser(s.user);
  return {
    uid: user?.uid ?? null,
    gid: s.group !== null ? resolveGroup(s.group) : user?.gid ?? null,
  };
}

/**
 * V8's young generation may grow to 3 × 16 MiB semi-spaces; a web worker's garbage is short-lived
 * and small, and 2 MiB semi-spaces cut worker RSS by 20–60 MiB under load at no measured cost in
 * req/s (docs/benchmarks.md). DENO_V8_FLAGS set by the operator wins.
 */
export function workerV8Flags(env: Record<string, string>): Record<string, string> {
  return env.DENO_V8_FLAGS === undefined ? { DENO_V8_FLAGS: "--max-semi-space-size=2" } : {};
}
