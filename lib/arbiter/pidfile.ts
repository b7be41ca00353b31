/** @module The arbiter's pidfile (`--pid`): written at start, moved aside on USR2, removed at exit. */

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
   */
  create(pid: number): void {
    const old = readPid(this.#path);
    if (old !== null && old !== pid && isRunning(old)) {
      throw new Error(`Cannot write pidfile "${this.#path}": already running on PID ${old}`);
    }
    Deno.writeTextFileSync(`${this.#path}.tmp`, `${pid}\n`);
    Deno.renameSync(`${this.#path}.tmp`, this.#path);
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

/** The pid in a pidfile, or null when missing or unreadable. */
export function readPid(path: string): number | null {
  try {
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
