/** @module Tests of lib/workers/deno/internals.ts in this process: detection, sockets served by fd, bodies. */

import net from "node:net";
import { assert, assertEquals, assertMatch } from "../../_assert.ts";
import {
  type DenoEngine,
  detectDenoEngine,
  type EngineHandler,
} from "../../../lib/workers/deno/internals.ts";
import * as sys from "../../../lib/sys/mod.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

function engine(): DenoEngine {
  const found = detectDenoEngine();
  if (typeof found === "string") throw new Error(found);
  return found;
}

/** A listening socket made the way the arbiter makes them, and the accepted fds' server. */
async function withListener(fn: (port: number, fd: number) => Promise<void>): Promise<void> {
  const fd = sys.listenTcp("127.0.0.1", 0, 64);
  try {
    const addr = sys.localAddr(fd);
    await fn(addr.transport === "tcp" ? addr.port : 0, fd);
  } finally {
    sys.close(fd);
  }
}

/** Accepts one connection (waiting for it in poll) and serves it with `handler`. */
async function serveOne(
  e: DenoEngine,
  listener: number,
  handler: EngineHandler,
  signal = new AbortController().signal,
) {
  await sys.pollInAsync([listener], 5000);
  const accepted = sys.accept(listener);
  assert(accepted !== null, "a connection was waiting");
  return e.serveFd(accepted.fd, {
    localAddr: { transport: "tcp", hostname: "127.0.0.1", port: 0 },
    signal,
    handler,
    onError: () => new Response("error", { status: 500 }),
  });
}

async function readAll(conn: Deno.Conn): Promise<string> {
  let text = "";
  const buf = new Uint8Array(16384);
  for (let n = await conn.read(buf); n !== null; n = await conn.read(buf)) {
    text += dec.decode(buf.subarray(0, n));
  }
  return text;
}

Deno.test("detectDenoEngine() finds Deno's engine here, and gives a reason when disabled", () => {
  assertEquals(engine().version, Deno.version.deno);
  assertEquals(detectDenoEngine({ disabled: true }), "disabled by DENOCORN_DENO_ENGINE=0");
});

