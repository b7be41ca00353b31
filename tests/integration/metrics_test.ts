/**
 * --metrics-bind: /metrics counts what clients got, per status code, across workers that recycle
 * (--max-requests), with keep-alive and one-shot clients; /readyz through a TERM drain; bad values.
 */

import { which } from "./tools.ts";
import { assert, assertEquals, assertMatch, assertStringIncludes } from "../_assert.ts";
import { rawRequest, runCli, startServer } from "./harness.ts";
import { sleep } from "./load.ts";
import { CLASS_NAMES, WORKER_CLASSES } from "./classes.ts";

const APP = "tests/integration/apps/codes.ts:app";
const CODES = [200, 201, 204, 404, 418, 500, 503];
const enc = new TextEncoder();
const dec = new TextDecoder();

/** A free TCP port on 127.0.0.1 (closed again: the server binds it next). */
export function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/**
 * Reads one response (status line, headers, Content-Length body); null if the server closed.
 * Sets `buf.close` when the response says `Connection: close`.
 */
async function readResponse(
  conn: Deno.Conn,
  buf: { data: string; close?: boolean },
): Promise<number | null> {
  const chunk = new Uint8Array(16384);
  for (;;) {
    const end = buf.data.indexOf("\r\n\r\n");
    if (end >= 0) {
      const head = buf.data.slice(0, end);
      const len = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
      if (buf.data.length >= end + 4 + len) {
        buf.data = buf.data.slice(end + 4 + len);
        buf.close = /\r\nconnection: *close/i.test(head);
        return Number(head.slice(9, 12));
      }
    }
    const n = await conn.read(chunk).catch(() => null);
    if (n === null) return null;
    buf.data += dec.decode(chunk.subarray(0, n));
  }
}

/** A keep-alive client: `n` requests, reconnecting when the server closes (never retrying). */
async function keepAliveClient(port: number, n: number, got: Map<number, number>): Promise<void> {
  let conn: Deno.Conn | null = null;
  const buf: { data: string; close?: boolean } = { data: "" };
  for (let i = 0; i < n; i++) {
    conn ??= await Deno.connect({ hostname: "127.0.0.1", port });
    const code = CODES[i % CODES.length]!;
    await conn.write(enc.encode(`GET /${code} HTTP/1.1\r\nHost: x\r\n\r\n`));
    const status = await readResponse(conn, buf);
    if (status !== null) got.set(status, (got.get(status) ?? 0) + 1);
    if (status === null || buf.close) {
      conn.close();
      conn = null;
      buf.data = "";
    }
  }
  conn?.close();
}

