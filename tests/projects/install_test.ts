/**
 * @module The installed command: `deno install -g -A -n denocorn main.ts` into a temporary root
 * gives a `denocorn` that serves a project from the project's own directory.
 */

import { assertEquals, assertMatch } from "../_assert.ts";
import { APPS, get, MAIN, snapshot, start } from "./_run.ts";

Deno.test("deno install -g gives a denocorn command that serves a project from its directory", async () => {
  const root = await Deno.makeTempDir({ prefix: "denocorn_install_" });
  try {
    const install = await new Deno.Command(Deno.execPath(), {
      args: ["install", "-g", "-A", "-f", "-n", "denocorn", "--root", root, MAIN],
      stdin: "null",
    }).output();
    assertEquals(install.code, 0, new TextDecoder().decode(install.stderr));
    const shim = await Deno.readTextFile(`${root}/bin/denocorn`);
    assertMatch(shim, /deno run --allow-all .*main\.ts/);
    const dir = `${APPS}/hono`;
    const before = await snapshot(dir);
    // The shim runs `deno` from PATH, as it would for a user.
    const bin = Deno.execPath().replace(/\/[^/]*$/, "");
    const server = await start(
      `${root}/bin/denocorn`,
      ["main:app", "-b", "127.0.0.1:0", "-w", "2"],
      {
        cwd: dir,
        env: { PATH: `${bin}:${Deno.env.get("PATH") ?? ""}` },
      },
    );
    try {
      assertEquals(await get(`${server.url}/hello/installed`), {
        status: 200,
        body: '{"hello":"installed"}',
      });
    } finally {
      assertEquals((await server.stop()).code, 0);
    }
    assertEquals(await snapshot(dir), before, "the project's files changed");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
