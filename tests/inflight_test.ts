/** @module Tests of the in-flight board (lib/inflight.ts): the worker's writes, the arbiter's read. */

import { assert, assertEquals } from "./_assert.ts";
import { BOARD_SLOTS, InFlightBoard, inFlightLines, readInFlight } from "../lib/inflight.ts";

function tempPath(): string {
  return `${Deno.makeTempDirSync()}/board`;
}

Deno.test("InFlightBoard records requests as they start and forgets them as they end", () => {
  const path = tempPath();
  const board = InFlightBoard.open(path)!;
  const a = board.begin("GET", "/a?b=1", "10.0.0.1");
  const b = board.begin("POST", "/upload", "10.0.0.2");
  assertEquals(readInFlight(path)!.requests.map((r) => r.text), [
    "GET /a?b=1 10.0.0.1",
    "POST /upload 10.0.0.2",
  ]);
  board.end(a);
  const c = board.begin("PUT", "/c", "unix");
  assertEquals(readInFlight(path)!.requests.map((r) => r.text).sort(), [
    "POST /upload 10.0.0.2",
    "PUT /c unix",
  ]);
  board.end(b);
  board.end(c);
  assertEquals(readInFlight(path), { requests: [], more: 0 });
  assertEquals(Deno.statSync(path).mode! & 0o777, 0o600);
});

Deno.test("InFlightBoard counts requests beyond its slots and cuts long targets", () => {
  const path = tempPath();
  const board = InFlightBoard.open(path)!;
  const slots = Array.from({ length: BOARD_SLOTS + 3 }, (_, i) => board.begin("GET", `/${i}`, "c"));
  assertEquals(slots.filter((s) => s === -1).length, 3);
  assertEquals(readInFlight(path)!.more, 3);
  board.end(-1);
  assertEquals(readInFlight(path)!.more, 2);
  for (const s of slots) board.end(s);
  const long = board.begin("GET", `/${"x".repeat(1000)}`, "c");
  const text = readInFlight(path)!.requests[0]!.text;
  assert(text.startsWith("GET /xxx") && text.length < 256, `cut to the slot: ${text.length}`);
  board.end(long);
});

Deno.test("InFlightBoard refuses a planted file or symlink at its path", () => {
  const path = tempPath();
  Deno.symlinkSync("/tmp/elsewhere-never-created", path);
  assertEquals(InFlightBoard.open(path), null);
  assertEquals(readInFlight(`${path}-missing`), null);
});

Deno.test("inFlightLines() names each request with its age, escaping what the client sent", () => {
  const lines = inFlightLines(9, {
    requests: [{ text: "GET /a\n[ERROR] forged 1.2.3.4", started: 0 }],
    more: 2,
  }, 1500);
  assertEquals(lines, [
    "Worker (pid:9) had 3 requests in flight:",
    "  GET /a\\n[ERROR] forged 1.2.3.4, running for 1.5 s",
    "  and 2 more (not recorded: all slots taken)",
  ]);
  assertEquals(inFlightLines(9, { requests: [], more: 0 }, 0), []);
});
