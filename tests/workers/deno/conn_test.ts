/** @module Tests of EngineConnection's deadlines and drain (lib/workers/deno/conn.ts), no sockets. */

import { assertEquals } from "../../_assert.ts";
import { EngineConnection } from "../../../lib/workers/deno/conn.ts";
import type { EngineServer } from "../../../lib/workers/deno/internals.ts";

/** A stand-in for Deno's connection server that records how it was closed. */
function fakeServer(unread = () => false) {
  const calls: string[] = [];
  let end!: (e: Error | null) => void;
  const server: EngineServer = {
    finished: new Promise((r) => end = r),
    shutdown: () => {
      calls.push("shutdown");
      end(null);
      return Promise.resolve();
    },
    forceClose: () => void calls.push("forceClose"),
    unread,
    adoptWebSocket: () => null,
  };
  return { server, calls };
}

const PEER: Deno.NetAddr = { transport: "tcp", hostname: "127.0.0.1", port: 4000 };
const LIMITS = { head: 5000, body: 3000, bodyRate: 0, write: 4000, idle: 2000 };
const running = (now: number) => ({ now, stopping: false, stopDeadline: Infinity });

function open(unread?: () => boolean) {
  const conn = new EngineConnection(PEER, LIMITS);
  const { server, calls } = fakeServer(unread);
  conn.run(server);
  const done = conn.closed;
  return { conn, calls, done, t0: performance.now() };
}

Deno.test("EngineConnection.sweep() closes a new connection without a request at --header-timeout", () => {
  const { conn, t0 } = open();
  conn.sweep(running(t0 + 4900));
  assertEquals(conn.abort.signal.aborted, false, "within the head time from the accept");
  conn.sweep(running(t0 + 5100));
  assertEquals(conn.abort.signal.aborted, true, "closed at once: a slow client gets no linger");
});

Deno.test("EngineConnection.sweep() closes a kept-alive connection after --keep-alive idle", async () => {
  const { conn, calls, done } = open();
  const ex = conn.begin();
  conn.sweep(running(performance.now() + 60_000));
  assertEquals(calls, [], "a request in flight is not idle");
  conn.end(ex, false);
  const idle = performance.now();
  conn.sweep(running(idle + 1500));
  assertEquals(calls, []);
  conn.sweep(running(idle + 2100));
  assertEquals(calls, ["shutdown"]);
  await done;
});

Deno.test("EngineConnection.sweep() kills a connection whose response write waits too long", () => {
  const { conn, calls } = open();
  const ex = conn.begin();
  ex.wait("response write", 1000);
  conn.sweep(running(performance.now() + 500));
  assertEquals(conn.abort.signal.aborted, false);
  conn.sweep(running(performance.now() + 1500));
  assertEquals([conn.abort.signal.aborted, calls], [true, []]);
});

Deno.test("EngineConnection.sweep() fails a body read past its deadline with 408, then closes", async () => {
  const { conn, calls, done } = open();
  const ex = conn.begin();
  const read = ex.read(new Promise<never>(() => {}), performance.now() + 1000);
  conn.sweep(running(performance.now() + 500));
  conn.sweep(running(performance.now() + 1500));
  const failed = await read.then(() => null, (e: Error & { status?: number }) => e.status);
  assertEquals([failed, ex.bodyStatus, conn.abort.signal.aborted], [408, 408, false]);
  conn.sweep(running(performance.now() + 3500));
  assertEquals(conn.abort.signal.aborted, false, "the 408 has --write-timeout to go out");
  conn.end(ex, false);
  conn.sweep(running(performance.now()));
  assertEquals([calls, conn.abort.signal.aborted], [[], true], "closed at once after the 408");
  void done;
});

Deno.test("EngineConnection.kill() after a graceful shutdown shuts the socket down instead of aborting", () => {
  const { conn, calls } = open();
  conn.end(conn.begin(), false);
  conn.close();
  conn.kill();
  assertEquals([calls, conn.abort.signal.aborted], [["shutdown", "forceClose"], false]);
});

Deno.test("EngineConnection.shedOrder() prefers idle kept-alive connections, never one with a request", () => {
  const fresh = open().conn;
  const kept = open().conn;
  kept.end(kept.begin(), false);
  const busy = open().conn;
  busy.begin();
  assertEquals(fresh.shedOrder()?.[0], 2);
  assertEquals(kept.shedOrder()?.[0], 1);
  assertEquals(busy.shedOrder(), null);
});

Deno.test("EngineConnection drains on stop: Connection: close, idle time kept, graceful deadline", async () => {
  const a = open();
  const ex = a.conn.begin();
  a.conn.sweep({ now: performance.now(), stopping: true, stopDeadline: performance.now() + 9000 });
  assertEquals(a.calls, [], "the request in hand finishes");
  a.conn.end(ex, true);
  assertEquals(a.calls, ["shutdown"], "closed once its last response went out");
  await a.done;
  const b = open();
  const stop = { stopping: true, stopDeadline: b.t0 + 3000 };
  b.conn.sweep({ now: b.t0 + 2500, ...stop });
  assertEquals(b.calls, [], "an idle connection keeps its idle time while the worker stops");
  b.conn.sweep({ now: b.t0 + 3000, ...stop });
  assertEquals(b.calls, ["shutdown"], "and closes at the graceful deadline at the latest");
  await b.done;
  const c = open();
  c.conn.begin();
  c.conn.sweep({ now: c.t0 + 3000, stopping: true, stopDeadline: c.t0 + 3000 });
  assertEquals(c.conn.abort.signal.aborted, true, "a request still running at the deadline");
});

Deno.test("EngineConnection.sweep() never closes as idle a connection whose request waits unread, nor from a late sweep", () => {
  let waiting = true;
  const { conn, calls } = open(() => waiting);
  conn.end(conn.begin(), false);
  const idle = performance.now();
  conn.sweep(running(idle + 2100));
  assertEquals(calls, [], "its next request arrived while the loop was blocked");
  waiting = false;
  conn.sweep({ ...running(idle + 2200), late: true });
  assertEquals(calls, [], "a late sweep leaves the loop a turn to read what arrived");
  conn.sweep(running(idle + 2300));
  assertEquals(calls, ["shutdown"], "idle, on time: closed");
});
