/**
 * The worker conformance suite: every worker class runs the same cases against the real server.
 * Where the classes differ by design, the case asserts each one's contract instead of skipping:
 * `sync` answers every request with `Connection: close` (one request per connection, like
 * gunicorn's sync worker), `async` keeps connections alive and pipelines.
 */

import { assert, assertEquals, assertMatch, assertStringIncludes } from "../_assert.ts";
import { ASYNC_CLASSES, CLASS_NAMES, readUntil, WORKER_CLASSES } from "./classes.ts";
import { rawRequest, startServer } from "./harness.ts";
import { keepAliveLoad } from "./keepalive_client.ts";
import { sleep } from "./load.ts";

const APP = "tests/integration/apps/probe.ts:app";
const enc = new TextEncoder();

function countResponses(text: string): number {
  return text.split("HTTP/1.1 200 OK").length - 1;
}

for (const k of CLASS_NAMES) {
  const args = [APP, ...WORKER_CLASSES[k], "-w", "1", "--keep-alive", "1"];

  Deno.test(`conformance(${k}): GET, POST echo, chunked upload and streamed download`, async () => {
    const s = await startServer(args);
    try {
      assertEquals(await (await fetch(`${s.url}/`)).text(), "Hello, world!\n");
      const big = new Uint8Array(300_000).map((_, i) => i % 251);
      const echoed = new Uint8Array(
        await (await fetch(`${s.url}/echo`, { method: "POST", body: big })).arrayBuffer(),
      );
      assertEquals(echoed.length, big.length);
      assert(echoed.every((b, i) => b === big[i]));
      const chunked = await rawRequest(
        s.port,
        "POST /echo-len HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n3\r\nabc\r\n4\r\ndefg\r\n0\r\n\r\n",
      );
      assertMatch(chunked, /\r\n\r\n7$/);
      const streamed = await rawRequest(
        s.port,
        "GET /stream?n=3 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
      );
      assertStringIncludes(streamed, "transfer-encoding: chunked\r\n");
      assertStringIncludes(streamed, "chunk 2\n");
      assert(streamed.endsWith("0\r\n\r\n"));
    } finally {
      await s.stop();
    }
  });

  Deno.test(`conformance(${k}): an app that throws gets a 500 and the worker keeps serving`, async () => {
    const s = await startServer(args);
    try {
      for (const path of ["/error", "/reject", "/not-a-response"]) {
        const res = await fetch(`${s.url}${path}`);
        assertEquals(res.status, 500, path);
        assert(!(await res.text()).includes("boom"), "no stack in the response");
      }
      assertEquals((await fetch(`${s.url}/`)).status, 200);
      assertEquals(s.workerPids().length, 1, "the same worker still serves");
    } finally {
      await s.stop();
    }
  });

  Deno.test(`conformance(${k}): HTTP/1.1 persistence follows the worker's contract`, async () => {
    const s = await startServer(args);
    try {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port: s.port });
      await conn.write(enc.encode("GET /pid HTTP/1.1\r\nHost: x\r\n\r\n"));
      const first = await readUntil(conn, (t) => /\r\n\r\n\d+$/.test(t));
      if (k === "sync") {
        assertStringIncludes(first.text, "connection: close\r\n");
        const after = await readUntil(conn, () => false);
        assert(after.closed, "sync closes after one response");
      } else {
        assert(!first.text.includes("connection: close"), "async keeps the connection open");
        await conn.write(enc.encode("GET /pid HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
        const second = await readUntil(conn, () => false);
        assertStringIncludes(second.text, "connection: close\r\n");
        assert(second.closed, "Connection: close from the client is honoured");
      }
      conn.close();
    } finally {
      await s.stop();
    }
  });

  Deno.test(`conformance(${k}): pipelined requests are answered in order (or one, then close)`, async () => {
    const s = await startServer(args);
    try {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port: s.port });
      const reqs = ["/slow?ms=50", "/", "/pid"].map((p) => `GET ${p} HTTP/1.1\r\nHost: x\r\n\r\n`)
        .join("");
      await conn.write(enc.encode(reqs));
      const { text } = await readUntil(
        conn,
        (t) => countResponses(t) === 3 && /\r\n\r\n\d+$/.test(t),
        3000,
      );
      conn.close();
      if (k === "sync") {
        assertEquals(countResponses(text), 1);
        assertStringIncludes(text, "slow done\n");
      } else {
        assertEquals(countResponses(text), 3);
        const order = [text.indexOf("slow done"), text.indexOf("Hello, world!")];
        assert(order[0]! >= 0 && order[0]! < order[1]!, "responses come back in request order");
      }
    } finally {
      await s.stop();
    }
  });

  Deno.test(`conformance(${k}): HTTP/1.0 is kept alive only when asked`, async () => {
    const s = await startServer(args);
    try {
      const plain = await rawRequest(s.port, "GET / HTTP/1.0\r\n\r\n");
      // Deno's engine closes a plain HTTP/1.0 exchange without saying so (1.0's default).
      if (k !== "async --http deno") assertStringIncludes(plain, "connection: close\r\n");
      assert(!plain.includes("keep-alive"), "not kept alive");
      const conn = await Deno.connect({ hostname: "127.0.0.1", port: s.port });
      await conn.write(enc.encode("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
      const r = await readUntil(conn, (t) => t.endsWith("Hello, world!\n"));
      conn.close();
      assertStringIncludes(
        r.text,
        k === "sync" ? "connection: close\r\n" : "connection: keep-alive\r\n",
      );
    } finally {
      await s.stop();
    }
  });

  Deno.test(`conformance(${k}): --max-requests recycles the worker without failing a request`, async () => {
    const s = await startServer([...args, "--max-requests", "3"]);
    try {
      const pids = new Set<string>();
      for (let i = 0; i < 10; i++) {
        const res = await fetch(`${s.url}/pid`, { headers: { connection: "close" } });
        assertEquals(res.status, 200);
        pids.add(await res.text());
      }
      assert(pids.size >= 3, `only ${pids.size} workers answered 10 requests`);
      await s.waitFor(/Autorestarting worker after current request/);
    } finally {
      await s.stop();
    }
  });

  Deno.test(`conformance(${k}): a client that half-closes mid-body gets 400`, async () => {
    const s = await startServer(args);
    try {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port: s.port });
      await conn.write(
        enc.encode("POST /echo-len HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc"),
      );
      await conn.closeWrite();
      const r = await readUntil(conn, () => false);
      conn.close();
      assertMatch(r.text, /^HTTP\/1\.1 400 Bad Request\r\n/);
      assertStringIncludes(r.text, "connection: close\r\n");
      assert(r.text.endsWith("\r\n\r\nBad Request\n"), r.text);
    } finally {
      await s.stop();
    }
  });

  Deno.test(`conformance(${k}): TERM lets the request in flight finish, then exits 0`, async () => {
    const s = await startServer(args);
    try {
      // Headers arrive at once, the body over ~0.5 s: TERM lands while the request is in hand.
      const res = await fetch(`${s.url}/stream?n=100`);
      assertEquals(res.status, 200);
      s.signal("SIGTERM");
      const text = await res.text();
      assert(text.startsWith("chunk 0\n") && text.endsWith("chunk 99\n"), text.slice(-40));
    } finally {
      assertEquals((await s.stop()).code, 0);
    }
  });

  Deno.test(`conformance(${k}): a client that stalls mid-request is cut off after --timeout`, async () => {
    const s = await startServer([...args, "--timeout", "1"]);
    try {
      for (
        const partial of [
          "GET / HTTP/1.1\r\nHost:",
          "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc",
        ]
      ) {
        const conn = await Deno.connect({ hostname: "127.0.0.1", port: s.port });
        await conn.write(enc.encode(partial));
        const started = Date.now();
        const r = await readUntil(conn, () => false, 8000);
        conn.close();
        assert(r.closed, `the server closed the stalled connection (${JSON.stringify(partial)})`);
        assert(Date.now() - started < 6000, "within a few seconds");
      }
      assertEquals((await fetch(`${s.url}/`)).status, 200, "and keeps serving");
    } finally {
      await s.stop();
    }
  });

  Deno.test(`conformance(${k}): a hung worker is killed after --timeout and replaced; the log names its requests in flight`, async () => {
    const s = await startServer([...args, "--timeout", "1"]);
    try {
      await s.waitFor(/Booting worker/);
      await sleep(500);
      // An async worker also holds an awaiting request when the other one hangs its loop.
      const waiting = k === "sync" ? null : fetch(`${s.url}/slow?ms=5000`).catch(() => "reset");
      await sleep(100);
      const hung = fetch(`${s.url}/hang?why=%22a%0A`).then((r) => r.status, () => "reset");
      const pid = (await s.waitFor(/WORKER TIMEOUT \(pid:\d+\)/, 10_000)).match(/pid:(\d+)/)![1];
      await hung;
      await waiting;
      const n = k === "sync" ? 1 : 2;
      await s.waitFor(new RegExp(`Worker \\(pid:${pid}\\) had ${n} requests? in flight:`), 5000);
      await s.waitFor(/ {2}GET \/hang\?why=%22a%0A 127\.0\.0\.1, running for \d+\.\d s$/, 5000);
      if (k !== "sync") await s.waitFor(/ {2}GET \/slow\?ms=5000 127\.0\.0\.1, running for /, 5000);
      for (let i = 0; i < 60 && s.workerPids().length < 2; i++) await sleep(50);
      assertEquals((await fetch(`${s.url}/`)).status, 200);
    } finally {
      await s.stop();
    }
  });
}

