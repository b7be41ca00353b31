/**
 * @module `--umask` against the real server: unset, the arbiter and its workers keep the umask
 * denocorn was started with; set, both run with it. Read from /proc/PID/status (`Umask:`).
 */

import { assertEquals } from "../_assert.ts";
import { loadConfigFile } from "../../lib/config/mod.ts";
import * as sys from "../../lib/sys/mod.ts";
import { startServer } from "../integration/harness.ts";

const APP = "examples/hello.ts:app";

function umaskOf(pid: number): string {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  return /^Umask:\s*(\d+)$/m.exec(status)?.[1] ?? "none";
}

/** Starts the server under `inherited` (this process's umask for the spawn only). */
async function umasks(inherited: number, args: string[]): Promise<string[]> {
  const before = sys.umask(inherited);
  const s = await startServer([APP, ...args], { wait: false }).finally(() => sys.umask(before));
  try {
    await s.waitFor(/Listening at/); // the arbiter applies --umask before it binds
    const worker = Number((await s.waitFor(/Booting worker with pid: \d+/)).split(": ").at(-1));
    return [umaskOf(s.pid), umaskOf(worker)];
  } finally {
    assertEquals((await s.stop()).code, 0);
  }
}

Deno.test("denocorn keeps the inherited umask unless --umask is given", async () => {
  assertEquals(await umasks(0o027, []), ["0027", "0027"]);
  assertEquals(await umasks(0o027, ["--umask", "0o077"]), ["0077", "0077"]);
});

Deno.test("a config file may set umask to null: the inherited one", async () => {
  const dir = Deno.makeTempDirSync();
  const path = `${dir}/denocorn.config.ts`;
  Deno.writeTextFileSync(path, "export default { umask: null };\n");
  assertEquals((await loadConfigFile(path)).values.umask, null);
  Deno.removeSync(dir, { recursive: true });
});
