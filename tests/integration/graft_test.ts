/**
 * -k async on Deno's engine accepts through a Deno listener grafted on the shared socket, or, when
 * the graft is unavailable (forced here with DENOCORN_DENO_GRAFT=0), with poll + accept4: both
 * paths say which one runs, honour --worker-connections (shedding) and stop cleanly.
 */

import { assert, assertEquals } from "../_assert.ts";
import { OPS_CLASSES } from "./classes.ts";
import { startServer } from "./harness.ts";
import { getPid, holdLoad, sleep } from "./load.ts";

const APP = "tests/integration/apps/overload.ts:app";
const PATHS = [
  [
    "grafted",
    OPS_CLASSES["async --http deno"],
    /Accepting connections through Deno's listener \(grafted on the shared socket\)$/,
  ],
  [
    "poll + accept4",
    OPS_CLASSES["async --http deno (poll accept)"],
    /Accepting connections with poll \+ accept4 \(no graft: disabled by DENOCORN_DENO_GRAFT=0\)$/,
  ],
] as const;

for (const [name, flags, line] of PATHS) {
  Deno.test(`-k async on Deno's engine (${name}): says which accept path runs, once at info`, async () => {
    const s = await startServer([APP, ...flags, "-w", "2"]);
    try {
      await s.waitFor(line);
      await getPid(s.port);
      const said = s.lines.filter((l) => /Accepting connections/.test(l));
      assertEquals(said.length, 1, said.join("\n"));
      assert(said[0]!.includes("[INFO]"), said[0]);
    } finally {
      assertEquals((await s.stop()).code, 0);
    }
  });

  Deno.test(`-k async on Deno's engine (${name}): twice --worker-connections of clients are all served`, async () => {
    const s = await startServer([APP, ...flags, "-w", "1", "--worker-connections", "10"]);
    try {
      await s.waitFor(line);
      const r = await holdLoad(s.port, { close: 12, keepAlive: 8 }, () => sleep(1500));
      assertEquals(r.failures.slice(0, 5), [], `${r.failures.length} requests failed`);
      assert(r.ok > 0 && r.reused > 0, "keep-alive clients were served on kept connections");
      const exits = s.lines.filter((l) => /exited with code|WORKER TIMEOUT|panicked/.test(l));
      assertEquals(exits, [], "no worker exited");
      assertEquals(await getPid(s.port), s.workerPids()[0], "the same worker serves");
    } finally {
      assertEquals((await s.stop()).code, 0);
    }
  });

  Deno.test(`-k async on Deno's engine (${name}): TERM to the worker and the arbiter at once exits cleanly`, async () => {
    const s = await startServer([APP, ...flags, "-w", "1"]);
    await s.waitFor(line);
    const pid = await getPid(s.port);
    Deno.kill(pid, "SIGTERM");
    s.signal("SIGTERM");
    assertEquals((await s.status).code, 0);
    const bad = s.lines.filter((l) => /exited with code|Uncaught|BadResource/.test(l));
    assertEquals(bad, [], "the worker exited cleanly");
  });
}
