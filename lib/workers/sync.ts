/** @module The sync worker: one connection at a time on the shared listening socket, then close. */

import { log } from "../log.ts";
import * as sys from "../sys/mod.ts";
import type { WorkerBase } from "./base.ts";
import { BlockingConnection, type BlockingOptions } from "./blocking_io.ts";
import { exchangeContext, listenerNames, peerAddr } from "./context.ts";
import { serveConnection } from "./exchange.ts";
import { sliceSeconds } from "./timeouts.ts";

/** Longest the loop runs without letting the event loop turn (signals, timers). */
const YIELD_MS = 50;
/** Idle poll: how often the heartbeat is refreshed with nothing to do. */
const IDLE_POLL_MS = 1000;
/** How often the request in hand is looked at for a hang-up watch. */
const WATCH_MS = 100;

/** Runs the sync loop until the worker is told to stop or reaches max-requests. */
export async function runSyncWorker(w: WorkerBase): Promise<void> {
  const ctx = exchangeContext(w, { className: "-k sync", persistent: false });
  const nameOf = listenerNames(w.boot.fds);
  const listeners = w.boot.fds;
  // Accepted sockets inherit SO_RCVTIMEO/SO_SNDTIMEO and TCP_NODELAY from the listener: set them
  // once here instead of per connection (every sync worker sets the same value). Each blocking
  // call then waits one slice at most before the connection's deadlines are checked.
  const headSeconds = Math.min(ctx.timeouts.head / 1000, 30);
  for (const fd of listeners) {
    sys.setIoTimeout(fd, sliceSeconds(w.settings.timeout));
    sys.setDeferAccept(fd, headSeconds);
    sys.setNoDelay(fd);
  }
  const opts: BlockingOptions = {
    writeTimeout: ctx.timeouts.write,
    now: ctx.now,
    tick: () => w.notify(),
  };
  let current: BlockingConnection | null = null;
  const watcher = setInterval(() => current?.poke(), WATCH_MS);
  const pollSet = [...listeners, w.wakeFd];
  let lastYield = performance.now();
  try {
    while (w.alive) {
      w.notify();
      let served = false;
      for (const fd of listeners) {
        const accepted = sys.accept(fd);
        if (accepted === null) continue;
        served = true;
        current = new BlockingConnection(accepted.fd, peerAddr(accepted.remote), nameOf(fd), opts);
        await serveConnection(ctx, current);
        current = null;
        if (!w.alive) break;
      }
      if (served) {
        if (performance.now() - lastYield > YIELD_MS) {
          await sys.pollInAsync([], 0);
          lastYield = performance.now();
        }
        continue;
      }
      // Under load the queue is often empty for a moment: wait for the next connection in a
      // blocking poll (bounded by the same budget as serving), not on a helper thread.
      const budget = Math.floor(YIELD_MS - (performance.now() - lastYield));
      if (budget > 0 && sys.pollIn(listeners, budget).length > 0) continue;
      await sys.pollInAsync(pollSet, IDLE_POLL_MS);
      sys.drain(w.wakeFd);
      lastYield = performance.now();
    }
  } finally {
    clearInterval(watcher);
  }
  log.info(`Worker exiting (pid: ${Deno.pid})`);
}
