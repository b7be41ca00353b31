/**
 * What a fetch handler sees under Deno.serve, on denocorn's own engine too: streamed bodies go out
 * as produced, request.signal aborts when the client leaves, and a WebSocket upgrade the engine
 * cannot perform is refused clearly.
 */

import { assert, assertEquals, assertMatch, assertStringIncludes } from "../_assert.ts";
import { readUntil } from "./classes.ts";
import { startServer } from "./harness.ts";
import { sleep } from "./load.ts";

const APP = "tests/integration/apps/edge.ts:app";
const enc = new TextEncoder();

/** Reads until `done(text)` holds; throws when the peer closes or `ms` pass first. */
async function textUntil(conn: Deno.Conn, done: (text: string) => boolean, ms = 5000) {
  const r = await readUntil(conn, done, ms);
  if (r.closed) throw new Error(`Closed after ${JSON.stringify(r.text)}`);
  return r.text;
}

for (const k of ["sync", "async"]) {
  // denocorn's own engine; tests/integration/deno_engine_test.ts covers Deno's
  const args = [APP, "-k", k, ...(k === "async" ? ["--http", "strict"] : []), "-w", "1"];

  Deno.test(`denocorn -k ${k} sends an event stream's first event before the app produces the second`, async () => {
    const dir = await Deno.makeTempDir();
    const s = await startServer(args);
    try {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port: s.port });
      const go = `${dir}/go`;
      await conn.write(enc.encode(`GET /events?go=${go} HTTP/1.1\r\nHost: x\r\n\r\n`));
      // The app writes its second event only once `go` exists, which happens only after the
      // first event has arrived here: a server holding the first chunk back never gets there.
      const first = await textUntil(conn, (t) => t.includes("data: one\n\n"));
      assert(!first.includes("data: two"), "the second event is not produced yet");
      assertStringIncludes(first, "content-type: text/event-stream\r\n");
      await Deno.writeTextFile(go, "");
      await textUntil(conn, (t) => t.includes("data: two\n\n"));
      conn.close();
    } finally {
      await s.stop();
      await Deno.remove(dir, { recursive: true });
    }
  });

  Deno.test(`denocorn -k ${k} aborts request.signal when the client disconnects`, async () => {
    const dir = await Deno.makeTempDir();
    const report = `${dir}/report`;
    const s = await startServer(args);
    try {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port: s.port });
      await conn.write(enc.encode(`GET /abort?report=${report} HTTP/1.1\r\nHost: x\r\n\r\n`));
      let state = "";
      for (let i = 0; i < 200 && state === ""; i++) {
        state = await Deno.readTextFile(report).catch(() => "");
        if (state === "") await sleep(25);
      }
      assertEquals(state, "started");
      conn.close();
      // "" is a read between the app's truncate and write of the file: read again.
      for (let i = 0; i < 200 && (state === "started" || state === ""); i++) {
        await sleep(25);
        state = await Deno.readTextFile(report);
      }
      assertEquals(state, "aborted", "the app saw request.signal abort");
    } finally {
      await s.stop();
      await Deno.remove(dir, { recursive: true });
    }
  });

  Deno.test(`denocorn -k ${k} refuses a WebSocket upgrade with 501 and says which engine has them`, async () => {
    const s = await startServer(args);
    try {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port: s.port });
      await conn.write(enc.encode(
        "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
          "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
      ));
      const text = await textUntil(conn, (t) => t.endsWith("\n") && t.includes("\r\n\r\n"));
      conn.close();
      assertMatch(text, /^HTTP\/1\.1 501 Not Implemented\r\n/);
      assert(!/^HTTP\/1\.1 101/m.test(text), "never a bare 101");
      const line = await s.waitFor(/Cannot switch protocols for GET \/ws/);
      assertStringIncludes(line, `-k ${k}`);
      assertStringIncludes(line, "Deno's HTTP engine");
    } finally {
      await s.stop();
    }
  });
}
