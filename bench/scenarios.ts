/**
 * @module The scenario table: what the load generator asks for, which peer families take part,
 * and the targets the report checks.
 */

import type { AppFamily, Peer } from "./peers.ts";

/** A goal: `peer`'s metric compared with `against`'s (`rps`: at least ratio×; `p99`: at most). */
export interface Target {
  peer: string;
  against: string;
  ratio: number;
  metric: "rps" | "p99";
}

/** One scenario. */
export interface Scenario {
  /** CLI name (`--scenario`). */
  name: string;
  /** One line for the report. */
  description: string;
  /**
   * `wrk` drives it, or `mixed` (bench/mixed_client.ts: 1 request in 20 is slow), or `open-loop`
   * (bench/open_loop.ts: fixed arrival rate, 1 request in `blockEvery` blocks its worker).
   */
  driver: "wrk" | "mixed" | "open-loop";
  /** For `open-loop`: arrivals per second, the blocking path, and the shortest run. */
  openLoop?: { rate: number; blockEvery: number; blockPath: string; minDurationSec: number };
  /** Request path (for `mixed`, the fast path; the slow one is `/slow`). */
  path: string;
  /** A different path for some families. */
  paths?: Partial<Record<AppFamily, string>>;
  /** Extra request headers, `Name: value`. */
  headers: readonly string[];
  /** wrk threads and connections (for `mixed`: connections = concurrent clients). */
  threads: number;
  connections: number;
  /** A wrk Lua script (POST bodies). */
  script?: string;
  /** Families that can run it (nginx only answers a fixed 200). */
  families: readonly AppFamily[];
  /**
   * Over HTTPS: the run makes a throwaway self-signed certificate, the peers that serve HTTPS
   * (those with `https`) serve it, wrk connects to `https://`.
   */
  https?: true;
  targets: readonly Target[];
  /** Not run by default (keeps `deno task bench` near 12 minutes); `--scenario all` runs it. */
  extra?: true;
}

const APP_FAMILIES: AppFamily[] = ["denocorn", "wsgi", "asgi", "serve", "deno", "node"];

/** hello-keepalive's load, also run over HTTPS. */
const HELLO = {
  driver: "wrk",
  path: "/",
  headers: [],
  threads: 2,
  connections: 32,
  families: [...APP_FAMILIES, "nginx"],
} as const satisfies Partial<Scenario>;

/** blocked-loop's open-loop load, also run over HTTPS. */
const BLOCKED = {
  driver: "open-loop",
  openLoop: { rate: 30, blockEvery: 20, blockPath: "/block", minDurationSec: 8 },
  path: "/fast",
  headers: ["Connection: close"],
  threads: 1,
  connections: 0,
  families: APP_FAMILIES,
} as const satisfies Partial<Scenario>;

