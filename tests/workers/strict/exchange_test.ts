/** @module The class-neutral exchange in memory: framing, keep-alive, errors, deadlines. */

import { assert, assertEquals, assertStringIncludes } from "../../_assert.ts";
import { serveConnection } from "../../../lib/workers/strict/exchange.ts";
import { MemoryConnection, responses, testContext } from "./_memory.ts";

const echo = async (req: Request) =>
  new Response(`${req.method} ${new URL(req.url).pathname} ${await req.text()}`);

const GET = (path: string, extra = "") => `GET ${path} HTTP/1.1\r\nHost: x\r\n${extra}\r\n`;

Deno.test("serveConnection() answers pipelined requests in order on a kept-alive connection", async () => {
  const conn = new MemoryConnection([GET("/a") + GET("/b"), GET("/c", "Connection: close\r\n")]);
  await serveConnection(testContext({ app: echo }), conn);
  const rs = responses(conn.text);
  assertEquals(rs.map((r) => r.body), ["GET /a ", "GET /b ", "GET /c "]);
  assertStringIncludes(rs[0]!.head, "keep-alive: timeout=2\r\n");
  assert(!rs[0]!.head.includes("connection:"), "HTTP/1.1 keeps the connection by default");
  assertStringIncludes(rs[2]!.head, "connection: close\r\n");
  assertEquals(conn.closedWith, false);
  assertEquals(conn.phases, ["head", "busy", "idle", "head", "busy", "idle", "head", "busy"]);
});

Deno.test("serveConnection() frames Content-Length and chunked bodies for the app", async () => {
  const conn = new MemoryConnection([
    "POST /len HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhel",
    "lo" + "POST /chunked HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc",
    "\r\n2\r\nde\r\n0\r\n\r\n",
  ]);
  await serveConnection(testContext({ app: echo }), conn);
  assertEquals(responses(conn.text).map((r) => r.body), ["POST /len hello", "POST /chunked abcde"]);
  assertEquals(conn.closedWith, false, "the peer ended cleanly: nothing to linger for");
});

Deno.test("serveConnection() answers 400 to a bad chunk size and to a body cut short", async () => {
  const bad = new MemoryConnection([
    "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
  ]);
  await serveConnection(testContext({ app: echo }), bad);
  assertEquals(responses(bad.text).map((r) => r.status), [400]);
  assertStringIncludes(bad.text, "connection: close\r\n");
  const cut = new MemoryConnection(["POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc"]);
  await serveConnection(testContext({ app: echo }), cut);
  assertEquals(responses(cut.text).map((r) => r.status), [400]);
  assertStringIncludes(cut.text, "connection: close\r\n");
});

Deno.test("serveConnection() sends the true length and closes when the app's Content-Length lies", async () => {
  const app = () => new Response("short", { headers: { "content-length": "10" } });
  const conn = new MemoryConnection([GET("/"), GET("/never")]);
  await serveConnection(testContext({ app }), conn);
  const rs = responses(conn.text);
  assertEquals(rs.length, 1);
  assertStringIncludes(rs[0]!.head, "content-length: 5\r\nconnection: close\r\n");
  assertEquals(rs[0]!.body, "short");
});

Deno.test("serveConnection() sends 100 Continue only when the app reads the body", async () => {
  const expect = "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n";
  const reads = new MemoryConnection([expect, "ok"]);
  await serveConnection(testContext({ app: echo }), reads);
  assert(reads.text.startsWith("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n"), reads.text);
  assertEquals(responses(reads.text).map((r) => r.body), ["", "POST / ok"]);
  const ignores = new MemoryConnection([expect, "ok"]);
  await serveConnection(testContext({ app: () => new Response("no") }), ignores);
  assert(!ignores.text.includes("100 Continue"), "no 100 after the final answer");
  assertStringIncludes(ignores.text, "connection: close\r\n");
  assertEquals(ignores.closedWith, true, "the client may still send its body: linger");
});

Deno.test("serveConnection() answers a bad head with its status and a lingering close", async () => {
  const conn = new MemoryConnection(["GET / HTTP/1.1\r\nHost: x\r\nFoo: a\r\n b\r\n\r\n"]);
  await serveConnection(testContext({ app: echo }), conn);
  const [r] = responses(conn.text);
  assertEquals(r!.status, 400);
  assertStringIncludes(r!.head, "connection: close\r\n");
  assertEquals(conn.closedWith, true);
});

Deno.test("serveConnection() closes when the class, HTTP/1.0, a stop or max-requests says so", async () => {
  const cases: [string, Parameters<typeof testContext>[0], string[]][] = [
    ["one request per connection", { app: echo, persistent: false }, [GET("/"), GET("/")]],
    ["HTTP/1.0", { app: echo }, ["GET / HTTP/1.0\r\n\r\n", GET("/")]],
    ["a stopping worker", { app: echo, alive: () => false }, [GET("/"), GET("/")]],
    ["the max-requests'th request", { app: echo, maxRequests: 1 }, [GET("/"), GET("/")]],
  ];
  for (const [what, init, input] of cases) {
    const conn = new MemoryConnection(input);
    await serveConnection(testContext(init), conn);
    const rs = responses(conn.text);
    assertEquals(rs.length, 1, what);
    assertStringIncludes(rs[0]!.head, "connection: close\r\n", what);
    assert(!rs[0]!.head.includes("keep-alive"), what);
  }
});

