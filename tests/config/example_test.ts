/** @module Tests that examples/denocorn.config.ts loads through the real loader and its hooks run. */

import { assert, assertEquals } from "../_assert.ts";
import { loadSettings } from "../../lib/config/mod.ts";
import { REPO_ROOT, startServer } from "../integration/harness.ts";

const EXAMPLE = "examples/denocorn.config.ts";
const APP = "examples/hello.ts:app";

Deno.test("loadSettings() reads examples/denocorn.config.ts", async () => {
  const result = await loadSettings(["-c", EXAMPLE, APP], {}, REPO_ROOT);
  assert(result.action === "run");
  const s = result.settings;
  assertEquals([s.worker_class, s.workers, s.accesslog, s.config], [
    "async",
    2,
    "-",
    `${REPO_ROOT}${EXAMPLE}`,
  ]);
  assertEquals(Object.keys(result.hooks).sort(), [
    "child_exit",
    "nworkers_changed",
    "post_fork",
    "post_request",
    "pre_request",
    "when_ready",
    "worker_exit",
  ]);
});

Deno.test("examples/denocorn.config.ts runs its hooks in a real server", async () => {
  const server = await startServer(["-c", EXAMPLE, "-w", "1", APP]);
  let worker = 0;
  try {
    await server.waitFor(/\[INFO\] Server is ready: 1 worker\(s\), 127\.0\.0\.1:0$/);
    const spawned = await server.waitFor(/\[INFO\] Worker 1 spawned \(pid: \d+\)$/);
    worker = Number(/pid: (\d+)/.exec(spawned)?.[1]);
    assertEquals(server.workerPids(), [worker]);
    assertEquals(await (await fetch(`${server.url}/`)).text(), "Hello, world!\n");
    const failed = await fetch(`${server.url}/error`);
    await failed.body?.cancel();
    assertEquals(failed.status, 500);
    await server.waitFor(/\[WARNING\] GET \/error answered 500 in \d+ ms$/);
    server.signal("SIGTTIN");
    await server.waitFor(/\[INFO\] Workers: 1 -> 2$/);
  } finally {
    assertEquals((await server.stop()).code, 0);
  }
  const said = (re: RegExp) => server.lines.some((l) => re.test(l));
  assert(said(new RegExp(`\\[${worker}\\] \\[INFO\\] Worker ${worker} served 2 request\\(s\\)$`)));
  assert(said(new RegExp(`\\[${server.pid}\\] \\[INFO\\] Worker ${worker} exited after`)));
});

Deno.test("README.md shows examples/denocorn.config.ts as it is", () => {
  const readme = Deno.readTextFileSync(`${REPO_ROOT}README.md`);
  const section = readme.slice(readme.indexOf("### Config file and hooks"));
  const shown = /```ts\n([\s\S]*?)```\n/.exec(section)?.[1];
  const file = Deno.readTextFileSync(`${REPO_ROOT}${EXAMPLE}`);
  assertEquals(shown, file.slice(file.indexOf("import { defineConfig }")));
});
