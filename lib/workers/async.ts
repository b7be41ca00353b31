/**
 * @module The async worker: many keep-alive connections per process, accepted from the shared
 * listening fd with Deno's node:net, bounded by --worker-connections.
 */

import net from "node:net";
import { DateCache } from "../http/mod.ts";
import { clientPolicy } from "./client.ts";
import { accessLogEnabled, log } from "../log.ts";
import * as sys from "../sys/mod.ts";
import { AsyncConnection, type AsyncContext } from "./async_conn.ts";
import type { WorkerBase } from "./base.ts";

/**
 * Accepts on one inherited listening fd. To stop accepting (at the connection bound, or when
 * stopping) the node server is closed; it listens on a dup of the fd, so the shared socket
 * itself stays open for the other workers and for resuming.
 */
class Acceptor {
  #fd: number;
  #server: net.Server | null = null;
  #onConn: (s: net.Socket) => void;

  constructor(fd: number, onConn: (s: net.Socket) => void) {
    this.#fd = fd;
    this.#onConn = onConn;
  }

  get accepting(): boolean {
    return this.#server !== null;
  }

  start(): void {
    if (this.#server !== null) return;
    const server = net.createServer({ noDelay: true }, this.#onConn);
    server.on("error", (e) => log.error("Error on listening socket", e));
    server.listen({ fd: sys.dup(this.#fd) });
    this.#server = server;
  }

  stop(): void {
    this.#server?.close();
    this.#server = null;
  }
}

/** Runs the async loop until the worker is told to stop, then drains its connections. */
export async function runAsyncWorker(w: WorkerBase): Promise<void> {
  const { settings } = w;
  const conns = new Set<AsyncConnection>();
  const maxConns = settings.worker_connections;
  const ctx: AsyncContext = {
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
  let stopping!: () => void;
  const stopped = new Promise<void>((r) => stopping = r);
  const acceptors: Acceptor[] = [];
  const onConn = (sock: net.Socket) => {
    if (!w.alive) {
      sock.destroy();
      return;
    }
    const c = new AsyncConnection(ctx, sock);
    conns.add(c);
    if (conns.size >= maxConns) { for (const a of acceptors) a.stop(); }
    c.serve().finally(() => {
      conns.delete(c);
      if (w.alive && conns.size < maxConns) { for (const a of acceptors) a.start(); }
      if (!w.alive) closeIdle();
    });
  };
  const closeIdle = () => {
    for (const c of conns) c.closeIfIdle();
    if (conns.size === 0) stopping();
  };
  for (const fd of w.boot.fds) acceptors.push(new Acceptor(fd, onConn));
  for (const a of acceptors) a.start();
  w.onStop(() => {
    for (const a of acceptors) a.stop();
    closeIdle();
  });
  const beat = setInterval(() => {
    w.notify();
    if (!w.alive) {
      for (const a of acceptors) a.stop();
      closeIdle();
    }
  }, 250);
  try {
    await stopped;
  } finally {
    clearInterval(beat);
  }
  log.info(`Worker exiting (pid: ${Deno.pid})`);
}
