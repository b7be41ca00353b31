/**
 * @module The arbiter's side of --metrics-bind: the counts of workers that have exited (folded in
 * from their last heartbeat, so totals never go back across recycles and reloads), the sum with
 * the live workers' snapshots, and the Prometheus text format (0.0.4) of it all.
 */

import { METHODS, RESTART_REASONS, type RestartReason } from "./names.ts";
import type { Snapshot } from "./worker.ts";

/** The media type of the Prometheus text format. */
export const PROMETHEUS_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/** A live worker as /metrics shows it. */
export interface LiveWorker {
  /** A small stable number (1..workers), reused by its replacement: series do not pile up. */
  slot: number;
  /** Requests inside its app now. */
  active: number;
  rss: number | null;
  heapUsed: number | null;
  snapshot: Snapshot | undefined;
}

/** What the arbiter adds to the workers' counts. */
export interface ArbiterFigures {
  workers: LiveWorker[];
  starts: Record<RestartReason, number>;
  /** Connections waiting in each listener's accept queue, where Linux tells it. */
  backlog: { listener: string; queued: number }[];
  process: { cpuSeconds: number; rss: number; startTime: number; openFds: number };
}

/** Sums snapshots: `into` gains `s` (open connections excluded when `retired`). */
function add(into: Snapshot, s: Snapshot, retired: boolean): void {
  for (const [m, code, n] of s.r) {
    const row = into.r.find((x) => x[0] === m && x[1] === code);
    if (row === undefined) into.r.push([m, code, n]);
    else row[2] += n;
  }
  // Buckets are the arbiter's from its start: a worker of a reload that changed them is left out.
  if (s.h.length === into.h.length) {
    s.h.forEach((n, i) => into.h[i] = (into.h[i] ?? 0) + n);
    into.s += s.s;
  }
  into.b[0] += s.b[0];
  into.b[1] += s.b[1];
  into.c[0] += s.c[0];
  if (!retired) into.c[1] += s.c[1];
  into.c[2] += s.c[2];
}

function empty(buckets: number): Snapshot {
  return { r: [], h: new Array(buckets + 1).fill(0), s: 0, b: [0, 0], c: [0, 0, 0] };
}

/** The counts of every worker, past and present. */
export class MetricsRegistry {
  #buckets: readonly number[];
  #retired: Snapshot;
  #slots = new Map<number, number>();

  /** Creates an empty registry for histogram upper bounds `buckets`. */
  constructor(buckets: readonly number[]) {
    this.#buckets = buckets;
    this.#retired = empty(buckets.length);
  }

