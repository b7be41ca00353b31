/**
 * lib/workers/strict/blocking_io.ts: resuming a gather write after a partial send, and what a fresh
 * connection holds before the sync worker serves it.
 */

import { assertEquals, assertThrows } from "../../_assert.ts";
import * as sys from "../../../lib/sys/mod.ts";
import {
  advance,
  BlockingConnection,
  type BlockingOptions,
} from "../../../lib/workers/strict/blocking_io.ts";
import { ClientTimeout } from "../../../lib/workers/strict/io.ts";

const bytes = (n: number, v: number) => new Uint8Array(n).fill(v);

Deno.test("advance() drops the parts sent and cuts into the first one left", () => {
  const a = bytes(4, 1), b = bytes(6, 2), c = bytes(2, 3);
  assertEquals(advance([a, b, c], 0), [a, b, c]);
  assertEquals(advance([a, b, c], 4), [b, c]);
  assertEquals(advance([a, b, c], 7), [b.subarray(3), c]);
  assertEquals(advance([a, b, c], 12), []);
});

/** A fresh connection from a Deno client, as the sync worker holds it right after accept(). */
async function accepted(opts: Partial<BlockingOptions> = {}) {
  const listener = sys.listenTcp("127.0.0.1", 0, 4);
  try {
    const { port } = sys.localAddr(listener) as { port: number };
    const client = await Deno.connect({ hostname: "127.0.0.1", port });
    sys.pollIn([listener], 5000);
    const got = sys.accept(listener)!;
    const base = { writeTimeout: 1000, now: () => performance.now(), tick: () => {} };
    const conn = new BlockingConnection(got.fd, client.localAddr, "test", { ...base, ...opts });
    return { conn, client };
  } finally {
    sys.close(listener);
  }
}

Deno.test("prefetch() tells a silent connection from one that sent bytes and one whose peer left", async () => {
  const silent = await accepted();
  assertEquals(silent.conn.prefetch(), "silent");
  await silent.client.write(new TextEncoder().encode("GET / HTTP/1.1\r\n"));
  sys.pollIn([silent.conn.fd], 5000);
  assertEquals(silent.conn.prefetch(), "data");
  assertEquals(new TextDecoder().decode(silent.conn.source.read(Infinity)!), "GET / HTTP/1.1\r\n");
  silent.conn.close(false);
  silent.client.close();

  const left = await accepted();
  left.client.close();
  sys.pollIn([left.conn.fd], 5000);
  assertEquals(left.conn.prefetch(), "gone");
  assertEquals(left.conn.source.read(Infinity), null);
  left.conn.close(false);
});

Deno.test("a connection served after waiting keeps its first head's deadline from the accept", async () => {
  let clock = 0;
  const { conn, client } = await accepted({ now: () => clock, headTimeout: 1000 });
  try {
    await client.write(new TextEncoder().encode("GET"));
    sys.pollIn([conn.fd], 5000);
    clock = 1500; // it waited 1.5 s before the worker served it
    conn.phase("head");
    assertThrows(() => conn.source.read(clock + 10_000), ClientTimeout);
    conn.phase("busy"); // the head is in: later reads have only their own deadlines
    assertEquals(new TextDecoder().decode(conn.source.read(clock + 10_000)!), "GET");
  } finally {
    conn.close(false);
    client.close();
  }
});
