/**
 * Supervision against the real server: retired workers killed after --graceful-timeout, a removed
 * or blocked heartbeat directory, a worker out of memory.
 */

import { assert, assertEquals } from "../_assert.ts";
import { decodeBeat } from "../../lib/heartbeat.ts";
import { startServer } from "../integration/harness.ts";
import { sleep } from "../integration/load.ts";

const APP = "tests/integration/apps/probe.ts:app";
const enc = new TextEncoder();

async function pidOf(url: string): Promise<number> {
  const res = await fetch(`${url}/pid`, { headers: { connection: "close" } });
  return Number(await res.text());
}

Deno.test("Supervisor kills a worker retired by HUP once it outlives --graceful-timeout", async () => {
  const base = await Deno.makeTempDir();
  const s = await startServer([APP, "--graceful-timeout", "1", "--worker-tmp-dir", base]);
  const cancel = new AbortController();
  try {
    const old = await pidOf(s.url);
    const slow = fetch(`${s.url}/slow?ms=30000`, { signal: cancel.signal })
      .then((r) => r.text(), () => "cut");
    const beat = `${heartbeatDirIn(base)}/worker-1`;
    for (let i = 0; i < 100 && decodeBeat(await Deno.readTextFile(beat))?.active !== 1; i++) {
      await sleep(20); // until the only (sync) worker says it is inside the slow request
    }
    s.signal("SIGHUP");
    await s.waitFor(new RegExp(`Worker \\(pid:${old}\\) is still running 1s after`), 10_000);
    await s.waitFor(
      new RegExp(`Worker \\(pid:${old}\\) was sent SIGKILL! The arbiter killed it: --graceful`),
    );
    assertEquals(await slow, "cut");
    assert((await pidOf(s.url)) !== old, "the new worker serves");
  } finally {
    cancel.abort();
    await s.stop();
    await Deno.remove(base, { recursive: true });
  }
});

Deno.test("Supervisor kills an async worker draining past --graceful-timeout after --max-requests", async () => {
  const s = await startServer([
    APP,
    "-k",
    "async",
    "--http", // the strict engine leaves the kill to the arbiter; Deno's closes at the deadline
    "strict",
    "--max-requests",
    "1",
    "--graceful-timeout",
    "1",
  ]);
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: s.port });
  try {
    await s.waitFor(/Booting worker with pid: \d+/);
    const pid = s.workerPids()[0]!; // the only worker, which takes the stream
    await conn.write(enc.encode("GET /stream?n=100000 HTTP/1.1\r\nHost: x\r\n\r\n"));
    assert((await conn.read(new Uint8Array(64)) ?? 0) > 0, "the endless stream has begun");
    await s.waitFor(/Autorestarting worker after current request/);
    await s.waitFor(
      new RegExp(`Worker \\(pid:${pid}\\) was sent SIGKILL! The arbiter killed it: --graceful`),
      10_000,
    );
    assert((await pidOf(s.url)) !== pid, "a replacement serves");
  } finally {
    conn.close();
    await s.stop();
  }
});

/** The arbiter's heartbeat directory under --worker-tmp-dir `base`. */
function heartbeatDirIn(base: string): string {
  // Workers' private lock copies live beside it (lib/arbiter/spawn.ts).
  const names = [...Deno.readDirSync(base)].map((e) => e.name)
    .filter((n) => !n.startsWith("denocorn-lock-"));
  assertEquals(names.length, 1, `one heartbeat directory in ${base}`);
  return `${base}/${names[0]}`;
}

async function untilWorkers(s: { workerPids(): number[] }, n: number): Promise<void> {
  for (let i = 0; i < 200 && s.workerPids().length < n; i++) await sleep(50);
  assertEquals(s.workerPids().length, n);
}

Deno.test("Supervisor recreates a removed heartbeat directory and keeps every worker", async () => {
  const base = await Deno.makeTempDir();
  // --timeout 3: a worker booting on a loaded machine (a second's boot is common) stays in time.
  const s = await startServer([APP, "--timeout", "3", "--worker-tmp-dir", base]);
  try {
    await s.waitFor(/Booting worker/);
    const dir = heartbeatDirIn(base);
    await Deno.remove(dir, { recursive: true });
    s.signal("SIGTTIN"); // a spawn into the missing directory
    await untilWorkers(s, 2);
    await sleep(4000); // longer than --timeout: a worker whose heartbeat was lost would be killed
    const bad = s.lines.filter((l) => /WORKER TIMEOUT|Unhandled exception|was sent/.test(l));
    assertEquals(bad, []);
    assertEquals(s.workerPids().length, 2);
    assert(Deno.statSync(dir).isDirectory, "the directory is back");
    assertEquals((await fetch(`${s.url}/`)).status, 200);
  } finally {
    await s.stop();
    await Deno.remove(base, { recursive: true });
  }
});

Deno.test("Supervisor retries a spawn that fails with backoff instead of stopping", async () => {
  const base = await Deno.makeTempDir();
  const s = await startServer([APP, "--timeout", "2", "--worker-tmp-dir", base]);
  try {
    await s.waitFor(/Booting worker/);
    const dir = heartbeatDirIn(base);
    await Deno.remove(dir, { recursive: true });
    await Deno.writeTextFile(dir, "in the way"); // the directory cannot be recreated
    s.signal("SIGTTIN");
    await s.waitFor(/Cannot spawn a worker, retrying in 1s: /);
    assertEquals((await fetch(`${s.url}/`)).status, 200, "the first worker keeps serving");
    await Deno.remove(dir);
    await untilWorkers(s, 2);
    assertEquals(s.lines.filter((l) => /WORKER TIMEOUT|Unhandled exception/.test(l)), []);
  } finally {
    await s.stop();
    await Deno.remove(base, { recursive: true });
  }
});

Deno.test("Supervisor logs a worker that V8 stopped out of memory as such, with its heap", async () => {
  const s = await startServer(["tests/arbiter/apps/hog.ts:app"], {
    env: { DENO_V8_FLAGS: "--max-old-space-size=48" },
  });
  try {
    const pid = await pidOf(s.url);
    await fetch(`${s.url}/grow`).then((r) => r.body?.cancel(), () => {});
    const line = await s.waitFor(new RegExp(`Worker \\(pid:${pid}\\) was sent SIGTRAP!`), 20_000);
    assert(
      /Perhaps out of memory\? V8 heap at its last heartbeat: [\d.]+ of [\d.]+ MiB\.$/.test(line),
      line,
    );
  } finally {
    await s.stop();
  }
});
