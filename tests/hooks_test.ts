/** @module Tests for the hook runner and the workers' hook loader. */

import { assert, assertEquals, assertRejects } from "./_assert.ts";
import { ConfigError, type Hooks, type WorkerView } from "../lib/config/mod.ts";
import { loadHooks, runFatalHook, runHook } from "../lib/hooks.ts";
import { closeLogging, log, setupLogging } from "../lib/log.ts";
import { REPO_ROOT, startServer } from "./integration/harness.ts";

const FIXTURES = new URL("./config/fixtures/", import.meta.url).pathname;
const DEFINE = new URL("../lib/config/mod.ts", import.meta.url).href;

function worker(requests: number): WorkerView {
  return { pid: 1, age: 1, ppid: 0, requests, cfg: {} as WorkerView["cfg"], log };
}

Deno.test("loadHooks() checks the config file as the arbiter's loader does", async () => {
  assertEquals(await loadHooks(null), {});
  await assertRejects(
    () => loadHooks(FIXTURES + "bad_hook.ts"),
    ConfigError,
    "Invalid value for on_starting",
  );
  await assertRejects(() => loadHooks(FIXTURES + "unknown_key.ts"), ConfigError, '"wokers"');
});

Deno.test("loadHooks() sees the file as it is now, not a cached import", async () => {
  const dir = Deno.makeTempDirSync();
  const path = `${dir}/denocorn.config.ts`;
  const write = (n: number) =>
    Deno.writeTextFileSync(
      path,
      `import { defineConfig } from "${DEFINE}";\n` +
        `export default defineConfig({ worker_exit: (w) => w.requests + ${n} });\n`,
    );
  write(1);
  assertEquals((await loadHooks(path)).worker_exit?.(worker(10)), 11);
  write(2);
  assertEquals((await loadHooks(path)).worker_exit?.(worker(10)), 12);
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("runHook() awaits the hook and logs a failure instead of throwing", async () => {
  const seen: number[] = [];
  const hooks: Hooks = {
    worker_exit: async (w) => {
      await Promise.resolve();
      seen.push(w.requests);
    },
    worker_int: () => {
      throw new Error("hook failure on purpose");
    },
  };
  assertEquals(await runHook(hooks, "worker_exit", worker(3)), true);
  assertEquals(seen, [3]);
  assertEquals(await runHook(hooks, "post_fork", worker(0)), true, "a missing hook is fine");
  const errorlog = Deno.makeTempFileSync();
  await setupLogging({ loglevel: "info", errorlog, accesslog: null, accessLogFormat: "" });
  try {
    assertEquals(await runHook(hooks, "worker_int", worker(0)), false);
  } finally {
    await closeLogging();
  }
  const text = Deno.readTextFileSync(errorlog);
  Deno.removeSync(errorlog);
  assert(
    text.includes("[ERROR] Exception in worker_int hook\nError: hook failure on purpose"),
    text,
  );
});

Deno.test("runFatalHook() lets the hook's error through", async () => {
  const hooks: Hooks = {
    post_worker_init: () => Promise.reject(new RangeError("no")),
  };
  const e = await assertRejects(() => runFatalHook(hooks, "post_worker_init", worker(0)));
  assert(e instanceof RangeError);
});

Deno.test("when_ready runs once, after every worker of the first start has booted", async () => {
  const dir = Deno.makeTempDirSync();
  const seen = `${dir}/seen`;
  // The hook records the states of the workers the arbiter knows when it runs.
  Deno.writeTextFileSync(
    `${dir}/ready.config.ts`,
    "export default { when_ready: (arbiter) => {\n" +
      "  const states = arbiter.workers.map((w) => w.state);\n" +
      `  Deno.writeTextFileSync(${JSON.stringify(seen)}, JSON.stringify(states) + "\\n", ` +
      "{ append: true });\n" +
      '  arbiter.log.info("when_ready ran");\n} };\n',
  );
  const app = `${REPO_ROOT}examples/hello.ts:app`;
  const s = await startServer([app, "-w", "2", "-c", `${dir}/ready.config.ts`]);
  try {
    await s.waitFor(/when_ready ran/);
    assertEquals(Deno.readTextFileSync(seen), '["serving","serving"]\n');
    const first = s.workerPids();
    s.signal("SIGHUP"); // the new generation boots and the old one retires: no second run
    for (const pid of first) await s.waitFor(new RegExp(`Worker exiting \\(pid: ${pid}\\)`));
    assertEquals(Deno.readTextFileSync(seen), '["serving","serving"]\n');
  } finally {
    assertEquals((await s.stop()).code, 0);
    Deno.removeSync(dir, { recursive: true });
  }
});
