/**
 * --max-worker-memory under load: workers of an app that keeps 1 MiB per request are replaced
 * (the new worker boots first, the old one drains) while keep-alive and one-shot clients that never
 * retry lose no request.
 */

import { assert, assertEquals } from "../_assert.ts";
import { MIB, readRss } from "../../lib/arbiter/memory.ts";
import { alive, rawRequest, startServer } from "./harness.ts";
import { getPid, holdLoad, sleep } from "./load.ts";

const APP = "tests/integration/apps/leaky.ts:app";
const FLAGS = ["-k", "async", "--graceful-timeout", "10"];
/** How far above a fresh worker's RSS the limit is, in MiB: about 40 requests of the app. */
const HEADROOM_MIB = 40;
const JITTER_MIB = 8;
const REPLACED =
  /Worker \(pid:(\d+)\) uses ([\d.]+) MiB of memory \(RSS\), over its limit of (\d+) MiB/;

let fresh: Promise<number> | null = null;

/** The RSS of a fresh worker of the app, in MiB, measured once for this file's tests. */
function freshWorkerMiB(): Promise<number> {
  return fresh ??= measureFreshWorker();
}

/** The RSS of a fresh worker of the app, in MiB, after it answered a request that keeps nothing. */
async function measureFreshWorker(): Promise<number> {
  const server = await startServer([APP, ...FLAGS, "-w", "1"]);
  try {
    assert((await rawRequest(server.port, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"))
      .startsWith("HTTP/1.1 200 "));
    const rss = readRss(server.workerPids()[0]!);
    assert(rss !== null, "the worker's RSS cannot be read from /proc");
    return rss / MIB;
  } finally {
    assertEquals((await server.stop()).code, 0);
  }
}

/** Waits until `n` replacements are logged and as many workers more have booted. */
async function replacements(lines: string[], booted: () => number, n: number): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (lines.filter((l) => REPLACED.test(l)).length >= n && booted() >= 2 + n) return;
    await sleep(50);
  }
  throw new Error(`fewer than ${n} memory replacements:\n${lines.join("\n")}`);
}

Deno.test("denocorn --max-worker-memory replaces leaking workers under load, losing no request", async () => {
  const limit = Math.ceil(await freshWorkerMiB()) + HEADROOM_MIB;
  const server = await startServer([
    APP,
    ...FLAGS,
    "-w",
    "2",
    "--max-worker-memory",
    String(limit),
    "--max-worker-memory-jitter",
    String(JITTER_MIB),
  ]);
  try {
    await server.waitFor(/Booting worker/);
    const first = server.workerPids();
    const r = await holdLoad(server.port, { close: 3, keepAlive: 3 }, async () => {
      await replacements(server.lines, () => server.workerPids().length, 4);
    });
    assertEquals(
      r.failures.slice(0, 5),
      [],
      `${r.failures.length} of ${r.ok + r.failures.length} requests failed`,
    );
    assert(r.reused > 0, "keep-alive clients reused connections");
    const logged = server.lines.flatMap((l) => {
      const m = REPLACED.exec(l);
      return m ? [{ pid: Number(m[1]), rss: Number(m[2]), limit: Number(m[3]) }] : [];
    });
    for (const o of logged) {
      assert(o.limit >= limit && o.limit <= limit + JITTER_MIB, `limit ${o.limit} of ${limit}`);
      assert(o.rss > o.limit, `RSS ${o.rss} MiB logged over a limit of ${o.limit} MiB`);
    }
    assert(first.some((pid) => logged.some((o) => o.pid === pid)), "a first worker was replaced");
    assert(r.pids.size >= 3, `answers came from ${r.pids.size} workers: none was replaced`);
    // The replaced workers drain and exit; the server keeps serving with new ones.
    for (const { pid } of logged) {
      for (let i = 0; i < 200 && alive(pid); i++) await sleep(50);
      assert(!alive(pid), `replaced worker ${pid} is still running`);
    }
    const after = await rawRequest(
      server.port,
      "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert(after.startsWith("HTTP/1.1 200 "), after);
  } finally {
    assertEquals((await server.stop()).code, 0);
  }
});

Deno.test("denocorn --max-worker-memory keeps the outgrown worker serving while its replacement cannot boot", async () => {
  const limit = Math.ceil(await freshWorkerMiB()) + HEADROOM_MIB;
  const dir = Deno.makeTempDirSync();
  const failFile = `${dir}/fail`;
  const server = await startServer(
    [APP, ...FLAGS, "-w", "1", "--max-worker-memory", String(limit)],
    { env: { FAIL_BOOT_IF: failFile } },
  );
  try {
    await server.waitFor(/Booting worker/);
    const first = await getPid(server.port); // it has booted
    Deno.writeTextFileSync(failFile, ""); // from now on, new workers die before booting
    const r = await holdLoad(server.port, { close: 2, keepAlive: 2 }, async () => {
      await server.waitFor(REPLACED);
      await server.waitFor(/before it booted: Cannot start the app/);
    });
    assertEquals(r.failures.slice(0, 5), [], `${r.failures.length} requests failed`);
    assertEquals([...r.pids], [first], "the outgrown worker answered every request");
    assert(alive(first), "the outgrown worker still runs");
    Deno.removeSync(failFile); // the next try (after the back-off) boots and takes over
    for (let i = 0; i < 200 && alive(first); i++) await sleep(50);
    assert(!alive(first), `the outgrown worker ${first} was not retired once replaced`);
    const pid = await getPid(server.port);
    assert(pid !== first, "a new worker serves");
  } finally {
    assertEquals((await server.stop()).code, 0);
    Deno.removeSync(dir, { recursive: true });
  }
});