/** A one-shot client: `n` requests, each on its own connection with `Connection: close`. */
async function oneShotClient(port: number, n: number, got: Map<number, number>): Promise<void> {
  for (let i = 0; i < n; i++) {
    const code = CODES[(i * 3) % CODES.length]!;
    const body = "x".repeat(i % 5);
    const res = await rawRequest(
      port,
      `POST /${code} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
    );
    const status = Number(res.slice(9, 12));
    if (status > 0) got.set(status, (got.get(status) ?? 0) + 1);
  }
}

/** The samples of `/metrics` as `name{labels}` → value. */
export async function scrape(port: number): Promise<Map<string, number>> {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`);
  assertEquals(res.headers.get("content-type"), "text/plain; version=0.0.4; charset=utf-8");
  const out = new Map<string, number>();
  for (const line of (await res.text()).split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const sp = line.lastIndexOf(" ");
    out.set(line.slice(0, sp), Number(line.slice(sp + 1)));
  }
  return out;
}

/** Sums the samples of `name` whose labels include `part`. */
export function sum(m: Map<string, number>, name: string, part = ""): number {
  let n = 0;
  for (const [k, v] of m) if (k.startsWith(`${name}{`) && k.includes(part)) n += v;
  return n;
}

for (const cls of CLASS_NAMES) {
  Deno.test(`denocorn ${cls} --metrics-bind counts every answer per code across recycling workers`, () =>
    countsMatch(WORKER_CLASSES[cls]));
}

async function countsMatch(flags: readonly string[]): Promise<void> {
  const mport = freePort();
  const tmp = Deno.makeTempDirSync();
  const ctl = `${tmp}/ctl.sock`;
  const server = await startServer([
    APP,
    ...flags,
    "--ctl-socket",
    ctl,
    "-w",
    "2",
    "--max-requests",
    "25",
    "--metrics-bind",
    `127.0.0.1:${mport}`,
  ]);
  await server.waitFor(/Serving \/metrics/);
  try {
    const got = new Map<number, number>();
    await Promise.all([
      keepAliveClient(server.port, 60, got),
      keepAliveClient(server.port, 60, got),
      oneShotClient(server.port, 40, got),
      oneShotClient(server.port, 40, got),
    ]);
    const total = [...got.values()].reduce((a, b) => a + b, 0);
    assertEquals(total, 200, "every request was answered");
    // Counts arrive with the next heartbeat (at most 250 ms) or the worker's last beat at exit.
    let m = await scrape(mport);
    for (let i = 0; i < 100 && sum(m, "denocorn_http_requests_total") < total; i++) {
      await sleep(50);
      m = await scrape(mport);
    }
    for (const code of CODES) {
      assertEquals(
        sum(m, "denocorn_http_requests_total", `code="${code}"`),
        got.get(code) ?? 0,
        `code ${code}`,
      );
    }
    assertEquals(sum(m, "denocorn_http_requests_total"), total);
    assertEquals(m.get('denocorn_http_request_duration_seconds_bucket{le="+Inf"}'), total);
    assertEquals(m.get("denocorn_http_request_duration_seconds_count"), total);
    assert(sum(m, "denocorn_worker_starts_total", 'reason="max-requests"') >= 4, "recycled");
    assertEquals(sum(m, "denocorn_worker_starts_total", 'reason="boot"'), 2);
    assert((m.get("denocorn_connections_accepted_total") ?? 0) >= 80);
    // oneShotClient sends (i % 5) body bytes: 0+1+2+3+4 per 5 requests, 80 requests.
    assertEquals(m.get("denocorn_http_request_body_bytes_total"), 2 * 8 * 10);
    assert((m.get("denocorn_http_response_body_bytes_total") ?? 0) > 0);
    // A worker recycled at --max-requests may still be draining beside its replacement: wait for it.
    for (let i = 0; i < 100 && m.get("denocorn_workers") !== 2; i++) {
      await sleep(50);
      m = await scrape(mport);
    }
    assertEquals(m.get("denocorn_workers"), 2);
    // Labelled by slot, reused by replacements: never more series than workers.
    const rss = [...m.keys()].filter((k) => k.startsWith("denocorn_worker_resident_memory_bytes"));
    assert(rss.length > 0 && rss.every((k) => /\{worker="[12]"\}$/.test(k)), rss.join());
    assert(m.has(`denocorn_listen_backlog{listener="${server.url}"}`), "backlog of the listener");
    assert((m.get("process_open_fds") ?? 0) > 0);
    // `ctl stats` gives the same figures; -j/--json prints any reply as one JSON line.
    const stats = await runCli(["ctl", "--ctl-socket", ctl, "stats"]);
    assertStringIncludes(stats.stdout, `denocorn_http_requests_total{method="GET",code="404"} `);
    const json = await runCli(["ctl", "--ctl-socket", ctl, "--json", "stats"]);
    const samples = JSON.parse(json.stdout) as Record<string, number>;
    const ctlTotal = Object.entries(samples)
      .filter(([k]) => k.startsWith("denocorn_http_requests_total{"))
      .reduce((n, [, v]) => n + v, 0);
    assertEquals(ctlTotal, total);
    const workers = await runCli(["ctl", "--ctl-socket", ctl, "-j", "workers"]);
    assertEquals((JSON.parse(workers.stdout) as unknown[]).length, 2);
    assertEquals((await fetch(`http://127.0.0.1:${mport}/healthz`)).status, 200);
    const nf = await fetch(`http://127.0.0.1:${mport}/nope`);
    await nf.body?.cancel();
    assertEquals(nf.status, 404);
  } finally {
    assertEquals((await server.stop()).code, 0);
    Deno.removeSync(tmp, { recursive: true });
  }
}

Deno.test("denocorn /readyz answers 503 from the first moment of a TERM drain", async () => {
  const mport = freePort();
  const server = await startServer([
    "tests/integration/apps/codes.ts:app",
    "-k",
    "async",
    "--graceful-timeout",
    "20",
    "--metrics-bind",
    `127.0.0.1:${mport}`,
  ]);
  await server.waitFor(/Serving \/metrics/);
  const tmp = Deno.makeTempDirSync();
  const release = `${tmp}/release`;
  const ready = async () => {
    const r = await fetch(`http://127.0.0.1:${mport}/readyz`);
    await r.body?.cancel();
    return r.status;
  };
  try {
    for (let i = 0; i < 100 && await ready() !== 200; i++) await sleep(50);
    assertEquals(await ready(), 200);
    // A request in flight holds the drain open until the test creates `release`.
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
    await conn.write(enc.encode(`GET /hold?f=${release} HTTP/1.1\r\nHost: x\r\n\r\n`));
    await server.waitFor(/holding/);
    assertEquals(await ready(), 200);
    server.signal("SIGTERM");
    await server.waitFor(/Handling signal: term/);
    assertEquals(await ready(), 503, "not ready while the request in flight finishes");
    Deno.writeTextFileSync(release, "");
    const status = await readResponse(conn, { data: "" });
    conn.close();
    assertEquals(status, 200, "the request in flight was served");
    assertEquals((await server.status).code, 0);
  } finally {
    Deno.writeTextFileSync(release, "");
    await server.stop();
    Deno.removeSync(tmp, { recursive: true });
  }
});

const PROMETHEUS = which("prometheus");
const PROMTOOL = which("promtool");
const NO_PROMETHEUS = "prometheus and promtool are not installed (.ci/run installs them with apt)";

Deno.test({
  name: "denocorn /metrics passes promtool and a real Prometheus server scrapes the same total",
  ignore: PROMETHEUS === null || PROMTOOL === null,
  async fn() {
    assert(PROMETHEUS !== null && PROMTOOL !== null, NO_PROMETHEUS);
    const mport = freePort();
    const server = await startServer([
      APP,
      "-k",
      "async",
      "-w",
      "2",
      "--metrics-bind",
      `127.0.0.1:${mport}`,
    ]);
    await server.waitFor(/Serving \/metrics/);
    const tmp = Deno.makeTempDirSync();
    let prom: Deno.ChildProcess | null = null;
    try {
      const got = new Map<number, number>();
      await Promise.all([
        keepAliveClient(server.port, 30, got),
        oneShotClient(server.port, 20, got),
      ]);
      let m = await scrape(mport);
      for (let i = 0; i < 100 && sum(m, "denocorn_http_requests_total") < 50; i++) {
        await sleep(50);
        m = await scrape(mport);
      }
      assertEquals(sum(m, "denocorn_http_requests_total"), 50);
      const text = await (await fetch(`http://127.0.0.1:${mport}/metrics`)).text();
      const check = await new Deno.Command(PROMTOOL, {
        args: ["check", "metrics"],
        stdin: "piped",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      const w = check.stdin.getWriter();
      await w.write(enc.encode(text));
      await w.close();
      const out = await check.output();
      const said = dec.decode(out.stdout) + dec.decode(out.stderr);
      assertEquals(out.code, 0, `promtool check metrics: ${said}`);
      assertEquals(said.trim(), "", "no lint findings");

      const pport = freePort();
      Deno.writeTextFileSync(
        `${tmp}/prometheus.yml`,
        `global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: denocorn\n` +
          `    scrape_interval: 1s\n    static_configs:\n      - targets: ["127.0.0.1:${mport}"]\n`,
      );
      prom = new Deno.Command(PROMETHEUS, {
        args: [
          `--config.file=${tmp}/prometheus.yml`,
          `--web.listen-address=127.0.0.1:${pport}`,
          `--storage.tsdb.path=${tmp}/data`,
        ],
        stdout: "null",
        stderr: "null",
      }).spawn();
      const query = encodeURIComponent("sum(denocorn_http_requests_total)");
      let value = "";
      for (let i = 0; i < 300 && value !== "50"; i++) {
        await sleep(100);
        try {
          const r = await fetch(`http://127.0.0.1:${pport}/api/v1/query?query=${query}`);
          const j = await r.json() as { data?: { result?: { value: [number, string] }[] } };
          value = j.data?.result?.[0]?.value[1] ?? "";
        } catch { /* not up yet */ }
      }
      assertEquals(value, "50", "Prometheus's query API gives the total the clients got");
    } finally {
      if (prom !== null) {
        prom.kill("SIGTERM");
        await prom.status;
      }
      await server.stop();
      Deno.removeSync(tmp, { recursive: true });
    }
  },
});

Deno.test("denocorn refuses a malformed or taken --metrics-bind and bad --metrics-buckets: one line, exit 2", async () => {
  const taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    const port = (taken.addr as Deno.NetAddr).port;
    for (
      const [args, re] of [
        [["--metrics-bind", "127.0.0.1:99999"], /--metrics-bind.*HOST:PORT or unix:PATH/],
        [["--metrics-bind", "fd://3"], /--metrics-bind.*HOST:PORT or unix:PATH/],
        [["--metrics-bind", `127.0.0.1:${port}`], /Cannot listen on --metrics-bind.*free address/],
        [["--metrics-buckets", "0.1,0.05"], /--metrics-buckets.*increasing positive seconds/],
        [["--metrics-buckets", "abc"], /--metrics-buckets.*increasing positive seconds/],
      ] as const
    ) {
      const r = await runCli([APP, "-b", "127.0.0.1:0", ...args]);
      assertEquals(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
      const lines = r.stderr.trim().split("\n").filter((l) => !/\[INFO\]/.test(l));
      assertEquals(lines.length, 1, r.stderr);
      assertMatch(lines[0]!, re);
    }
  } finally {
    taken.close();
  }
});

Deno.test("denocorn --metrics-bind unix:PATH is a 0600 socket; a planted symlink is refused", async () => {
  const tmp = Deno.makeTempDirSync();
  const path = `${tmp}/metrics.sock`;
  const server = await startServer([APP, "--metrics-bind", `unix:${path}`]);
  try {
    await server.waitFor(/Serving \/metrics/);
    const st = Deno.lstatSync(path);
    assert(st.isSocket, "a socket");
    assertEquals(st.mode! & 0o777, 0o600);
    let status: number | null = null;
    for (let i = 0; i < 100 && status !== 200; i++) {
      if (i > 0) await sleep(50); // until a worker has booted
      const conn = await Deno.connect({ transport: "unix", path });
      await conn.write(enc.encode("GET /readyz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
      status = await readResponse(conn, { data: "" });
      conn.close();
    }
    assertEquals(status, 200);
  } finally {
    await server.stop();
  }
  Deno.symlinkSync(`${tmp}/elsewhere`, `${tmp}/planted.sock`);
  const r = await runCli([APP, "-b", "127.0.0.1:0", "--metrics-bind", `unix:${tmp}/planted.sock`]);
  assertEquals(r.code, 2, r.stderr);
  assertMatch(r.stderr, /--metrics-bind.*not a socket/);
  assert(!exists(`${tmp}/elsewhere`), "the symlink was not followed");
  Deno.removeSync(tmp, { recursive: true });
});

function exists(p: string): boolean {
  try {
    Deno.statSync(p);
    return true;
  } catch {
    return false;
  }
}
