/**
 * Connection floods against the sync worker: connections abandoned with a close (FIN) or a reset
 * (RST), connections left open and silent, and a worker out of file descriptors. Bounded: a few
 * hundred connections, a few seconds. The full-size numbers (10,000 connections) are in
 * docs/architecture.md.
 */

import { assert, assertEquals, assertMatch } from "../_assert.ts";
import { startServer } from "./harness.ts";
import { getPid, sleep } from "./load.ts";

const APP = "tests/integration/apps/edge.ts:app";
const enc = new TextEncoder();
const dec = new TextDecoder();

const libc = Deno.dlopen("libc.so.6", {
  socket: { parameters: ["i32", "i32", "i32"], result: "i32" },
  connect: { parameters: ["i32", "buffer", "u32"], result: "i32" },
  setsockopt: { parameters: ["i32", "i32", "i32", "buffer", "u32"], result: "i32" },
  close: { parameters: ["i32"], result: "i32" },
  prlimit: { parameters: ["i32", "i32", "buffer", "buffer"], result: "i32" },
}).symbols;

/** Connects to 127.0.0.1:`port` and resets the connection (SO_LINGER 0, close) without a byte. */
function connectAndReset(port: number): void {
  const fd = libc.socket(2, 1, 0);
  assert(fd >= 0, "socket()");
  const addr = new Uint8Array(16);
  const dv = new DataView(addr.buffer);
  dv.setUint16(0, 2, true); // AF_INET
  dv.setUint16(2, port, false);
  addr.set([127, 0, 0, 1], 4);
  try {
    assertEquals(libc.connect(fd, addr, 16), 0, "connect()");
    const linger = new Uint8Array(8);
    new DataView(linger.buffer).setInt32(0, 1, true); // l_onoff 1, l_linger 0
    assertEquals(libc.setsockopt(fd, 1, 13, linger, 8), 0, "SO_LINGER");
  } finally {
    libc.close(fd);
  }
}

/** RLIMIT_NOFILE of process `pid` as [soft, hard]; sets the soft one first when `soft` is given. */
function nofile(pid: number, soft?: number): [number, number] {
  const old = new BigUint64Array(2);
  let next: BigUint64Array | null = null;
  if (soft !== undefined) {
    const current = nofile(pid);
    next = new BigUint64Array([BigInt(soft), BigInt(current[1])]);
  }
  assertEquals(libc.prlimit(pid, 7, next, old), 0, "prlimit(RLIMIT_NOFILE)");
  return [Number(old[0]), Number(old[1])];
}

/** Closes every connection still open. */
function closeAll(conns: Deno.Conn[]): void {
  for (const c of conns) {
    try {
      c.close();
    } catch { /* closed by the server's end or the test */ }
  }
}