export const SCENARIOS: readonly Scenario[] = [
  {
    name: "hello-keepalive",
    description: "1. GET / → 200 `Hello, world!`, HTTP/1.1 keep-alive, 32 connections",
    ...HELLO,
    targets: [{ peer: "denocorn-async", against: "deno-serve-parallel", ratio: 1, metric: "rps" }],
  },
  {
    name: "hello-close",
    description: "2. GET / with `Connection: close`: a new connection per request",
    driver: "wrk",
    path: "/",
    headers: ["Connection: close"],
    threads: 2,
    connections: 32,
    families: [...APP_FAMILIES, "nginx"],
    targets: [
      { peer: "denocorn-sync", against: "gunicorn-sync", ratio: 2.5, metric: "rps" },
      { peer: "denocorn-sync", against: "deno-reuseport", ratio: 1, metric: "rps" },
      { peer: "denocorn-async", against: "deno-reuseport", ratio: 0.9, metric: "rps" },
    ],
  },
  {
    name: "body-64k",
    description: "3. GET /64k → a 64 KiB response body, keep-alive",
    driver: "wrk",
    path: "/64k",
    headers: [],
    threads: 2,
    connections: 32,
    families: APP_FAMILIES,
    targets: [
      { peer: "denocorn-async", against: "deno-serve-parallel", ratio: 1, metric: "rps" },
      { peer: "denocorn-sync", against: "gunicorn-sync", ratio: 1.2, metric: "rps" },
    ],
  },
  {
    name: "post-256k",
    description: "4. POST /echo with a 256 KiB body, echoed back, keep-alive",
    driver: "wrk",
    path: "/echo",
    headers: [],
    threads: 2,
    connections: 32,
    script: 'wrk.method = "POST"\nwrk.body = string.rep("x", 262144)\n' +
      'wrk.headers["Content-Type"] = "application/octet-stream"\n',
    families: APP_FAMILIES,
    targets: [{ peer: "denocorn-async", against: "deno-serve-parallel", ratio: 1, metric: "rps" }],
  },
  {
    name: "sleep-20ms",
    description: "5. GET /sleep: the handler awaits 20 ms (what the sync model costs), keep-alive",
    driver: "wrk",
    path: "/sleep",
    headers: [],
    threads: 2,
    connections: 32,
    families: APP_FAMILIES,
    extra: true,
    targets: [],
  },
  {
    name: "file-100m",
    description: "GET a 100 MiB file: denocorn sends `fileResponse()` (sendfile(2) in the sync " +
      "worker), the Deno peers stream `Deno.open(path).readable`; 4 connections",
    driver: "wrk",
    path: "/file",
    paths: { deno: "/file-stream", serve: "/file-stream" },
    headers: [],
    threads: 2,
    connections: 4,
    families: ["denocorn", "deno", "serve"],
    extra: true,
    targets: [{ peer: "denocorn-sync", against: "deno-reuseport", ratio: 1, metric: "rps" }],
  },
  {
    name: "mixed-slow",
    description: "6. 1 request in 20 takes 500 ms (`/slow`), the rest are fast (`/fast`); " +
      "`Connection: close`, 32 clients; p99 of the fast requests",
    driver: "mixed",
    path: "/fast",
    headers: ["Connection: close"],
    threads: 1,
    connections: 32,
    families: APP_FAMILIES,
    extra: true,
    targets: [
      { peer: "denocorn-async", against: "deno-reuseport", ratio: 0.5, metric: "p99" },
      { peer: "denocorn-async", against: "deno-serve-parallel", ratio: 0.5, metric: "p99" },
    ],
  },
  {
    name: "blocked-loop",
    description:
      "8. 1 request in 20 blocks its worker for 500 ms (`/block`: `Atomics.wait` in the " +
      "Deno and Node apps, `time.sleep` in the WSGI and ASGI apps), the rest are hello (`/fast`); open-loop " +
      "arrivals at 30 req/s, a new connection each; latency of the fast requests from their " +
      "scheduled start. With one kernel accept queue a blocked worker takes no connections, so " +
      "the fast p99 stays near the p50; with a queue per process (`reusePort`) or round-robin " +
      "hand-out (Node cluster) the fast requests handed to the blocked process wait for it. " +
      "`deno serve --parallel` (Deno 2.9, Linux) shares one listening socket among its threads " +
      "(`ss -ltn` shows one LISTEN entry), so it has one queue as well.",
    ...BLOCKED,
    targets: [
      { peer: "denocorn-async", against: "deno-reuseport", ratio: 0.5, metric: "p99" },
      { peer: "denocorn-async-strict", against: "deno-reuseport", ratio: 0.5, metric: "p99" },
      { peer: "denocorn-sync", against: "deno-reuseport", ratio: 0.5, metric: "p99" },
    ],
  },
  {
    name: "blocked-loop-https",
    description: "blocked-loop over HTTPS: a new TLS connection (and handshake) per request, " +
      "the servers that serve HTTPS. Whether the grafted TLS listener keeps the one accept queue " +
      "that keeps a blocked worker from taking connections.",
    ...BLOCKED,
    https: true,
    extra: true,
    targets: [],
  },
  {
    name: "https-keepalive",
    description: "GET / → 200 `Hello, world!` over HTTPS, HTTP/1.1 keep-alive, 32 connections " +
      "(hello-keepalive with TLS: 1.3, TLS_AES_256_GCM_SHA384 with wrk's OpenSSL on every " +
      "server), a throwaway self-signed EC P-256 certificate made for the run. The servers " +
      "that serve HTTPS: denocorn async with `--certfile/--keyfile` on Deno's TLS listener " +
      "(`--http deno`) and on node:tls (`--http strict`); gunicorn with `--certfile/--keyfile` " +
      "(the sync worker closes every connection, so it pays a handshake per request); " +
      "`Deno.serve({ cert, key, reusePort })`; nginx `listen ... ssl`.",
    ...HELLO,
    https: true,
    targets: [
      { peer: "denocorn-async", against: "deno-reuseport", ratio: 0.8, metric: "rps" },
    ],
  },
];

/** The peers that take part in `s`: those of its families, and over HTTPS those that serve it. */
export function scenarioPeers<P extends Pick<Peer, "family" | "https">>(
  s: Scenario,
  peers: readonly P[],
): P[] {
  return peers.filter((p) =>
    s.families.includes(p.family) && (s.https === undefined || p.https !== undefined)
  );
}

/** The URL the load generator asks for (`http://` or `https://`, always 127.0.0.1). */
export function scenarioUrl(s: Scenario, port: number | "PORT", path: string): string {
  return `${s.https ? "https" : "http"}://127.0.0.1:${port}${path}`;
}