Deno.test("DenoEngine.serveFd() serves keep-alive requests, then 150 fds in a row (numbers reused)", async () => {
  const e = engine();
  await withListener(async (port, listener) => {
    const hello: EngineHandler = (req) => new Response(`hello ${new URL(req.url).pathname}`);
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    const server = await serveOne(e, listener, hello);
    await conn.write(
      enc.encode("GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n"),
    );
    await conn.write(enc.encode("Connection: close\r\n\r\n"));
    const text = await readAll(conn);
    conn.close();
    assertMatch(text, /^HTTP\/1\.1 200 OK[^]*hello \/aHTTP\/1\.1 200 OK[^]*hello \/b$/);
    assertEquals(await server.finished, null);
    const numbers = new Set<number>();
    for (let i = 0; i < 150; i++) {
      const c = await Deno.connect({ hostname: "127.0.0.1", port });
      await sys.pollInAsync([listener], 5000);
      const accepted = sys.accept(listener)!;
      numbers.add(accepted.fd);
      const s = e.serveFd(accepted.fd, {
        localAddr: { transport: "tcp", hostname: "127.0.0.1", port },
        signal: new AbortController().signal,
        handler: hello,
        onError: () => new Response("error", { status: 500 }),
      });
      await c.write(enc.encode("GET /n HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
      assertMatch(await readAll(c), /^HTTP\/1\.1 200 OK[^]*hello \/n$/);
      c.close();
      await s.finished;
    }
    assert(numbers.size < 150, "fd numbers were reused");
  });
});

Deno.test("EngineServer.finished settles with the error when a client resets mid-request", async () => {
  const e = engine();
  await withListener(async (port, listener) => {
    const sock = net.connect(port, "127.0.0.1");
    await new Promise((r) => sock.once("connect", r));
    let reached!: () => void;
    const inApp = new Promise<void>((r) => reached = r);
    const server = await serveOne(e, listener, (req) => {
      reached();
      return new Promise((resolve) => req.signal.onabort = () => resolve(new Response("late")));
    });
    sock.write("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
    await inApp;
    sock.resetAndDestroy();
    const error = await server.finished;
    assert(error instanceof Error, "finished resolves with the reset instead of rejecting");
    assertMatch(error.message, /reset/i);
  });
});

Deno.test("serveFd()'s signal can be aborted at any time: after the end, after a graceful shutdown", async () => {
  const e = engine();
  await withListener(async (port, listener) => {
    const hello = () => new Response("hello\n");
    // After the end: Deno's own abort listener would throw BadResource (uncaught: the process dies).
    const ended = new AbortController();
    const client = await Deno.connect({ hostname: "127.0.0.1", port });
    const server = await serveOne(e, listener, hello, ended.signal);
    await client.write(enc.encode("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
    assertMatch(await readAll(client), /hello\n$/);
    client.close();
    assertEquals(await server.finished, null);
    ended.abort();
    // After shutdown() took the server resource: the socket is shut down instead.
    const shut = new AbortController();
    const idle = await Deno.connect({ hostname: "127.0.0.1", port });
    const served = await serveOne(e, listener, hello, shut.signal);
    await idle.write(enc.encode("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nab"));
    void served.shutdown();
    shut.abort();
    await readAll(idle); // the connection ends
    await served.finished;
    idle.close();
    await new Promise((r) => setTimeout(r, 50)); // an uncaught error would be reported by now
  });
});

Deno.test("EngineServer.adoptWebSocket() keeps the socket open after its HTTP connection ends", async () => {
  const e = engine();
  await withListener(async (port, listener) => {
    const client = new WebSocket(`ws://127.0.0.1:${port}/`);
    const closed = new Promise<CloseEvent>((r) => client.onclose = r);
    let server: ReturnType<DenoEngine["serveFd"]> | null = null;
    server = await serveOne(e, listener, (req) => {
      const { socket, response } = Deno.upgradeWebSocket(req);
      socket.onmessage = (m) => m.data === "bye" ? socket.close(4000, "bye") : socket.send(m.data);
      assert(server!.adoptWebSocket(response) === socket, "the response's own socket");
      return response;
    });
    await new Promise((r) => client.onopen = r);
    assertEquals(await server.finished, null, "the HTTP part is over");
    const echoed = new Promise<string>((r) => client.onmessage = (m) => r(m.data));
    client.send("still open");
    assertEquals(await echoed, "still open");
    client.send("bye");
    assertEquals((await closed).code, 4000);
  });
});

Deno.test("DenoEngine.bodyKind() and bodyLength() read in-memory bodies without consuming them", async () => {
  const e = engine();
  const stream = new Response(new ReadableStream({ start: (c) => c.close() }));
  const cases: [Response, string, number | null][] = [
    [new Response("héllo 👋"), "small", 11],
    [new Response("ééééééééé"), "large", 18],
    [new Response(new Uint8Array(7)), "small", 7],
    [new Response(new Uint8Array(70)), "large", 70],
    [Response.json({ a: 1 }), "small", 7],
    [new Response(new Blob(["abcd"])), "small", 4],
    [new Response(null, { status: 204 }), "empty", 0],
    [stream, "stream", null],
  ];
  for (const [res, kind, length] of cases) {
    assertEquals(e.bodyKind(res, 16), kind);
    if (kind !== "stream") assertEquals(e.bodyLength(res), length);
  }
  const touched = new Response("abc");
  touched.headers.set("x", "1");
  assertEquals([e.bodyKind(touched, 16), e.bodyLength(touched)], ["small", 3]);
  assertEquals(await touched.text(), "abc", "the body is still there");
  await stream.body?.cancel();
});
