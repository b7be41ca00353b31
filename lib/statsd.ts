/**
 * @module A StatsD client like gunicorn's (`--statsd-host`, `--statsd-prefix`): UDP datagrams,
 * fire and forget, with gunicorn's metric names so existing dashboards keep working.
 */

import dgram from "node:dgram";
import type { Settings } from "./config/mod.ts";
import { log, onLogLevel } from "./log.ts";

/** One metric to send: a counter, a gauge or a timer in milliseconds. */
export type Metric = ["counter" | "gauge" | "histogram", string, number];

/**
 * Parses `HOST:PORT` (port defaults to 8125).
 *
 * @example
 * ```ts
 * import { parseStatsdHost } from "./statsd.ts";
 * console.assert(parseStatsdHost("localhost").port === 8125);
 * console.assert(parseStatsdHost("[::1]:9125").host === "::1");
 * ```
 */
export function parseStatsdHost(text: string): { host: string; port: number } {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]\s]+))(?::(\d{1,5}))?$/.exec(text);
  const port = m?.[3] === undefined ? 8125 : Number(m[3]);
  if (m === null || port > 65535) {
    throw new RangeError(`Cannot parse --statsd-host "${text}": expected HOST:PORT`);
  }
  return { host: m[1] ?? m[2]!, port };
}

/**
 * The metrics of one served request, named as gunicorn names them.
 *
 * @example
 * ```ts
 * import { requestMetrics } from "./statsd.ts";
 * console.assert(requestMetrics(200, 12)[2]![1] === "gunicorn.request.status.200");
 * ```
 */
export function requestMetrics(status: number, durationMs: number): Metric[] {
  return [
    ["counter", "gunicorn.requests", 1],
    ["histogram", "gunicorn.request.duration", durationMs],
    ["counter", `gunicorn.request.status.${status}`, 1],
  ];
}

/** The number of workers, as gunicorn reports it. */
export function workersGauge(n: number): Metric {
  return ["gauge", "gunicorn.workers", n];
}

/** A log line at `level` (gunicorn counts critical, error, warning and exception lines). */
export function logMetric(level: "critical" | "error" | "warning" | "exception"): Metric {
  return ["counter", `gunicorn.log.${level}`, 1];
}

const SUFFIX = { counter: "c", gauge: "g", histogram: "ms" } as const;

/**
 * Sends metrics over UDP. Never throws into the caller: a send error is reported once through
 * `onError` and later ones are dropped.
 *
 * @example
 * ```ts
 * import { StatsdClient } from "./statsd.ts";
 * const client = new StatsdClient("127.0.0.1:8125", "myapp");
 * console.assert(client.format(["counter", "gunicorn.requests", 1]) === "myapp.gunicorn.requests:1|c");
 * client.close();
 * ```
 */
export class StatsdClient {
  #host: string;
  #port: number;
  #prefix: string;
  #socket: dgram.Socket | null = null;
  #onError: (e: Error) => void;
  #failed = false;

  /** Creates the client; no socket is opened until the first metric. */
  constructor(hostPort: string, prefix: string, onError: (e: Error) => void = () => {}) {
    const { host, port } = parseStatsdHost(hostPort);
    this.#host = host;
    this.#port = port;
    this.#prefix = prefix === "" || prefix.endsWith(".") ? prefix : `${prefix}.`;
    this.#onError = onError;
  }

  /** The datagram text for `metric`. */
  format([kind, name, value]: Metric): string {
    const v = kind === "histogram" ? Math.round(value) : value;
    return `${this.#prefix}${name}:${v}|${SUFFIX[kind]}`;
  }

  /** Sends metrics in one datagram (newline-separated, as StatsD allows). */
  send(...metrics: Metric[]): void {
    if (metrics.length === 0) return;
    try {
      this.#socket ??= this.#open();
      const text = metrics.map((m) => this.format(m)).join("\n");
      this.#socket.send(text, this.#port, this.#host, (err) => {
        if (err) this.#fail(err);
      });
    } catch (e) {
      this.#fail(e as Error);
    }
  }

  #open(): dgram.Socket {
    const s = dgram.createSocket(this.#host.includes(":") ? "udp6" : "udp4");
    s.on("error", (e) => this.#fail(e));
    s.unref();
    return s;
  }

  #fail(e: Error): void {
    if (this.#failed) return;
    this.#failed = true;
    this.#onError(e);
  }

  /** Closes the socket. */
  close(): void {
    this.#socket?.close();
    this.#socket = null;
  }
}

/** The StatsD client for `--statsd-host`, also counting warning and error log lines. */
export function startStatsd(settings: Settings): StatsdClient | null {
  if (settings.statsd_host === null) return null;
  const client = new StatsdClient(
    settings.statsd_host,
    settings.statsd_prefix,
    (e) => log.debug(`Cannot send to statsd: ${e.message}`),
  );
  onLogLevel((level) => client.send(logMetric(level)));
  return client;
}
