/** @module The arbiter's pidfile (`--pid`): written at start, moved aside on USR2, removed at exit. */

import { basename, dirname } from "node:path";
import * as sys from "../sys/mod.ts";

/** The pidfile's mode, whatever the umask: readable by all, writable by the arbiter's user. */
export const PIDFILE_MODE = 0o644;

/** A pidfile that this arbiter owns. */
export class Pidfile {
  #path: string;

  /** Creates the handle for `path` (nothing is written yet). */
  constructor(path: string) {
    this.#path = path;
  }

  /** The current path (it changes when moved to `.oldbin`). */
  get path(): string {
    return this.#path;
  }

  /**
   * Writes `pid`. Refuses to overwrite the pidfile of another running arbiter (gunicorn's
   * "Already running on PID" check); a stale file is replaced.
   *
   * The pid goes to a new file with a random name in the same directory, created with
   * O_CREAT|O_EXCL|O_NOFOLLOW and mode 0644, then renamed over the path: no symlink planted at
   * the path or at a predictable temporary name is ever followed (a root arbiter would write
   * through it), and readers see the old file or the whole new one.
   */
  create(pid: number): void {
    const old = readPid(this.#path);
    if (old !== null && old !== pid && isRunning(old)) {
      throw new Error(`Cannot write pidfile "${this.#path}": already running on PID ${old}`);
    }
    const tmp = `${dirname(this.#path)}/.${basename(this.#path)}.${sys.randomName()}`;
    try {
      sys.writeNewFile(tmp, new TextEncoder().encode(`${pid}\n`), PIDFILE_MODE);
      Deno.renameSync(tmp, this.#path);
    } catch (e) {
      try {
        Deno.removeSync(tmp);
      } catch { /* not created */ }
      throw new Error(`Cannot write pidfile "${this.#path}": ${(e as Error).message}`);
    }
  }

  /** Moves the file to `newPath` (USR2: `<pidfile>.oldbin`, and back when the new arbiter fails). */
  rename(newPath: string): void {
    try {
      Deno.renameSync(this.#path, newPath);
    } catch { /* removed meanwhile: keep going with the new name */ }
    this.#path = newPath;
  }

  /** Removes the file if it still names `pid` (a newer arbiter may own the path now). */
  unlink(pid: number): void {
    if (readPid(this.#path) !== pid) return;
    try {
      Deno.removeSync(this.#path);
    } catch { /* gone */ }
  }
}

/** The pid in a pidfile, or null when missing, unreadable, or not a regular file (a symlink). */
export function readPid(path: string): number | null {
  try {
    if (!Deno.lstatSync(path).isFile) return null;
    const n = Number(Deno.readTextFileSync(path).trim());
    return Number.isInteger(n) && n > 0 ? n : null;
  } catch {
    return null;
  }
}

function isRunning(pid: number): boolean {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    return !/^\d+ \(.*\) Z/.test(stat);
  } catch {
    return false;
  }
}
