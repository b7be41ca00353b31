/**
 * @module `--max-worker-memory` and its jitter as settings: off unless set, a positive whole
 * number of MiB, and a bad value is one line naming the flag, exit status 2.
 */

import { assertEquals, assertThrows } from "../_assert.ts";
import {
  ConfigError,
  loadConfigFile,
  loadSettings,
  parseCommandLine,
} from "../../lib/config/mod.ts";
import { runCli } from "../integration/harness.ts";

function errorOf(args: string[]): string {
  return assertThrows(() => parseCommandLine(args), ConfigError).message;
}

Deno.test("--max-worker-memory is off by default and takes whole MiB, with a jitter", async () => {
  const off = await loadSettings(["app:x"], {}, Deno.makeTempDirSync());
  assertEquals(off.action === "run" && off.settings.max_worker_memory, null);
  assertEquals(off.action === "run" && off.settings.max_worker_memory_jitter, 0);
  const on = parseCommandLine(["--max-worker-memory", "512", "--max-worker-memory-jitter", "64"]);
  assertEquals([on.values.max_worker_memory, on.values.max_worker_memory_jitter], [512, 64]);
  // Compile-time: the field is a number or null (off).
  const typed: number | null = off.action === "run" ? off.settings.max_worker_memory : 1;
  assertEquals(typed, null);
});

Deno.test("--max-worker-memory 0, negative or not a whole number is a usage error", () => {
  for (const bad of ["0", "-5", "1.5", "512M"]) {
    assertEquals(
      errorOf(["--max-worker-memory", bad]),
      `Cannot parse --max-worker-memory "${bad}": expected a positive integer`,
    );
  }
  assertEquals(
    errorOf(["--max-worker-memory-jitter", "-1"]),
    'Cannot parse --max-worker-memory-jitter "-1": expected a non-negative integer',
  );
});

Deno.test("a config file may set max_worker_memory to null (off) but not to 0", async () => {
  const dir = Deno.makeTempDirSync();
  const path = `${dir}/denocorn.config.ts`;
  try {
    Deno.writeTextFileSync(path, "export default { max_worker_memory: null };\n");
    assertEquals((await loadConfigFile(path)).values.max_worker_memory, null);
    Deno.writeTextFileSync(path, "export default { max_worker_memory: 0 };\n");
    const e = await loadConfigFile(path, "denocorn.config.ts").then(() => null, (e) => e);
    assertEquals(
      (e as Error).message,
      'Invalid value for max_worker_memory in "denocorn.config.ts": expected a positive integer',
    );
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("main.ts --max-worker-memory 0 prints one line naming the flag and exits 2", async () => {
  const out = await runCli(["examples/hello.ts:app", "--max-worker-memory", "0"]);
  assertEquals([out.code, out.stderr.trimEnd().split("\n")], [2, [
    'Error: Cannot parse --max-worker-memory "0": expected a positive integer',
  ]]);
});
