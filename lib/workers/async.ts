/**
 * @module The async worker: many keep-alive connections per process. It accepts from the shared
 * listening fds itself (poll + accept4 through lib/sys, so a connection is only ever taken when
 * there is room for it) and hands each accepted fd to node:net, bounded by --worker-connections.
 */

import net from "node:net";
import { localAddrText } from "../address.ts";
import { DateCache } from "../http/mod.ts";
import { accessLogEnabled, log } from "../log.ts";
import * as sys from "../sys/mod.ts";
import { AsyncConnection, type AsyncContext } from "./async_conn.ts";
import { denoEngineFor, runDenoWorker } from "./async_deno.ts";
import type { WorkerBase } from "./base.ts";
import { clientPolicy } from "./client.ts";

/** Longest wait in poll: the loop looks at `alive` at least this often. */
const POLL_MS = 1000;

function peerAddr(remote: sys.SockAddr): Deno.Addr {
  return remote.transport === "tcp"
    ? { transport: "tcp", hostname: remote.hostname, port: remote.port }
    : { transport: "unix", path: remote.path };
}

function context(w: WorkerBase): AsyncContext {
  const { settings } = w;
  return {
    app: w.app,
    limits: {
      requestLine: settings.limit_request_line,
      fields: settings.limit_request_fields,
      fieldSize: settings.limit_request_field_size,
    },
    dates: new DateCache(),
    keepalive: settings.keepalive,
    headTimeout: Math.max(1, Math.min(settings.timeout || 30, 30)),
    accessLog: accessLogEnabled(),
    observer: w.observer,
    policy: clientPolicy(settings),
    alive: () => w.alive,
    countRequest: () => w.countRequest(),
  };
}

/** Runs the async loop until the worker is told to stop, then drains its connections. */
export async function runAsyncWorker(w: WorkerBase): Promise<void> {
  const engine = denoEngineFor(w);
  if (engine !== null) return await runDenoWorker(w, engine);
  const ctx = context(w);
  const maxConns = w.settings.worker_connections;
  const conns = new Set<AsyncConnection>();
  const names = new Map(w.boot.fds.map((fd) => [fd, localAddrText(fd)]));
  let roomFreed: (() => void) | null = null;
  const closeIdle = () => {
    for (const c of conns) c.closeIfIdle();
  };
  w.onStop(closeIdle);
  const beat = setInterval(() => {
    w.notify();
    const now = performance.now();
    for (const c of conns) c.expire(now);
    if (!w.alive) closeIdle();
  }, 250);
  const serve = (conn: sys.Accepted, listener: number) => {
    const sock = new net.Socket({ fd: conn.fd, readable: true, writable: true });
    const c = new AsyncConnection(
      ctx,
      sock,
      peerAddr(conn.remote),
      names.get(listener) ?? "localhost",
    );
    conns.add(c);
    c.serve().finally(() => {
      conns.delete(c);
      if (!w.alive) closeIdle();
      roomFreed?.();
    });
  };
  try {
    while (w.alive) {
      if (conns.size >= maxConns) {
        // Full: leave new connections in the kernel backlog for other workers.
        await new Promise<void>((r) => roomFreed = r);
        roomFreed = null;
        continue;
      }
      const ready = await sys.pollInAsync([...w.boot.fds, w.wakeFd], POLL_MS);
      sys.drain(w.wakeFd);
      for (const fd of w.boot.fds) {
        if (!ready.includes(fd)) continue;
        while (w.alive && conns.size < maxConns) {
          const conn = sys.accept(fd);
          if (conn === null) break;
          serve(conn, fd);
        }
      }
    }
    while (conns.size > 0) {
      closeIdle();
      await new Promise<void>((r) => roomFreed = r);
    }
  } finally {
    clearInterval(beat);
  }
  log.info(`Worker exiting (pid: ${Deno.pid})`);
}