/** Sends GET /pid on a fresh connection; the answering pid, or null when none came within `ms`. */
async function pidWithin(port: number, ms: number): Promise<number | null> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const timer = setTimeout(() => conn.close(), ms);
  let text = "";
  try {
    await conn.write(enc.encode("GET /pid HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
    const buf = new Uint8Array(4096);
    for (let n = await conn.read(buf); n !== null; n = await conn.read(buf)) {
      text += dec.decode(buf.subarray(0, n));
    }
  } catch {
    return null; // closed by the timer
  }
  clearTimeout(timer);
  conn.close();
  assertMatch(text, /^HTTP\/1\.1 200 /);
  return Number(text.slice(text.indexOf("\r\n\r\n") + 4));
}

/** True once the server closed `conn` (EOF or reset) within `ms`; false if it was still open. */
async function closedWithin(conn: Deno.Conn, ms: number): Promise<boolean> {
  const timer = setTimeout(() => conn.close(), ms);
  try {
    const n = await conn.read(new Uint8Array(16));
    clearTimeout(timer);
    conn.close();
    return n === null;
  } catch (e) {
    clearTimeout(timer);
    return !(e instanceof Deno.errors.BadResource); // reset by the server: closed
  }
}

Deno.test("denocorn -k sync answers at once after a flood of abandoned connections (closed, reset and silent ones)", async () => {
  const header = 2;
  const s = await startServer([APP, "-k", "sync", "-w", "1", "--header-timeout", `${header}`]);
  const silent: Deno.Conn[] = [];
  try {
    const pid = await getPid(s.port);
    for (let i = 0; i < 100; i++) {
      silent.push(await Deno.connect({ hostname: "127.0.0.1", port: s.port }));
      (await Deno.connect({ hostname: "127.0.0.1", port: s.port })).close();
      (await Deno.connect({ hostname: "127.0.0.1", port: s.port })).close();
      connectAndReset(s.port);
    }
    // The kernel hands a silent connection to accept() once TCP_DEFER_ACCEPT (the header timeout)
    // is over (one SYN-ACK retransmission later, about 3 s for 2 s): by then all 100 are queued
    // ahead of the request below, as in a flood. Served one by one for their header timeout,
    // they would hold it for 100 × 2 s.
    await sleep(4000);
    const answered = await pidWithin(s.port, 20_000);
    assert(answered !== null, `no answer in 20 s behind 100 silent connections`);
    assertEquals(answered, pid, "the same worker answers");
    // Every silent one is closed by its header timeout, counted from its accept.
    const closed = await Promise.all(silent.map((c) => closedWithin(c, header * 1000 + 8000)));
    assertEquals(closed.filter((c) => !c).length, 0, "silent connections still open");
    assertEquals(await getPid(s.port), pid);
    assert(!s.lines.some((l) => l.includes("WORKER TIMEOUT")), "no worker was killed");
  } finally {
    closeAll(silent);
    await s.stop();
  }
});

Deno.test("denocorn -k sync pauses accepting while out of file descriptors (EMFILE), logs it once and serves again after", async () => {
  const s = await startServer([APP, "-k", "sync", "-w", "1"]);
  try {
    const pid = await getPid(s.port);
    const open = new Set([...Deno.readDirSync(`/proc/${pid}/fd`)].map((e) => Number(e.name)));
    let lowestFree = 0;
    while (open.has(lowestFree)) lowestFree++;
    const [soft] = nofile(pid, lowestFree); // the next accept() fails with EMFILE
    const pending = [pidWithin(s.port, 15_000), pidWithin(s.port, 15_000)];
    await s.waitFor(/accept failed: .*\(EMFILE\)/);
    await sleep(1000); // a few more failed accepts: each one pauses, none is logged again
    nofile(pid, soft);
    assertEquals(await Promise.all(pending), [pid, pid], "the same worker answers both");
    assertEquals(s.lines.filter((l) => /\(EMFILE\)/.test(l)).length, 1, s.lines.join("\n"));
    assert(!s.lines.some((l) => /exited|Exception/i.test(l)), s.lines.join("\n"));
  } finally {
    await s.stop();
  }
});

Deno.test("denocorn -k sync on a unix socket: connections that have not spoken yet wait beside the worker, and are served once they do", async () => {
  const dir = Deno.makeTempDirSync();
  const path = `${dir}/s.sock`;
  const s = await startServer([
    APP,
    ...["-k", "sync", "-w", "1", "--header-timeout", "10"],
    ...["--bind", "127.0.0.1:0", "--bind", `unix:${path}`],
  ]);
  const unix = () => Deno.connect({ transport: "unix", path });
  const waiting: Deno.UnixConn[] = [];
  try {
    const pid = await getPid(s.port);
    // No deferred accept on a unix socket: the worker accepts these before their first byte.
    for (let i = 0; i < 5; i++) waiting.push(await unix());
    const texts = async (conns: Deno.UnixConn[]) =>
      await Promise.all(conns.map(async (c) => {
        await c.write(enc.encode("GET /pid HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
        let text = "";
        const buf = new Uint8Array(4096);
        for (let n = await c.read(buf); n !== null; n = await c.read(buf)) {
          text += dec.decode(buf.subarray(0, n));
        }
        return text;
      }));
    // Served one by one for their header timeout, the 5 would hold this request for 50 s.
    const probe = await unix();
    const timer = setTimeout(() => probe.close(), 8000);
    const [answer] = await texts([probe]).catch(() => [""]);
    clearTimeout(timer);
    assertMatch(answer!, /^HTTP\/1\.1 200 [^]*\r\n\r\n\d+$/, "answered behind 5 silent ones");
    // The waiting ones speak late: each is still served, by the same worker.
    for (const text of await texts(waiting)) {
      assertMatch(text, new RegExp(`^HTTP/1\\.1 200 [^]*\\r\\n\\r\\n${pid}$`));
    }
    probe.close();
  } finally {
    closeAll(waiting);
    await s.stop();
    Deno.removeSync(dir, { recursive: true });
  }
});
