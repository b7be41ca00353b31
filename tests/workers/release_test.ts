/** lib/workers/release.ts: a stopping worker lets go of the listening sockets, fd numbers kept. */

import { assert, assertEquals } from "../_assert.ts";
import * as sys from "../../lib/sys/mod.ts";
import { releaseListeners } from "../../lib/workers/release.ts";

async function refused(port: number): Promise<boolean> {
  try {
    (await Deno.connect({ hostname: "127.0.0.1", port })).close();
    return false;
  } catch (e) {
    if (e instanceof Deno.errors.ConnectionRefused) return true;
    throw e;
  }
}

Deno.test("releaseListeners() closes the last copy of a listener and keeps its fd number inert", async () => {
  const fd = sys.listenTcp("127.0.0.1", 0, 8);
  const addr = sys.localAddr(fd);
  assert(addr.transport === "tcp");
  try {
    assertEquals(await refused(addr.port), false);
    const list = [fd];
    releaseListeners(list);
    assertEquals(list, [], "the worker's list is emptied");
    assertEquals(await refused(addr.port), true);
    // The number still names a listening socket, one nothing can reach: poll and accept find
    // nothing there (a loop that has not yet seen the stop neither fails nor serves).
    assert(sys.isListeningSocket(fd));
    assertEquals(sys.localAddr(fd).transport, "unix");
    assertEquals(sys.pollIn([fd], 0), []);
    assertEquals(sys.accept(fd), null);
  } finally {
    sys.close(fd);
  }
});

Deno.test("releaseListeners() leaves the socket listening while another process's copy remains", async () => {
  const fd = sys.listenTcp("127.0.0.1", 0, 8);
  const other = sys.dup(fd); // the arbiter's copy, under HUP or TTOU
  const addr = sys.localAddr(fd);
  assert(addr.transport === "tcp");
  try {
    releaseListeners([fd]);
    assertEquals(await refused(addr.port), false);
  } finally {
    sys.close(fd);
    sys.close(other);
  }
});
