/** @module What the arbiter prepares for its workers: heartbeat directory, owner, V8 flags. */

import type { Settings } from "../config/mod.ts";
import { resolveGroup, resolveUser } from "../users.ts";

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