for (const k of ASYNC_CLASSES) {
  const ASYNC = [APP, ...WORKER_CLASSES[k], "-w", "1"];

  Deno.test(`conformance(${k}): a kept-alive connection closes after --keep-alive idle seconds, with nothing sent`, async () => {
    const s = await startServer([...ASYNC, "--keep-alive", "1"]);
    try {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port: s.port });
      for (const path of ["/pid", "/"]) {
        await conn.write(enc.encode(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`));
        const r = await readUntil(conn, (t) => /\r\n\r\n.+/.test(t));
        assertMatch(r.text, /^HTTP\/1\.1 200 OK\r\n/);
        assert(!r.closed && !/connection: close/i.test(r.text), "kept alive");
      }
      const started = Date.now();
      const idle = await readUntil(conn, () => false, 6000);
      conn.close();
      assert(idle.closed, "the server closed the idle connection");
      assertEquals(idle.text, "", "with nothing sent");
      assert(Date.now() - started >= 800, "not before the keep-alive time");
    } finally {
      await s.stop();
    }
  });

  Deno.test(`conformance(${k}): TERM drains: Connection: close on the request in flight and on the next one of an idle connection`, async () => {
    const s = await startServer([...ASYNC, "--keep-alive", "30"]);
    try {
      const idle = await Deno.connect({ hostname: "127.0.0.1", port: s.port });
      await idle.write(enc.encode("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
      const first = await readUntil(idle, (t) => t.endsWith("Hello, world!\n"));
      if (k === "async --http strict") {
        assertStringIncludes(first.text, "keep-alive: timeout=30\r\n");
      }
      const busy = await Deno.connect({ hostname: "127.0.0.1", port: s.port });
      await busy.write(enc.encode("GET /slow?ms=800 HTTP/1.1\r\nHost: x\r\n\r\n"));
      await sleep(200); // the slow request is in the app
      s.signal("SIGTERM");
      await s.waitFor(/Handling signal: term/);
      await sleep(300); // the worker has stopped accepting; the idle client does not know yet
      await idle.write(enc.encode("GET /pid HTTP/1.1\r\nHost: x\r\n\r\n"));
      const next = await readUntil(idle, () => false, 5000);
      assertMatch(next.text, /^HTTP\/1\.1 200 OK\r\n/);
      assertStringIncludes(next.text, "connection: close\r\n");
      assert(next.closed, "then the idle connection closes");
      const answered = await readUntil(busy, () => false, 5000);
      assertMatch(answered.text, /^HTTP\/1\.1 200 OK\r\n[^]*connection: close\r\n[^]*slow done\n$/);
      assert(answered.closed, "and the busy one closes after its response");
      assertEquals((await s.exited).code, 0);
      idle.close();
      busy.close();
    } finally {
      await s.stop();
    }
  });

  Deno.test(`conformance(${k}): the response that reaches --max-requests says Connection: close; recycling loses nothing`, async () => {
    const s = await startServer([...ASYNC, "--max-requests", "3", "--keep-alive", "5"]);
    try {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port: s.port });
      const heads: string[] = [];
      let closed = false;
      for (let i = 0; i < 4 && !closed; i++) {
        await conn.write(enc.encode("GET /pid HTTP/1.1\r\nHost: x\r\n\r\n"));
        const r = await readUntil(conn, (t) => /\r\n\r\n\d+$/.test(t));
        heads.push(r.text.slice(0, r.text.indexOf("\r\n\r\n")));
        if (r.text.includes("connection: close")) {
          closed = (await readUntil(conn, () => false)).closed;
        }
      }
      conn.close();
      assertEquals(heads.length, 3, "the client stops after the closing response: no fourth try");
      assert(!heads[1]!.includes("connection: close"), heads[1]);
      assertStringIncludes(heads[2]!, "connection: close");
      assert(closed, "and the server closes after it");
      await s.waitFor(/Autorestarting worker after current request/);
      const load = await keepAliveLoad(s.port, { clients: 4, count: 30 });
      assertEquals(load.failures, [], "keep-alive clients lose nothing while workers recycle");
      assert(load.bodies.size >= 3, `${load.bodies.size} workers answered 120 requests`);
    } finally {
      await s.stop();
    }
  });

  Deno.test(`conformance(${k}): at --worker-connections the longest-idle connection is shed for a new one`, async () => {
    const s = await startServer([...ASYNC, "--worker-connections", "2", "--keep-alive", "5"]);
    try {
      const conns = await Promise.all(
        [0, 1, 2].map(() => Deno.connect({ hostname: "127.0.0.1", port: s.port })),
      );
      for (const c of conns.slice(0, 2)) {
        await c.write(enc.encode("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
        await readUntil(c, (t) => t.endsWith("Hello, world!\n"));
      }
      await conns[2]!.write(
        enc.encode("GET /pid HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
      );
      // Full: no other worker takes the waiting connection, so the longest-idle one is shed for it.
      const r = await readUntil(conns[2]!, () => false, 5000);
      assertMatch(r.text, /^HTTP\/1\.1 200 /);
      assert(
        (await readUntil(conns[0]!, () => false, 5000)).closed,
        "the longest-idle one was shed",
      );
      await conns[1]!.write(enc.encode("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
      const kept = await readUntil(conns[1]!, (t) => t.endsWith("Hello, world!\n"));
      assertMatch(kept.text, /^HTTP\/1\.1 200 /, "the other one still serves");
      for (const c of conns) {
        try {
          c.close();
        } catch { /* closed */ }
      }
    } finally {
      await s.stop();
    }
  });
}
