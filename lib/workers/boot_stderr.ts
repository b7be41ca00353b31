/**
 * @module A worker's stderr while it boots. The arbiter spawns each worker with stderr on a pipe
 * it reads (and forwards to its own stderr), so that it can name why a worker died before booting
 * (lib/arbiter/boot_output.ts), and passes its own stderr as an inherited fd. Once booted, the
 * worker points fd 2 — and every copy Deno made of it at start — at that inherited stderr: the
 * arbiter's pipe reaches end of file and no later log line passes through the arbiter.
 */

import { log } from "../log.ts";
import * as sys from "../sys/mod.ts";

/** The environment variable naming the worker's inherited copy of the arbiter's stderr. */
export const STDERR_ENV = "DENOCORN_STDERR_FD";

/** The fds of this process that refer to what fd 2 refers to (Deno keeps a copy for children). */
function copiesOfStderr(skip: number): number[] {
  const target = Deno.readLinkSync("/proc/self/fd/2");
  const out = [2];
  for (const e of Deno.readDirSync("/proc/self/fd")) {
    const fd = Number(e.name);
    if (fd <= 2 || fd === skip) continue;
    try {
      if (Deno.readLinkSync(`/proc/self/fd/${fd}`) === target) out.push(fd);
    } catch { /* closed meanwhile (the directory listing's own fd) */ }
  }
  return out;
}

/**
 * Called once the worker has booted: its stderr becomes the arbiter's stderr, inherited as the
 * fd that `env` names (nothing to do when the arbiter passed none).
 */
export function restoreStderr(env: Record<string, string | undefined>): void {
  const real = Number(env[STDERR_ENV] ?? "");
  if (!Number.isInteger(real) || real <= 2) return;
  try {
    let fds = [2];
    try {
      fds = copiesOfStderr(real);
    } catch { /* no /proc: fd 2 only, the pipe then ends when this process does */ }
    for (const fd of fds) sys.dup2(real, fd);
  } catch (e) {
    log.warning(`Cannot hand stderr back from the arbiter: ${(e as Error).message}`);
  } finally {
    sys.close(real);
  }
}
