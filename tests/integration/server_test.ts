/** @module Integration tests: the real arbiter and sync workers over TCP. */

import { assert, assertEquals, assertMatch, assertStringIncludes } from "../_assert.ts";
import { rawRequest, runCli, startServer } from "./harness.ts";

const APP = "tests/integration/apps/probe.ts:app";

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function get(url: string): Promise<{ status: number; text: string }> {
  const res = await fetch(url);
  return { status: res.status, text: await res.text() };
}

Deno.test("denocorn serves from 2 workers sharing one socket under concurrent load", async () => {
  const s = await startServer([APP, "--workers", "2"]);
  try {
    const pids = new Set<string>();
    // The second worker may still be loading the app on a busy machine: until it serves, its
    // sibling takes every connection. Bounded: 100 rounds of 20 requests, 50 ms apart.
    for (let round = 0; round < 100; round++) {
      const batch = await Promise.all(
        Array.from({ length: 20 }, () => get(`${s.url}/pid`)),
      );
      for (const r of batch) {
        assertEquals(r.status, 200);
        pids.add(r.text);
      }
      if (pids.size === 2 && round >= 2) break;
      await sleep(50);
    }
    assertEquals(pids.size, 2, `pids seen: ${[...pids]}`);
    const booted = s.workerPids().map(String);
    for (const p of pids) assert(booted.includes(p), `${p} not in ${booted}`);
  } finally {
    await s.stop();
  }
});

Deno.test("denocorn logs startup the way gunicorn does", async () => {
  const s = await startServer([APP]);
  try {
    await s.waitFor(/Booting worker with pid: \d+/);
    const log = s.lines.join("\n");
    assertMatch(
      log,
      /^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4}\] \[\d+\] \[INFO\] Starting denocorn \d+\.\d+\.\d+$/m,
    );
    assertMatch(
      log,
      new RegExp(
        `\\[${s.pid}\\] \\[INFO\\] Listening at: http://127\\.0\\.0\\.1:\\d+ \\(${s.pid}\\)`,
      ),
    );
    assertStringIncludes(log, "[INFO] Using worker: sync");
  } finally {
    await s.stop();
  }
});

Deno.test("denocorn echoes a 1 MiB POST byte for byte", async () => {
  const s = await startServer([APP]);
  try {
    const body = new Uint8Array(1024 * 1024);
    for (let i = 0; i < body.length; i++) body[i] = (i * 7 + (i >> 8)) & 0xff;
    const res = await fetch(`${s.url}/echo`, { method: "POST", body });
    const got = new Uint8Array(await res.arrayBuffer());
    assertEquals(res.status, 200);
    assertEquals(got.length, body.length);
    assert(got.every((b, i) => b === body[i]), "echoed bytes differ");
  } finally {
    await s.stop();
  }
});

Deno.test("denocorn decodes a chunked request body", async () => {
  const s = await startServer([APP]);
  try {
    const raw = await rawRequest(
      s.port,
      "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" +
        "5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\nX-Trailer: t\r\n\r\n",
    );
    assertMatch(raw, /^HTTP\/1\.1 200 OK\r\n/);
    assertMatch(raw, /\r\nconnection: close\r\n/i);
    assert(raw.endsWith("hello, world"), raw);
  } finally {
    await s.stop();
  }
});

Deno.test("denocorn streams a response body of unknown length as chunks", async () => {
  const s = await startServer([APP]);
  try {
    const raw = await rawRequest(s.port, "GET /stream?n=3 HTTP/1.1\r\nHost: x\r\n\r\n");
    assertMatch(raw, /transfer-encoding: chunked\r\n/i);
    assertStringIncludes(raw, "8\r\nchunk 0\n\r\n8\r\nchunk 1\n\r\n8\r\nchunk 2\n\r\n0\r\n\r\n");
    const res = await fetch(`${s.url}/stream?n=4`);
    assertEquals(await res.text(), "chunk 0\nchunk 1\nchunk 2\nchunk 3\n");
  } finally {
    await s.stop();
  }
});

Deno.test("denocorn answers 500 when the app throws and keeps serving", async () => {
  const s = await startServer([APP]);
  try {
    for (const path of ["/error", "/reject", "/not-a-response"]) {
      const r = await get(`${s.url}${path}`);
      assertEquals(r.status, 500, path);
      assert(!r.text.includes("boom"), "the stack must not reach the client");
    }
    assertEquals((await get(`${s.url}/`)).status, 200);
    await s.waitFor(/\[ERROR\] Error handling request GET .*\/error/);
    await s.waitFor(/boom from the probe app/);
    assertEquals(s.workerPids().length, 1, "the worker must not have been replaced");
  } finally {
    await s.stop();
  }
});

Deno.test("denocorn keeps both Set-Cookie headers", async () => {
  const s = await startServer([APP]);
  try {
    const res = await fetch(`${s.url}/cookies`);
    await res.body?.cancel();
    assertEquals(res.headers.getSetCookie(), ["a=1", "b=2"]);
  } finally {
    await s.stop();
  }
});

