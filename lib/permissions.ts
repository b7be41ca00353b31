/** @module Checks, before anything else runs, that denocorn was given the permissions it needs. */

/** A permission denocorn needs, and why. */
export interface NeededPermission {
  /** Deno's name for it. */
  name: Deno.PermissionName;
  /** What denocorn uses it for. */
  why: string;
}

/** Every permission denocorn needs (all of `-A` that workers and the arbiter use), and why. */
export const NEEDED_PERMISSIONS: readonly NeededPermission[] = [
  { name: "ffi", why: "the listening socket all workers share (libc through FFI)" },
  { name: "run", why: "starting the worker processes" },
  { name: "env", why: "settings and the arbiter-worker handshake" },
  { name: "read", why: "the app, its config and the heartbeat files" },
  { name: "write", why: "heartbeat, pid, lock and log files" },
  { name: "net", why: "the control socket, statsd and the app" },
  { name: "sys", why: "user and group ids" },
];

/** Returns a permission's state without prompting. */
export type PermissionQuery = (name: Deno.PermissionName) => Deno.PermissionState;

const query: PermissionQuery = (name) => Deno.permissions.querySync({ name }).state;

/** The needed permissions that are not granted in full (for any path, host or variable). */
export function missingPermissions(state: PermissionQuery = query): string[] {
  return NEEDED_PERMISSIONS.filter((p) => state(p.name) !== "granted").map((p) => p.name);
}

/**
 * The one line printed when permissions are missing: which, and what each needed one is for.
 *
 * @example
 * ```ts
 * import { permissionError } from "./permissions.ts";
 * const line = permissionError(["ffi", "run"]);
 * if (!line.startsWith("Cannot start without -A: missing --allow-ffi, --allow-run;")) {
 *   throw new Error(line);
 * }
 * ```
 */
export function permissionError(missing: string[]): string {
  const uses = NEEDED_PERMISSIONS.map((p) => `${p.name} for ${p.why}`).join(", ");
  const flags = missing.map((m) => `--allow-${m}`).join(", ");
  return `Cannot start without -A: missing ${flags}; denocorn needs ${uses} ` +
    `(run it as deno run -A, or install it with deno install -g -A)`;
}