  /** The slot of worker `pid`: the smallest free one, kept until {@link retire}. */
  slot(pid: number): number {
    let s = this.#slots.get(pid);
    if (s !== undefined) return s;
    const taken = new Set(this.#slots.values());
    for (s = 1; taken.has(s); s++);
    this.#slots.set(pid, s);
    return s;
  }

  /** A worker exited: its last snapshot joins the retired totals, its slot is freed. */
  retire(pid: number, last: Snapshot | undefined): void {
    this.#slots.delete(pid);
    if (last !== undefined) add(this.#retired, last, true);
  }

  /** The retired totals plus `live`. */
  total(live: readonly (Snapshot | undefined)[]): Snapshot {
    const t = empty(this.#buckets.length);
    add(t, this.#retired, false);
    for (const s of live) if (s !== undefined) add(t, s, false);
    return t;
  }

  /** The Prometheus text (0.0.4) for `f`. */
  render(f: ArbiterFigures): string {
    return this.#build(f).text;
  }

  /** Every sample for `f`, as `name{labels}` → value (`ctl stats`). */
  samples(f: ArbiterFigures): Record<string, number> {
    return this.#build(f).samples;
  }

  #build(f: ArbiterFigures): Text {
    const t = this.total(f.workers.map((w) => w.snapshot));
    const out = new Text();
    out.family("denocorn_http_requests_total", "counter", "HTTP requests answered.");
    const rows = t.r.toSorted((a, b) => a[0] - b[0] || a[1] - b[1]);
    for (const [m, code, n] of rows) {
      out.sample("denocorn_http_requests_total", n, { method: METHODS[m] ?? "other", code });
    }
    const h = "denocorn_http_request_duration_seconds";
    out.family(h, "histogram", "Time from the request reaching the app to its response sent.");
    let cum = 0;
    this.#buckets.forEach((le, i) => {
      cum += t.h[i] ?? 0;
      out.sample(`${h}_bucket`, cum, { le: String(le) });
    });
    cum += t.h[this.#buckets.length] ?? 0;
    out.sample(`${h}_bucket`, cum, { le: "+Inf" });
    out.sample(`${h}_sum`, t.s);
    out.sample(`${h}_count`, cum);
    const active = f.workers.reduce((n, w) => n + w.active, 0);
    out.one("denocorn_http_requests_in_flight", "gauge", "Requests inside the app now.", active);
    out.one(
      "denocorn_http_request_body_bytes_total",
      "counter",
      "Request body bytes (by Content-Length).",
      t.b[0],
    );
    out.one("denocorn_http_response_body_bytes_total", "counter", "Response body bytes.", t.b[1]);
    out.one("denocorn_connections_accepted_total", "counter", "Connections accepted.", t.c[0]);
    out.one("denocorn_connections_active", "gauge", "Connections open now (async).", t.c[1]);
    out.one(
      "denocorn_connections_shed_total",
      "counter",
      "Idle or slow connections closed to make room (--worker-connections).",
      t.c[2],
    );
    this.#arbiter(out, f);
    return out;
  }

  #arbiter(out: Text, f: ArbiterFigures): void {
    out.one("denocorn_workers", "gauge", "Worker processes alive.", f.workers.length);
    out.family("denocorn_worker_starts_total", "counter", "Workers started, by reason.");
    for (const r of RESTART_REASONS) {
      out.sample("denocorn_worker_starts_total", f.starts[r], { reason: r });
    }
    const slots = f.workers.toSorted((a, b) => a.slot - b.slot);
    out.family("denocorn_worker_resident_memory_bytes", "gauge", "Each worker's RSS.");
    for (const w of slots) {
      if (w.rss !== null) {
        out.sample("denocorn_worker_resident_memory_bytes", w.rss, { worker: w.slot });
      }
    }
    out.family("denocorn_worker_heap_used_bytes", "gauge", "Each worker's V8 heap in use.");
    for (const w of slots) {
      if (w.heapUsed !== null) {
        out.sample("denocorn_worker_heap_used_bytes", w.heapUsed, { worker: w.slot });
      }
    }
    out.family(
      "denocorn_listen_backlog",
      "gauge",
      "Connections waiting in each listener's accept queue.",
    );
    for (const b of f.backlog) {
      out.sample("denocorn_listen_backlog", b.queued, { listener: b.listener });
    }
    const p = f.process;
    out.one(
      "process_cpu_seconds_total",
      "counter",
      "Arbiter user and system CPU time.",
      p.cpuSeconds,
    );
    out.one("process_resident_memory_bytes", "gauge", "Arbiter resident memory.", p.rss);
    out.one(
      "process_start_time_seconds",
      "gauge",
      "Arbiter start, seconds since the epoch.",
      p.startTime,
    );
    out.one("process_open_fds", "gauge", "Arbiter open file descriptors.", p.openFds);
  }
}

/** Escapes a label value (backslash, double quote, newline). */
function label(v: string | number): string {
  return String(v).replace(/[\\"\n]/g, (c) => c === "\n" ? "\\n" : `\\${c}`);
}

/** Builds the exposition text, a family at a time. */
class Text {
  text = "";
  samples: Record<string, number> = {};

  family(name: string, type: string, help: string): void {
    this.text += `# HELP ${name} ${help}\n# TYPE ${name} ${type}\n`;
  }

  sample(name: string, v: number, labels?: Record<string, string | number>): void {
    const l = labels === undefined
      ? ""
      : `{${Object.entries(labels).map(([k, x]) => `${k}="${label(x)}"`).join(",")}}`;
    this.text += `${name}${l} ${v}\n`;
    this.samples[`${name}${l}`] = v;
  }

  one(name: string, type: string, help: string, v: number): void {
    this.family(name, type, help);
    this.sample(name, v);
  }
}
