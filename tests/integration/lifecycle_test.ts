/**
 * Start and stop against the real server: TERM refuses new connections at once while the requests
 * in hand finish (docs/signals.md).
 */

import { assert, assertEquals } from "../_assert.ts";
import { startServer } from "./harness.ts";
import { sleep } from "./load.ts";

const APP = "tests/integration/apps/lifecycle.ts:app";

/**
 * Connects to `port` until the connection is refused (ECONNREFUSED) or `ms` pass; a connect that
 * succeeds meanwhile (the stop not yet seen everywhere) is closed and tried again. True if refused.
 */
async function refusedWithin(port: number, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    try {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port });
      conn.close();
    } catch (e) {
      if (e instanceof Deno.errors.ConnectionRefused) return true;
      throw e;
    }
    await sleep(100);
  }
  return false;
}

const CLASSES: Array<[string, string[]]> = [
  ["sync", ["-k", "sync"]],
  ["async, strict engine", ["-k", "async", "--http", "strict"]],
  ["async, Deno's engine", ["-k", "async", "--http", "deno"]],
];

for (const [name, args] of CLASSES) {
  Deno.test(`TERM (${name}): new connections are refused at once, requests in hand finish`, async () => {
    const dir = await Deno.makeTempDir();
    const gate = `${dir}/gate`;
    const s = await startServer([APP, "-w", "2", ...args]);
    try {
      const held = fetch(`${s.url}/hold?gate=${gate}`, { headers: { connection: "close" } })
        .then(async (r) => `${r.status} ${await r.text()}`);
      await s.waitFor(/holding a request/);
      s.signal("SIGTERM");
      await s.waitFor(/Shutting down: Master/);
      await sleep(500);
      assert(await refusedWithin(s.port, 5000), "a connect after TERM is refused");
      await Deno.writeTextFile(gate, "");
      assertEquals(await held, "200 held\n");
      assertEquals((await s.status).code, 0);
    } finally {
      await Deno.writeTextFile(gate, "");
      await s.stop();
      await Deno.remove(dir, { recursive: true });
    }
  });
}
