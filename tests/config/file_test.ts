/** @module Tests for loadConfigFile(): the one loader of config files, for arbiter and workers. */

import { assertEquals, assertRejects } from "../_assert.ts";
import { ConfigError, loadConfigFile } from "../../lib/config/mod.ts";

const FIXTURES = new URL("./fixtures/", import.meta.url).pathname;
const DEFINE = new URL("../../lib/config/mod.ts", import.meta.url).href;

function writeConfig(path: string, workers: number): void {
  Deno.writeTextFileSync(
    path,
    `import { defineConfig } from "${DEFINE}";\n` +
      `export default defineConfig({ workers: ${workers}, when_ready: () => ${workers} });\n`,
  );
}

Deno.test("loadConfigFile() returns checked settings and hooks", async () => {
  const { values, hooks } = await loadConfigFile(FIXTURES + "basic.ts");
  assertEquals(values.workers, 3);
  assertEquals(values.bind, ["127.0.0.1:9001", "unix:/tmp/denocorn.sock"]);
  assertEquals(Object.keys(hooks).sort(), ["on_starting", "when_ready"]);
});

Deno.test("loadConfigFile() imports the file afresh on every call", async () => {
  const dir = Deno.makeTempDirSync();
  const path = `${dir}/denocorn.config.ts`;
  writeConfig(path, 2);
  const first = await loadConfigFile(path);
  writeConfig(path, 5);
  const second = await loadConfigFile(path);
  assertEquals([first.values.workers, second.values.workers], [2, 5]);
  assertEquals(second.hooks.when_ready?.({} as never), 5);
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("loadConfigFile() names the file shown in its errors", async () => {
  await assertRejects(
    () => loadConfigFile(FIXTURES + "bad_value.ts", "bad_value.ts"),
    ConfigError,
    'Invalid value for workers in "bad_value.ts": expected a positive integer',
  );
  await assertRejects(
    () => loadConfigFile(FIXTURES + "unknown_key.ts"),
    ConfigError,
    'unknown setting "wokers" (did you mean "workers"?)',
  );
});
