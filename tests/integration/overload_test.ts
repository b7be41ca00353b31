/**
 * Overload against a real async worker, on both HTTP engines: more clients than
 * --worker-connections, slow clients that reconnect as soon as they are shed, a flood under a
 * small RLIMIT_NOFILE, a worker that runs out of descriptors, and an event loop blocked while
 * kept-alive clients send their next request. No request may make a worker exit, and every
 * request a well-behaved client sends is answered. Bounded: a few hundred connections, seconds.
 */

import { assert, assertEquals, assertMatch } from "../_assert.ts";
import { type Server, startServer } from "./harness.ts";
import { getPid, holdLoad, sleep } from "./load.ts";

const APP = "tests/integration/apps/overload.ts:app";
const ENGINES = ["deno", "strict"] as const;
const enc = new TextEncoder();
const dec = new TextDecoder();

function start(engine: string, args: string[], nofile?: number): Promise<Server> {
  const opts = nofile === undefined ? {} : { nofile };
  return startServer([APP, "-k", "async", "--http", engine, "-w", "1", ...args], opts);
}

/** The worker never exited nor was replaced, and it still answers. */
async function assertSameWorker(s: Server): Promise<void> {
  const exits = s.lines.filter((l) => /exited with code|WORKER TIMEOUT|panicked/.test(l));
  assertEquals(exits, [], "no worker exited");
  const pids = s.workerPids();
  assertEquals(pids.length, 1, "no worker was booted again");
  assertEquals(await getPid(s.port), pids[0], "it serves once the load is over");
}

/** `count` close-delimited requests from `clients` clients at once; the failures. */
async function closeLoad(port: number, clients: number, count: number): Promise<string[]> {
  const failures: string[] = [];
  let sent = 0;
  await Promise.all(Array.from({ length: clients }, async () => {
    while (sent < count) {
      sent++;
      await getPid(port).catch((e) => failures.push((e as Error).message));
    }
  }));
  return failures;
}

/**
 * A slowloris (`body` false: a head that never ends) or R.U.D.Y. (`body` true: a body that never
 * ends) on `conns` connections, each reconnecting as soon as the server closes it, trickling a
 * byte every 100 ms; runs until `running()` turns false.
 */
async function slowAttack(port: number, conns: number, body: boolean, running: () => boolean) {
  const first = body
    ? "POST /pid HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\nx"
    : "GET /pid HTTP/1.1\r\nHost: x\r\nX-Slow: x";
  const one = async () => {
    let conn: Deno.Conn;
    try {
      conn = await Deno.connect({ hostname: "127.0.0.1", port });
    } catch {
      return await sleep(50);
    }
    let open = true;
    const reader = (async () => {
      const buf = new Uint8Array(4096);
      try {
        while (await conn.read(buf) !== null) { /* what the server sends before closing */ }
      } catch { /* reset */ }
      open = false;
    })();
    try {
      await conn.write(enc.encode(first));
      while (open && running()) {
        await sleep(100);
        if (open) await conn.write(enc.encode("x"));
      }
    } catch { /* the server closed it */ }
    conn.close();
    await reader;
  };
  await Promise.all(Array.from({ length: conns }, async () => {
    while (running()) await one();
  }));
}

