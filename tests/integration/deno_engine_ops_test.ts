/**
 * @module Operations on Deno's engine (`-k async --http deno`) against the real server: keep-alive
 * and its idle time, max-requests and reloads under keep-alive load without a lost request,
 * client resets, fd reuse, and the slow-client deadlines Deno's engine does not have itself.
 */

import net from "node:net";
import { assert, assertEquals, assertMatch } from "../_assert.ts";
import { readUntil } from "./classes.ts";
import { rawRequest, startServer } from "./harness.ts";
import { keepAliveLoad, startKeepAliveLoad } from "./keepalive_client.ts";
import { sleep } from "./load.ts";

const APP = "tests/integration/apps/engine_app.ts:app";
const DENO = [APP, "-k", "async", "--http", "deno"];
const enc = new TextEncoder();

Deno.test("runDenoWorker() drains keep-alive clients through two HUPs without losing a request", async () => {
  const s = await startServer([...DENO, "-w", "2", "--keep-alive", "2"]);
  try {
    let done = false;
    const load = startKeepAliveLoad(s.port, { clients: 6, count: 100_000, until: () => done });
    const exited = () => s.lines.filter((l) => /Worker exiting/.test(l)).length;
    for (let round = 1; round <= 2; round++) {
      await sleep(200);
      s.signal("SIGHUP");
      while (exited() < 2 * round) await sleep(50);
    }
    const newest = s.workerPids().slice(-2).map(String);
    const answered = () => newest.some((p) => load.state.bodies.has(p));
    for (let i = 0; i < 200 && !answered(); i++) await sleep(50);
    assert(answered(), "the newest workers took over the clients");
    done = true;
    const r = await load.done;
    assertEquals(r.failures, [], "no request failed");
    assert(r.bodies.size >= 3, `answered by ${r.bodies.size} workers of three generations`);
  } finally {
    await s.stop();
  }
});

Deno.test("runDenoWorker() keeps the heartbeat going under full keep-alive load", async () => {
  const s = await startServer([...DENO, "-w", "1", "--timeout", "1"]);
  try {
    await s.waitFor(/Booting worker/);
    const pid = s.workerPids()[0];
    const until = Date.now() + 3000;
    const r = await keepAliveLoad(s.port, {
      clients: 16,
      count: 1_000_000,
      until: () => Date.now() > until,
    });
    assertEquals(r.failures, []);
    assertEquals([...r.bodies], [String(pid)], "one worker served it all, never timed out");
    assert(!s.lines.some((l) => l.includes("WORKER TIMEOUT")), "no WORKER TIMEOUT");
  } finally {
    await s.stop();
  }
});

Deno.test("runDenoWorker() streams a fileResponse() intact, larger than one write slice", async () => {
  const path = await Deno.makeTempFile();
  const data = new Uint8Array(3 * 1024 * 1024 + 17).map((_, i) => (i * 7) % 251);
  await Deno.writeFile(path, data);
  const s = await startServer([
    "tests/integration/apps/probe.ts:app",
    "-k",
    "async",
    "--http",
    "deno",
  ]);
  try {
    const res = await fetch(`${s.url}/file?path=${encodeURIComponent(path)}`);
    assertEquals(res.headers.get("content-length"), String(data.byteLength));
    const got = new Uint8Array(await res.arrayBuffer());
    assertEquals(got.byteLength, data.byteLength);
    assert(got.every((b, i) => b === data[i]), "the same bytes");
  } finally {
    await s.stop();
    await Deno.remove(path);
  }
});

Deno.test("runDenoWorker() survives a client that resets mid-request", async () => {
  const s = await startServer([...DENO, "-w", "1"]);
  try {
    const pid = await (await fetch(`${s.url}/pid`)).text();
    for (let i = 0; i < 3; i++) {
      const sock = net.connect(s.port, "127.0.0.1");
      await new Promise((r) => sock.once("connect", r));
      sock.write("GET /watch HTTP/1.1\r\nHost: x\r\n\r\n");
      await sleep(100);
      sock.resetAndDestroy();
    }
    await sleep(200);
    assertEquals(await (await fetch(`${s.url}/pid`)).text(), pid, "the same worker still serves");
    assertEquals(s.workerPids().length, 1);
  } finally {
    await s.stop();
  }
});

Deno.test("runDenoWorker() serves 300 connections in a row (accepted fd numbers reused)", async () => {
  const s = await startServer([...DENO, "-w", "1"]);
  try {
    for (let i = 0; i < 300; i++) {
      const text = await rawRequest(
        s.port,
        "GET /pid HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
      );
      assertMatch(text, /^HTTP\/1\.1 200 OK\r\n[^]*\r\n\r\n\d+$/, `request ${i}`);
    }
  } finally {
    await s.stop();
  }
});

Deno.test("runDenoWorker() cuts off a stalled head, a stalled body and a client that never reads", async () => {
  const s = await startServer([...DENO, "-w", "1", "--timeout", "1", "--keep-alive", "1"]);
  try {
    for (
      const partial of [
        "GET / HTTP/1.1\r\nHost:",
        "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc",
      ]
    ) {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port: s.port });
      await conn.write(enc.encode(partial));
      const r = await readUntil(conn, () => false, 8000);
      conn.close();
      assert(r.closed, `the server closed the stalled connection (${JSON.stringify(partial)})`);
    }
    const size = 64 << 20;
    const reader = await Deno.connect({ hostname: "127.0.0.1", port: s.port });
    await reader.write(enc.encode(`GET /big?n=${size} HTTP/1.1\r\nHost: x\r\n\r\n`));
    await sleep(3000); // never reads: the write deadline (--timeout 1) passes meanwhile
    let got = 0;
    const buf = new Uint8Array(1 << 20);
    for (let n = await reader.read(buf).catch(() => null); n !== null;) {
      got += n;
      n = await reader.read(buf).catch(() => null);
    }
    reader.close();
    assert(got < size, `the response was cut off (${got} of ${size} bytes)`);
    assertEquals((await fetch(`${s.url}/`)).status, 200, "and the worker keeps serving");
  } finally {
    await s.stop();
  }
});
