/**
 * @module `--check-config` tries every --bind address, as the arbiter would bind it, and closes
 * it at once: an address in use is one line and exit status 2, before the app is loaded.
 */

import { assert, assertEquals } from "../_assert.ts";
import { runCli } from "../integration/harness.ts";

const APP = "examples/hello.ts:app";

Deno.test("--check-config reports a --bind address in use in one line, exit 2", async () => {
  const held = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    const bind = `127.0.0.1:${held.addr.port}`;
    const out = await runCli(["--check-config", "-b", "127.0.0.1:0", "-b", bind, APP]);
    assertEquals([out.code, out.stderr], [
      2,
      `Error: Cannot bind --bind "${bind}": address in use (a server already listens there: ` +
      "stop it, or choose another address)\n",
    ]);
  } finally {
    held.close();
  }
});

Deno.test("--check-config leaves a live unix socket or a file alone and reports it", async () => {
  const dir = Deno.makeTempDirSync();
  const path = `${dir}/live.sock`;
  const live = Deno.listen({ transport: "unix", path });
  try {
    const out = await runCli(["--check-config", "-b", `unix:${path}`, APP]);
    assertEquals(out.code, 2, out.stderr);
    assert(out.stderr.startsWith(`Error: Cannot bind --bind "unix:${path}": address in use`));
    const conn = await Deno.connect({ transport: "unix", path }); // still the live one
    (await live.accept()).close();
    conn.close();
    Deno.writeTextFileSync(`${dir}/data`, "kept\n");
    const file = await runCli(["--check-config", "-b", `unix:${dir}/data`, APP]);
    assertEquals([file.code, file.stderr], [
      2,
      `Error: Cannot bind --bind "unix:${dir}/data": a file that is not a socket is there ` +
      "(remove it, or choose another path)\n",
    ]);
    assertEquals(Deno.readTextFileSync(`${dir}/data`), "kept\n");
  } finally {
    live.close();
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("--check-config binds free addresses, closes them and loads the app", async () => {
  const dir = Deno.makeTempDirSync();
  try {
    const out = await runCli(["--check-config", "-b", "127.0.0.1:0", "-b", `unix:${dir}/s`, APP]);
    assertEquals(out.code, 0, out.stderr);
    assertEquals([...Deno.readDirSync(dir)], [], "the probe's socket file is removed");
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
