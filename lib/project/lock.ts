/**
 * @module The lock file workers run with: a private copy of the app's lock plus denocorn's own
 * entries, so the app's lock is honoured (frozen too) and never written by denocorn.
 */

import { join } from "node:path";
import type { DenoProject } from "./find.ts";

/** The lock file format version these entries are written in (Deno 2). */
export const LOCK_VERSION = "5";

/**
 * denocorn's own npm dependency, as lib/log.ts imports it, with the entries deno.lock holds for
 * it. A test keeps this in step with deno.lock and lib/log.ts.
 */
export const OWN_LOCK_ENTRIES: {
  specifiers: Record<string, string>;
  npm: Record<string, { integrity: string }>;
} = {
  specifiers: { "npm:@logtape/logtape@^2.4.2": "2.4.2" },
  npm: {
    "@logtape/logtape@2.4.2": {
      integrity:
        "sha512-YJyC1gEMgWmTqJTRtKkjgasEbi8/0gP7Dj8n6bL46gQIAhpTY8uXJ+1QYMOgF5asotlGMvy3G7ejXUe45Yd1MQ==",
    },
  },
};

type LockObject = Record<string, unknown> & { version?: unknown };

function parseLock(text: string): LockObject | null {
  try {
    const v = JSON.parse(text) as unknown;
    return typeof v === "object" && v !== null && !Array.isArray(v) ? v as LockObject : null;
  } catch {
    return null;
  }
}

/**
 * The worker's lock text: the app's lock (or an empty one) with denocorn's entries added where the
 * app has none of its own. A lock in another format or one that does not parse comes back as it
 * is, for Deno to judge.
 *
 * @example
 * ```ts
 * import { mergeLock } from "./lock.ts";
 * const app = '{"version":"5","specifiers":{"npm:hono@4":"4.6.0"},"npm":{}}';
 * const merged = JSON.parse(mergeLock(app));
 * if (merged.specifiers["npm:hono@4"] !== "4.6.0") throw new Error("app entry lost");
 * if (!("npm:@logtape/logtape@^2.4.2" in merged.specifiers)) throw new Error("own entry missing");
 * ```
 */
export function mergeLock(appText: string | null): string {
  const app = appText === null ? { version: LOCK_VERSION } : parseLock(appText);
  if (app === null || app.version !== LOCK_VERSION) return appText ?? "";
  const out: LockObject = { ...app };
  for (const [section, entries] of Object.entries(OWN_LOCK_ENTRIES)) {
    const have = out[section];
    const base = typeof have === "object" && have !== null ? have as Record<string, unknown> : {};
    out[section] = { ...entries, ...base };
  }
  return JSON.stringify(out, null, 2) + "\n";
}

/**
 * How the log names a project's lock: `, lock PATH` (with ` (frozen)`) when the file exists, `, no
 * lock` when the project turns locking off, nothing when there is no project or no lock file yet
 * (Deno would create one; the workers' private copy starts from denocorn's entries only).
 */
export function describeLock(project: DenoProject): string {
  if (project.root === null) return "";
  if (project.lock === null) return ", no lock";
  try {
    Deno.statSync(project.lock);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return "";
  }
  return `, lock ${project.lock}${project.frozen ? " (frozen)" : ""}`;
}

function readIfPresent(path: string): string | null {
  try {
    return Deno.readTextFileSync(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null;
    throw e;
  }
}

/**
 * Writes the worker lock for `project` into `dir` (atomically, so a worker starting meanwhile
 * reads a whole file) and returns its path; null when the project turns locking off.
 */
export function writeWorkerLock(project: DenoProject, dir: string, name: string): string | null {
  if (project.root !== null && project.lock === null) return null;
  const text = mergeLock(project.lock === null ? null : readIfPresent(project.lock));
  const path = join(dir, `${name}.lock`);
  const tmp = `${path}.${Deno.pid}.tmp`;
  Deno.writeTextFileSync(tmp, text);
  Deno.renameSync(tmp, path);
  return path;
}
