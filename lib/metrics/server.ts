/**
 * @module The arbiter's --metrics-bind listener, apart from the app's port: `GET /metrics`
 * (Prometheus text 0.0.4), `GET /healthz`, `GET /readyz`; anything else is a 404. A unix socket
 * is made as --ctl-socket's is (ctl.ts): bound in a fresh 0700 directory, set to 0600, then
 * renamed into place, so no other user can reach it even for a moment, and a symlink planted at
 * the path is refused (never followed).
 */

import { dirname } from "node:path";
import { USAGE_ERROR } from "../exit_codes.ts";
import { checkCtlPath } from "../arbiter/ctl.ts";
import { PROMETHEUS_TYPE } from "./registry.ts";
import { log } from "../log.ts";

/** A --metrics-bind the arbiter cannot listen on: it exits 2, as for a bad setting. */
export class MetricsBindError extends Error {
  /** The arbiter's exit status: a usage error. */
  readonly exitCode = USAGE_ERROR;
}

/** What the listener asks of the arbiter. */
export interface MetricsSource {
  /** The Prometheus text. */
  metrics(): string;
  /** True while the arbiter runs and its workers beat (none is past --timeout). */
  healthy(): boolean;
  /** True while at least one worker serves and the server is not stopping. */
  ready(): boolean;
}

/** A listening metrics server. */
export interface MetricsServer {
  close(): Promise<void>;
}

function text(body: string, status: number, type = "text/plain; charset=utf-8"): Response {
  return new Response(body, { status, headers: { "content-type": type } });
}

/** Answers one request to the metrics listener. */
export function metricsHandler(src: MetricsSource, draining: () => boolean) {
  return (req: Request): Response => {
    const path = new URL(req.url).pathname;
    if (req.method !== "GET" && req.method !== "HEAD") {
      return path === "/metrics" || path === "/healthz" || path === "/readyz"
        ? new Response("method not allowed\n", { status: 405, headers: { allow: "GET, HEAD" } })
        : text("not found\n", 404);
    }
    if (path === "/metrics") return text(src.metrics(), 200, PROMETHEUS_TYPE);
    if (path === "/healthz") return src.healthy() ? text("ok\n", 200) : text("unhealthy\n", 503);
    if (path === "/readyz") {
      return !draining() && src.ready() ? text("ready\n", 200) : text("not ready\n", 503);
    }
    return text("not found\n", 404);
  };
}

/**
 * Listens on `bind` (`HOST:PORT`, `[IPv6]:PORT` or `unix:PATH`). /readyz turns 503 at the very
 * moment a TERM, INT or QUIT arrives (its own signal listeners), before the arbiter's loop even
 * handles the signal, so that a load balancer withdraws the endpoint first.
 */
export function startMetricsServer(bind: string, src: MetricsSource): MetricsServer {
  let draining = false;
  const drain = () => draining = true;
  const signals = ["SIGTERM", "SIGINT", "SIGQUIT"] as const;
  for (const s of signals) Deno.addSignalListener(s, drain);
  const handler = metricsHandler(src, () => draining);
  const fail = (e: unknown): never => {
    for (const s of signals) Deno.removeSignalListener(s, drain);
    throw new MetricsBindError(
      `Cannot listen on --metrics-bind "${bind}": ${(e as Error).message} ` +
        "(choose a free address, apart from --bind)",
    );
  };
  let server: Deno.HttpServer;
  let unixPath: string | null = null;
  const quiet = { onListen() {}, onError: () => text("error\n", 500) };
  if (bind.startsWith("unix:")) {
    unixPath = bind.slice(5);
    try {
      checkCtlPath(unixPath, "--metrics-bind");
    } catch (e) {
      fail(e);
    }
    const dir = Deno.makeTempDirSync({ dir: dirname(unixPath), prefix: ".metrics" });
    try {
      Deno.chmodSync(dir, 0o700);
      server = Deno.serve({ ...quiet, path: `${dir}/s`, transport: "unix" }, handler);
      Deno.chmodSync(`${dir}/s`, 0o600);
      Deno.renameSync(`${dir}/s`, unixPath);
    } catch (e) {
      fail(e);
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  } else {
    const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(bind);
    if (m === null) fail(new Error("expected HOST:PORT or unix:PATH"));
    try {
      const hostname = m![1] ?? (m![2] || "0.0.0.0");
      server = Deno.serve({ ...quiet, hostname, port: Number(m![3]) }, handler);
    } catch (e) {
      fail(e);
    }
  }
  server!.unref();
  log.info(`Serving /metrics, /healthz and /readyz at: ${bind}`);
  return {
    async close() {
      for (const s of signals) Deno.removeSignalListener(s, drain);
      await server.shutdown();
      if (unixPath === null) return;
      try {
        Deno.removeSync(unixPath);
      } catch { /* gone */ }
    },
  };
}