Deno.test("serveConnection() keeps HTTP/1.0 alive when asked, advertising the idle time", async () => {
  const conn = new MemoryConnection(["GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"]);
  await serveConnection(testContext({ app: echo, timeouts: { idle: 5000 } }), conn);
  assertStringIncludes(conn.text, "connection: keep-alive\r\nkeep-alive: timeout=5\r\n");
});

Deno.test("serveConnection() answers 408 to a head that stalls and closes an idle connection quietly", async () => {
  const stalled = new MemoryConnection(["GET / HTTP/1.1\r\nHo", "timeout"]);
  await serveConnection(testContext({ app: echo }), stalled);
  assertEquals(responses(stalled.text).map((r) => r.status), [408]);
  assertEquals(stalled.closedWith, false, "a slow client gets no linger");
  const idle = new MemoryConnection([GET("/"), "timeout"]);
  await serveConnection(testContext({ app: echo }), idle);
  assertEquals(responses(idle.text).map((r) => r.status), [200]);
  const silent = new MemoryConnection(["timeout"]);
  await serveConnection(testContext({ app: echo }), silent);
  assertEquals(silent.text, "", "nothing was asked, nothing is answered");
});

Deno.test("serveConnection() gives reads the head, idle and body deadlines", async () => {
  const conn = new MemoryConnection([
    "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n",
    "x".repeat(500),
    "x".repeat(500),
  ]);
  const ctx = testContext({
    app: echo,
    timeouts: { head: 3000, body: 7000, bodyRate: 100, idle: 2000 },
  });
  await serveConnection(ctx, conn);
  // head from the accept; body: 7 s + 1 s per 100 bytes; then the keep-alive wait.
  assertEquals(conn.deadlines, [3000, 7000, 12_000, 2000]);
});

Deno.test("serveConnection() answers 408 to a body slower than its deadline", async () => {
  const conn = new MemoryConnection([
    "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 9\r\n\r\nab",
    "timeout",
  ]);
  await serveConnection(testContext({ app: echo }), conn);
  const [r] = responses(conn.text);
  assertEquals(r!.status, 408);
  assertStringIncludes(r!.head, "connection: close\r\n");
  assertEquals(conn.closedWith, false);
});

Deno.test("serveConnection() refuses a WebSocket upgrade with 501 instead of a bare 101", async () => {
  const app = (req: Request) => Deno.upgradeWebSocket(req).response;
  const conn = new MemoryConnection([
    GET(
      "/ws",
      "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n" +
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n",
    ),
  ]);
  await serveConnection(testContext({ app }), conn);
  const [r] = responses(conn.text);
  assertEquals(r!.status, 501);
  assertStringIncludes(r!.body, "WebSocket");
});

Deno.test("serveConnection() aborts request.signal when the peer hangs up, not after success", async () => {
  let signals: AbortSignal[] = [];
  let release!: () => void;
  const app = async (req: Request) => {
    signals.push(req.signal);
    if (new URL(req.url).pathname === "/wait") await new Promise<void>((r) => release = r);
    return new Response("ok");
  };
  const ok = new MemoryConnection([GET("/")]);
  await serveConnection(testContext({ app }), ok);
  assertEquals(signals.map((s) => s.aborted), [false]);
  signals = [];
  const conn = new MemoryConnection([GET("/wait")]);
  const served = serveConnection(testContext({ app }), conn);
  while (signals.length === 0) await new Promise((r) => setTimeout(r, 1));
  conn.hangUp();
  assertEquals(signals[0]!.aborted, true);
  release();
  await served;
});

Deno.test("serveConnection() sends the head and first chunk before the app produces the second", async () => {
  let next!: () => void;
  const second = new Promise<void>((r) => next = r);
  const app = () =>
    new Response(
      new ReadableStream<Uint8Array>({
        async start(c) {
          c.enqueue(new TextEncoder().encode("data: one\n\n"));
          await second;
          c.enqueue(new TextEncoder().encode("data: two\n\n"));
          c.close();
        },
      }),
      { headers: { "content-type": "text/event-stream" } },
    );
  const conn = new MemoryConnection([GET("/events", "Connection: close\r\n")]);
  const served = serveConnection(testContext({ app }), conn);
  while (!conn.text.includes("data: one")) await new Promise((r) => setTimeout(r, 1));
  assert(!conn.text.includes("data: two"), "the first event went out alone");
  assertStringIncludes(conn.text, "transfer-encoding: chunked\r\n");
  next();
  await served;
  assertEquals(responses(conn.text)[0]!.body, "data: one\n\ndata: two\n\n");
});

Deno.test("serveConnection() writes an in-memory body with its head in one write", async () => {
  const conn = new MemoryConnection([GET("/", "Connection: close\r\n")]);
  await serveConnection(testContext({ app: () => new Response("hello") }), conn);
  assertEquals(conn.written.length, 1);
  assertStringIncludes(conn.text, "content-length: 5\r\n");
});

Deno.test("serveConnection() writes nothing more once the peer resets", async () => {
  const conn = new MemoryConnection([
    "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 9\r\n\r\nab",
    "reset",
  ]);
  await serveConnection(testContext({ app: echo }), conn);
  assertEquals(conn.text, "");
  assertEquals(conn.closedWith, false);
});
