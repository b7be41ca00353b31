/** lib/sys/socket.ts: the gather write (sendmsg) the sync worker answers with. */

import { assert, assertEquals } from "../_assert.ts";
import * as sys from "../../lib/sys/mod.ts";
import { advance } from "../../lib/workers/strict/blocking_io.ts";

/** A connected pair: the raw accepted fd (server side) and Deno's client connection. */
async function connectedPair(): Promise<{ fd: number; client: Deno.TcpConn; close(): void }> {
  const listener = sys.listenTcp("127.0.0.1", 0, 8);
  const addr = sys.localAddr(listener);
  assert(addr.transport === "tcp");
  const client = await Deno.connect({ hostname: "127.0.0.1", port: addr.port });
  let accepted = sys.accept(listener);
  while (accepted === null) {
    sys.pollIn([listener], 100);
    accepted = sys.accept(listener);
  }
  sys.close(listener);
  const fd = accepted.fd;
  return {
    fd,
    client,
    close() {
      sys.close(fd);
      client.close();
    },
  };
}

async function readExactly(conn: Deno.TcpConn, size: number): Promise<Uint8Array> {
  const out = new Uint8Array(size);
  let got = 0;
  while (got < size) {
    const n = await conn.read(out.subarray(got));
    if (n === null) break;
    got += n;
  }
  return out.subarray(0, got);
}

function pattern(size: number, seed: number): Uint8Array {
  const b = new Uint8Array(size);
  for (let i = 0; i < size; i++) b[i] = (i * 31 + seed) & 0xff;
  return b;
}

Deno.test("sendv() sends small parts in order with one call", async () => {
  const pair = await connectedPair();
  try {
    const parts = [pattern(7, 1), new Uint8Array(0), pattern(200, 2), pattern(3, 3)];
    assertEquals(sys.sendv(pair.fd, parts), 210);
    const got = await readExactly(pair.client, 210);
    assertEquals(got, Uint8Array.from([...parts[0]!, ...parts[2]!, ...parts[3]!]));
  } finally {
    pair.close();
  }
});

Deno.test("sendv() stops mid-part when the socket is full, and advance() resumes there", async () => {
  const pair = await connectedPair();
  sys.setIoTimeout(pair.fd, 0.02);
  // More than loopback's send and receive buffers hold, in odd sizes so a cut lands mid-part.
  const parts = [pattern(1001, 1), pattern(9_000_007, 2), pattern(13, 3), pattern(7_000_003, 4)];
  const total = parts.reduce((n, p) => n + p.byteLength, 0);
  const reading = readExactly(pair.client, total);
  try {
    let rest = parts;
    let partial = 0;
    while (rest.length > 0) {
      const left = rest.reduce((n, p) => n + p.byteLength, 0);
      try {
        const n = sys.sendv(pair.fd, rest);
        if (n < left) partial++;
        rest = advance(rest, n);
      } catch (e) {
        if (!(e instanceof sys.SysError && e.code === "EAGAIN")) throw e;
      }
      await new Promise((r) => setTimeout(r, 0)); // lets the reader drain the socket
    }
    assert(partial > 0, "expected at least one partial sendmsg");
    const got = await reading;
    assertEquals(got.byteLength, total);
    let off = 0;
    for (const p of parts) {
      assert(got.subarray(off, off + p.byteLength).every((b, i) => b === p[i]), `part at ${off}`);
      off += p.byteLength;
    }
  } finally {
    pair.close();
  }
});

Deno.test("sendv() reports a peer that closed as a SysError, not a signal", async () => {
  const pair = await connectedPair();
  try {
    pair.client.close();
    let failed: unknown = null;
    for (let i = 0; i < 50 && failed === null; i++) {
      try {
        sys.sendv(pair.fd, [pattern(100, 1), pattern(100, 2)]);
      } catch (e) {
        failed = e;
      }
      await new Promise((r) => setTimeout(r, 5));
    }
    assert(failed instanceof sys.SysError, `expected SysError, got ${failed}`);
    assert(["EPIPE", "ECONNRESET"].includes(failed.code), failed.code);
  } finally {
    sys.close(pair.fd);
  }
});

Deno.test("setNoDelay() on a listener is inherited by the sockets it accepts", async () => {
  const listener = sys.listenTcp("127.0.0.1", 0, 8);
  const addr = sys.localAddr(listener);
  assert(addr.transport === "tcp");
  sys.setNoDelay(listener);
  const client = await Deno.connect({ hostname: "127.0.0.1", port: addr.port });
  let accepted = sys.accept(listener);
  while (accepted === null) {
    sys.pollIn([listener], 100);
    accepted = sys.accept(listener);
  }
  try {
    assert(sys.noDelay(accepted.fd), "expected TCP_NODELAY on the accepted socket");
  } finally {
    sys.close(accepted.fd);
    sys.close(listener);
    client.close();
  }
});

Deno.test("readNow() tells nothing waiting, bytes waiting and end of stream apart", async () => {
  const pair = await connectedPair();
  try {
    const buf = new Uint8Array(64);
    assertEquals(sys.readNow(pair.fd, buf), null);
    await pair.client.write(new Uint8Array([1, 2, 3]));
    sys.pollIn([pair.fd], 1000);
    assertEquals(sys.readNow(pair.fd, buf), 3);
    await pair.client.closeWrite();
    sys.pollIn([pair.fd], 1000);
    assertEquals(sys.readNow(pair.fd, buf), 0);
  } finally {
    pair.close();
  }
});