for (const engine of ENGINES) {
  Deno.test(`overload(async ${engine}): twice --worker-connections of clients are all served, no worker exits`, async () => {
    const s = await start(engine, ["--worker-connections", "10"]);
    try {
      assertEquals(await closeLoad(s.port, 20, 600), [], "close-delimited requests");
      const r = await holdLoad(s.port, { close: 12, keepAlive: 8 }, () => sleep(1500));
      assertEquals(r.failures, [], "close-delimited and keep-alive clients together");
      assert(r.ok > 0 && r.reused > 0, "keep-alive clients were served on kept connections");
      await assertSameWorker(s);
    } finally {
      await s.stop();
    }
  });

  for (const body of [false, true]) {
    const attack = body ? "R.U.D.Y." : "slowloris";
    Deno.test(`overload(async ${engine}): a ${attack} that reconnects once shed leaves normal traffic served`, async () => {
      const s = await start(engine, [
        "--worker-connections",
        "20",
        "--header-timeout",
        "1",
        "--body-timeout",
        "1",
      ]);
      try {
        let running = true;
        const attacking = slowAttack(s.port, 60, body, () => running);
        await sleep(500); // the attack holds every connection of the worker
        const r = await holdLoad(s.port, { close: 4, keepAlive: 2 }, () => sleep(3000));
        running = false;
        await attacking;
        assertEquals(r.failures, [], "no normal request failed");
        assert(r.ok >= 6, `normal clients were served (${r.ok})`);
        await assertSameWorker(s);
      } finally {
        await s.stop();
      }
    });
  }

  Deno.test(`overload(async ${engine}): under ulimit -n 256 --worker-connections is capped and floods are served`, async () => {
    const s = await start(engine, [], 256);
    try {
      for (let flood = 0; flood < 2; flood++) {
        const got = await Promise.allSettled(Array.from({ length: 300 }, () => getPid(s.port)));
        assert(got.some((g) => g.status === "fulfilled"), "the flood was served");
      }
      await assertSameWorker(s);
      const line = await s.waitFor(/--worker-connections 1000 lowered to \d+/);
      assertMatch(
        line,
        /\[WARNING\] --worker-connections 1000 lowered to \d+: RLIMIT_NOFILE is 256/,
      );
    } finally {
      await s.stop();
    }
  });

  Deno.test(`overload(async ${engine}): out of descriptors, the worker pauses accepting, then serves`, async () => {
    const s = await start(engine, [], 256);
    try {
      const hogged = await (await fetch(`${s.url}/hog?ms=1000`)).text();
      assert(Number(hogged) > 100, `the app took every free descriptor (${hogged})`);
      const got = await Promise.allSettled(Array.from({ length: 100 }, () => getPid(s.port)));
      const failed = got.filter((g) => g.status === "rejected");
      assertEquals(failed, [], "connections waited in the backlog, then were served");
      await assertSameWorker(s);
      await s.waitFor(/accept failed: Too many open files \(EMFILE\): pausing accepts/);
    } finally {
      await s.stop();
    }
  });

  Deno.test(`overload(async ${engine}): kept-alive requests sent while the event loop is blocked are served`, async () => {
    const s = await start(engine, ["--keep-alive", "2"]);
    const report = await Deno.makeTempFile();
    await Deno.remove(report);
    const conns = await Promise.all(
      Array.from({ length: 8 }, () => Deno.connect({ hostname: "127.0.0.1", port: s.port })),
    );
    try {
      const ask = async (c: Deno.Conn): Promise<string> => {
        await c.write(enc.encode("GET /pid HTTP/1.1\r\nHost: x\r\n\r\n"));
        return await readResponse(c);
      };
      for (const c of conns) assertMatch(await ask(c), /^HTTP\/1\.1 200 /);
      const staller = await Deno.connect({ hostname: "127.0.0.1", port: s.port });
      const q = `ms=3000&report=${encodeURIComponent(report)}`;
      await staller.write(enc.encode(`GET /stall?${q} HTTP/1.1\r\nHost: x\r\n\r\n`));
      // The app wrote the report: its worker's loop is blocked now (10 s at most to get there).
      for (let i = 0; i < 500 && !await Deno.stat(report).then(() => true, () => false); i++) {
        await sleep(20);
      }
      // Within --keep-alive of their last response, while the worker's loop is blocked 3 s.
      const answers = await Promise.all(conns.map(ask));
      assertEquals(answers.filter((a) => !a.startsWith("HTTP/1.1 200 ")), [], "none lost");
      assertMatch(await readResponse(staller), /stalled$/);
      closeQuietly(staller);
      await assertSameWorker(s);
    } finally {
      for (const c of conns) closeQuietly(c);
      await Deno.remove(report).catch(() => {});
      await s.stop();
    }
  });
}

/** Reads one Content-Length response; "" when the server closed first. */
async function readResponse(conn: Deno.Conn): Promise<string> {
  let text = "";
  const buf = new Uint8Array(4096);
  const timer = setTimeout(() => closeQuietly(conn), 15_000);
  try {
    for (;;) {
      const end = text.indexOf("\r\n\r\n");
      const length = /\r\ncontent-length: (\d+)/i.exec(text)?.[1];
      if (end >= 0 && length !== undefined && text.length >= end + 4 + Number(length)) return text;
      const n = await conn.read(buf);
      if (n === null) return text;
      text += dec.decode(buf.subarray(0, n));
    }
  } catch {
    return text;
  } finally {
    clearTimeout(timer);
  }
}

function closeQuietly(conn: Deno.Conn): void {
  try {
    conn.close();
  } catch { /* already closed */ }
}
