/**
 * Slow clients against the real server: a slowloris, a slow upload, a client that never reads.
 * Each costs its own connection (closed by its deadline), never the worker or other requests.
 * Attacks are bounded: a few hundred connections, a few seconds.
 */

import { assert, assertEquals, assertMatch } from "../_assert.ts";
import { WORKER_CLASSES } from "./classes.ts";
import { startServer } from "./harness.ts";
import { getPid, sleep } from "./load.ts";

const APP = "tests/integration/apps/edge.ts:app";
const enc = new TextEncoder();
const dec = new TextDecoder();

/** A connection that sends `first`, then one byte every `everyMs`, until the server ends it. */
async function trickle(port: number, first: string, everyMs: number, giveUpMs: number) {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const opened = performance.now();
  let text = "";
  let closed = false;
  let closedAt = Infinity;
  const reading = (async () => {
    const buf = new Uint8Array(4096);
    try {
      for (let n = await conn.read(buf); n !== null; n = await conn.read(buf)) {
        text += dec.decode(buf.subarray(0, n));
      }
    } catch { /* reset */ }
    closed = true;
    closedAt = performance.now();
  })();
  try {
    await conn.write(enc.encode(first));
    while (!closed && performance.now() - opened < giveUpMs) {
      await sleep(everyMs);
      if (!closed) await conn.write(enc.encode("x")).catch(() => {});
    }
  } catch { /* the server closed first: the reader sees it */ }
  try {
    conn.close();
  } catch { /* closed */ }
  await reading;
  return { lifetime: closedAt - opened, text };
}

/** Reads what the server sends until it closes; gives up after `ms`. */
async function drain(conn: Deno.Conn, ms: number): Promise<number> {
  const timer = setTimeout(() => conn.close(), ms);
  let total = 0;
  const buf = new Uint8Array(1 << 20);
  try {
    for (let n = await conn.read(buf); n !== null; n = await conn.read(buf)) total += n;
  } catch {
    /* reset, or closed by the timer */
  } finally {
    clearTimeout(timer);
  }
  return total;
}

for (const engine of ["strict", "deno"] as const) {
  Deno.test(`denocorn -k async --http ${engine} serves normal requests through a slowloris and closes every slow connection by --header-timeout`, async () => {
    const s = await startServer([
      APP,
      "-k",
      "async",
      "--http",
      engine,
      "--worker-connections",
      "100",
      "--header-timeout",
      "2",
    ]);
    try {
      const pid = await getPid(s.port);
      const head = "GET /?a=1 HTTP/1.1\r\nHost: x\r\nX-Slow: ";
      const slow = Promise.all(
        Array.from({ length: 250 }, () => trickle(s.port, head, 300, 10_000)),
      );
      await sleep(500);
      for (let i = 0; i < 20; i++) assertEquals(await getPid(s.port), pid);
      const lifetimes = (await slow).map((r) => r.lifetime);
      const longest = Math.max(...lifetimes);
      assert(longest < 2000 + 3000, `a slow connection lived ${Math.round(longest)} ms`);
    } finally {
      await s.stop();
    }
  });
}

// Deno's engine has no hook to answer a stalled head, so it closes it.
for (const [k, flags] of Object.entries(WORKER_CLASSES)) {
  const args = [APP, ...flags, "-w", "1", "--timeout", "4"];
  const deno = k.endsWith("deno");

  Deno.test(`denocorn -k ${k} ${deno ? "closes" : "answers"} a slowloris head ${deno ? "" : "with 408 "}by --header-timeout and keeps its worker`, async () => {
    const s = await startServer([...args, "--header-timeout", "1"]);
    try {
      const pid = await getPid(s.port);
      for (let i = 0; i < 2; i++) {
        const r = await trickle(s.port, "GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ", 200, 6000);
        // Deno's engine gives no hook into a head in progress: the worker closes the connection.
        if (deno) assertEquals(r.text, "");
        else assertMatch(r.text, /^HTTP\/1\.1 408 /);
        assert(r.lifetime < 1000 + 2000, `closed after ${Math.round(r.lifetime)} ms`);
      }
      assertEquals(await getPid(s.port), pid, "the same worker serves after");
      assert(!s.lines.some((l) => l.includes("WORKER TIMEOUT")), "no worker was killed");
    } finally {
      await s.stop();
    }
  });

  Deno.test(`denocorn -k ${k} answers a slow upload with 408 by --body-timeout and keeps its worker`, async () => {
    const s = await startServer([...args, "--body-timeout", "1", "--body-min-rate", "100"]);
    try {
      const pid = await getPid(s.port);
      const r = await trickle(
        s.port,
        "POST /echo-len HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n0123456789",
        200,
        6000,
      );
      assertMatch(r.text, /^HTTP\/1\.1 408 /);
      assert(r.lifetime < 1000 + 2000, `closed after ${Math.round(r.lifetime)} ms`);
      assertEquals(await getPid(s.port), pid, "the same worker serves after");
      assert(!s.lines.some((l) => l.includes("WORKER TIMEOUT")), "no worker was killed");
    } finally {
      await s.stop();
    }
  });

  Deno.test(`denocorn -k ${k} cuts a client that never reads a big response by --write-timeout`, async () => {
    const s = await startServer([...args, "--write-timeout", "1"]);
    try {
      const pid = await getPid(s.port);
      const conn = await Deno.connect({ hostname: "127.0.0.1", port: s.port });
      await conn.write(enc.encode("GET /big?mb=32 HTTP/1.1\r\nHost: x\r\n\r\n"));
      await sleep(4500); // longer than --timeout: a worker stuck on this client would be killed
      const got = await drain(conn, 5000);
      assert(got < 32 * 1024 * 1024, `the whole body arrived (${got} bytes): never cut`);
      assertEquals(await getPid(s.port), pid, "the same worker serves after");
      assert(!s.lines.some((l) => l.includes("WORKER TIMEOUT")), "no worker was killed");
    } finally {
      await s.stop();
    }
  });
}
