/** @module The sync worker: one connection at a time on the shared listening socket, then close. */

import { localAddrText } from "../address.ts";
import { DateCache } from "../http/mod.ts";
import { accessLogEnabled, log } from "../log.ts";
import * as sys from "../sys/mod.ts";
import type { WorkerBase } from "./base.ts";
import { clientPolicy } from "./client.ts";
import { type ExchangeContext, serveConnection } from "./exchange.ts";

/** Longest the loop runs without letting the event loop turn (signals, timers). */
const YIELD_MS = 50;
/** Idle poll: how often the heartbeat is refreshed with nothing to do. */
const IDLE_POLL_MS = 1000;

/** Runs the sync loop until the worker is told to stop or reaches max-requests. */
export async function runSyncWorker(w: WorkerBase): Promise<void> {
  const { settings } = w;
  const names = new Map(w.boot.fds.map((fd) => [fd, localAddrText(fd)]));
  const ctx: ExchangeContext = {
    app: w.app,
    limits: {
      requestLine: settings.limit_request_line,
      fields: settings.limit_request_fields,
      fieldSize: settings.limit_request_field_size,
    },
    ioTimeout: Math.max(1, Math.min(settings.timeout || 30, 30)),
    serverName: (fd) => names.get(fd) ?? "localhost",
    dates: new DateCache(),
    buf: new Uint8Array(64 * 1024),
    accessLog: accessLogEnabled(),
    observer: w.observer,
    policy: clientPolicy(settings),
  };
  const listeners = w.boot.fds;
  // Accepted sockets inherit SO_RCVTIMEO/SO_SNDTIMEO from the listener: set them once here
  // instead of twice per connection (every sync worker sets the same value).
  for (const fd of listeners) {
    sys.setIoTimeout(fd, ctx.ioTimeout);
    sys.setDeferAccept(fd, ctx.ioTimeout);
  }
  const pollSet = [...listeners, w.wakeFd];
  let lastYield = performance.now();
  while (w.alive) {
    w.notify();
    let served = false;
    for (const fd of listeners) {
      const conn = sys.accept(fd);
      if (conn === null) continue;
      served = true;
      await serveConnection(ctx, conn, fd);
      if (!w.countRequest()) break;
    }
    if (served) {
      if (performance.now() - lastYield > YIELD_MS) {
        await sys.pollInAsync([], 0);
        lastYield = performance.now();
      }
      continue;
    }
    await sys.pollInAsync(pollSet, IDLE_POLL_MS);
    sys.drain(w.wakeFd);
    lastYield = performance.now();
  }
  log.info(`Worker exiting (pid: ${Deno.pid})`);
}