Deno.test("denocorn rejects malformed and smuggling-shaped requests with 400 and a close", async () => {
  const s = await startServer([APP]);
  try {
    const cases: Array<[string, number]> = [
      [
        "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        400,
      ],
      [
        "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello",
        400,
      ],
      ["GET / HTTP/1.1\r\nHost: x\r\n bad: fold\r\n\r\n", 400],
      ["GET / HTTP/1.1\r\n\r\n", 400],
      ["GARBAGE\r\n\r\n", 400],
      ["GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505],
      ["GET /" + "a".repeat(5000) + " HTTP/1.1\r\nHost: x\r\n\r\n", 414],
    ];
    for (const [req, status] of cases) {
      const raw = await rawRequest(s.port, req);
      assertMatch(raw, new RegExp(`^HTTP/1\\.1 ${status} `), JSON.stringify(req.slice(0, 60)));
      assertMatch(raw, /connection: close/i);
    }
    assertEquals((await get(`${s.url}/`)).status, 200);
    assertEquals(s.workerPids().length, 1);
  } finally {
    await s.stop();
  }
});

Deno.test("denocorn --max-requests replaces workers without failing a request", async () => {
  const s = await startServer([APP, "--workers", "2", "--max-requests", "5"]);
  try {
    for (let i = 0; i < 40; i++) {
      const r = await get(`${s.url}/`);
      assertEquals(r.status, 200, `request ${i}`);
    }
    await s.waitFor(/Autorestarting worker after current request\./);
    assert(s.workerPids().length >= 4, `only ${s.workerPids().length} workers booted`);
  } finally {
    await s.stop();
  }
});

Deno.test("denocorn replaces a worker killed with SIGKILL", async () => {
  const s = await startServer([APP]);
  try {
    const pid = Number((await get(`${s.url}/pid`)).text);
    Deno.kill(pid, "SIGKILL");
    await s.waitFor(
      new RegExp(`Worker \\(pid:${pid}\\) was sent SIGKILL! Perhaps out of memory\\?`),
      2000,
    );
    await s.waitFor(/Booting worker with pid: \d+/);
    const deadline = Date.now() + 2000;
    while (s.workerPids().length < 2 && Date.now() < deadline) await sleep(20);
    assertEquals(s.workerPids().length, 2);
    const next = Number((await get(`${s.url}/pid`)).text);
    assert(next !== pid);
  } finally {
    await s.stop();
  }
});

Deno.test("denocorn kills and replaces a worker that stops heartbeating", async () => {
  const s = await startServer([APP, "--timeout", "2"]);
  try {
    const first = Number((await get(`${s.url}/pid`)).text);
    const hung = fetch(`${s.url}/hang`).then((r) => r.status, () => "reset");
    await s.waitFor(new RegExp(`\\[CRITICAL\\] WORKER TIMEOUT \\(pid:${first}\\)`), 8000);
    await hung;
    const next = Number((await get(`${s.url}/pid`)).text);
    assert(next !== first && next > 0);
  } finally {
    await s.stop();
  }
});

Deno.test("denocorn finishes the request in flight on SIGTERM and exits 0", async () => {
  const s = await startServer([APP]);
  try {
    await get(`${s.url}/`);
    const inflight = get(`${s.url}/slow?ms=800`);
    await sleep(200);
    s.signal("SIGTERM");
    const r = await inflight;
    assertEquals(r.status, 200);
    assertEquals(r.text, "slow done\n");
    const st = await s.status;
    assertEquals(st.code, 0);
    await s.waitFor(/Shutting down: Master/);
  } finally {
    await s.stop();
  }
});

Deno.test("denocorn stops with exit 4 and one line when the app cannot load", async () => {
  const s = await startServer(["tests/integration/apps/probe.ts:nope"]);
  const st = await s.status;
  assertEquals(st.code, 4);
  const log = s.lines.join("\n");
  assertStringIncludes(log, 'Cannot find attribute "nope"');
  assertStringIncludes(log, "App failed to load.");
  assertEquals(s.workerPids().length, 1, "must not respawn in a loop");
});

Deno.test("denocorn reports a port in use and exits 1", async () => {
  const blocker = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    const port = (blocker.addr as Deno.NetAddr).port;
    const r = await runCli([APP, "--bind", `127.0.0.1:${port}`]);
    assertEquals(r.code, 1);
    assertStringIncludes(r.stderr, `Connection in use: 127.0.0.1:${port}`);
    assertStringIncludes(r.stderr, `Can't connect to 127.0.0.1:${port}`);
  } finally {
    blocker.close();
  }
});

Deno.test("denocorn rejects a bad flag with one line and exit 2", async () => {
  const r = await runCli([APP, "--workers", "two"]);
  assertEquals(r.code, 2);
  assertEquals(r.stderr.trim().split("\n").length, 1, r.stderr);
  assertStringIncludes(r.stderr, "--workers");
});
