/**
 * @module `--request-timeout` on both async engines: an awaiting request past it gets 504 and its
 * `request.signal` aborts, while other requests on the same worker are served; bad values and
 * `-k sync` are refused at start.
 */

import { assert, assertEquals, assertMatch } from "../_assert.ts";
import { ASYNC_CLASSES, readUntil, WORKER_CLASSES } from "./classes.ts";
import { runCli, startServer } from "./harness.ts";

const APP = "tests/integration/apps/engine_app.ts:app";

for (const name of ASYNC_CLASSES) {
  Deno.test(`request-timeout(${name}): an awaiting request gets 504 and its signal aborts; the worker serves on`, async () => {
    const s = await startServer([
      APP,
      ...WORKER_CLASSES[name],
      "-w",
      "1",
      "--request-timeout",
      "1",
    ]);
    try {
      const pid = await (await fetch(`${s.url}/pid`)).text();
      // /watch awaits until its request.signal aborts, which only the timeout can do here.
      const conn = await Deno.connect({ hostname: "127.0.0.1", port: s.port });
      await conn.write(new TextEncoder().encode("GET /watch HTTP/1.1\r\nHost: x\r\n\r\n"));
      // Other traffic meanwhile: short awaiting requests (300 ms) are answered as usual.
      for (let i = 0; i < 3; i++) {
        const r = await fetch(`${s.url}/slow`);
        assertEquals([r.status, await r.text()], [200, "slow done\n"]);
      }
      const got = await readUntil(conn, (t) => t.includes("\r\n\r\n"), 8000);
      assertMatch(got.text, /^HTTP\/1\.1 504 /);
      assertMatch(got.text, /\r\nconnection: close\r\n/i);
      // The connection closes after the 504 (the app may still hold the request).
      const rest = await readUntil(conn, () => false, 3000);
      assert(rest.closed && !rest.timedOut, "the connection closes after the 504");
      await s.waitFor(
        /Request timed out after 1 s \(--request-timeout\): GET .*\/watch: answered 504/,
      );
      for (let i = 0; i < 50 && (await (await fetch(`${s.url}/watching`)).text()) !== "1 1"; i++) {
        await new Promise((r) => setTimeout(r, 50));
      }
      assertEquals(await (await fetch(`${s.url}/watching`)).text(), "1 1", "its signal aborted");
      assertEquals(await (await fetch(`${s.url}/pid`)).text(), pid, "the same worker serves on");
      // A client that vanishes mid-request, then its timeout passes: nothing breaks.
      const gone = await Deno.connect({ hostname: "127.0.0.1", port: s.port });
      await gone.write(new TextEncoder().encode("GET /watch HTTP/1.1\r\nHost: x\r\n\r\n"));
      for (let i = 0; i < 50 && (await (await fetch(`${s.url}/watching`)).text()) !== "2 1"; i++) {
        await new Promise((r) => setTimeout(r, 50));
      }
      gone.close();
      await new Promise((r) => setTimeout(r, 1500)); // past --request-timeout
      assertEquals(await (await fetch(`${s.url}/watching`)).text(), "2 2");
      assertEquals(await (await fetch(`${s.url}/pid`)).text(), pid, "no worker exit");
    } finally {
      await s.stop();
    }
  });
}

Deno.test("request-timeout: -k sync and bad values are refused in one line, exit 2", async () => {
  const sync = await runCli([APP, "-k", "sync", "--request-timeout", "5"]);
  assertEquals(sync.code, 2, sync.stderr);
  assertMatch(sync.stderr.trim(), /^.*Cannot use --request-timeout with -k sync: .*use -k async/);
  assertEquals(sync.stderr.trim().split("\n").length, 1);
  const negative = await runCli([APP, "-k", "async", "--request-timeout", "-1"]);
  assertEquals(negative.code, 2, negative.stderr);
  assertMatch(negative.stderr, /--request-timeout/);
  assertEquals(negative.stderr.trim().split("\n").length, 1);
});
