/**
 * @module A stopping worker lets go of the shared listening sockets. A listening socket stops
 * listening only when the last descriptor of it closes, and the arbiter and every worker hold one:
 * once they all let go, the kernel refuses new connections at once (nginx or a load balancer then
 * tries the next server) instead of queueing them for a server that will never accept them.
 *
 * The fd numbers stay valid: each is pointed (dup2) at a listening unix socket whose path is
 * already removed, which nothing can connect to. A loop that still polls or accepts on a number
 * after the stop finds nothing there, and no file opened meanwhile can take the number.
 *
 * Never pass it the fd of a Deno listener grafted on a shared socket (lib/workers/deno/graft.ts):
 * tokio's epoll watches that number under a token only the listener keeps alive, and a dup2 over
 * it leaves the entry behind with a freed token (a use-after-free in tokio). Only
 * `listener.close()` may close it; it is never in `boot.fds`.
 */

import { log } from "../log.ts";
import * as sys from "../sys/mod.ts";

/**
 * Makes every fd of `fds` refer to an unreachable listening socket instead of the shared one, and
 * empties `fds` in place (the worker's list of listeners: a loop that reads it afresh sees none,
 * and a second call does nothing). On failure (no temporary directory) the worker keeps the
 * sockets, as before, and says so.
 */
export function releaseListeners(list: number[]): void {
  const fds = list.splice(0);
  if (fds.length === 0) return;
  let dir: string | null = null;
  let inert = -1;
  try {
    dir = Deno.makeTempDirSync({ prefix: "denocorn-stopped-" });
    inert = sys.listenUnix(`${dir}/s`, 1);
    for (const fd of fds) sys.dup2(inert, fd);
  } catch (e) {
    log.warning(`Cannot close the listening sockets before draining: ${(e as Error).message}`);
  } finally {
    if (inert >= 0) sys.close(inert);
    if (dir !== null) {
      try {
        Deno.removeSync(dir, { recursive: true });
      } catch { /* removed already */ }
    }
  }
}
