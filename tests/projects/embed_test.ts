/**
 * @module Embedding: a project's own program calls serve(); the program is the arbiter and, run
 * again with its own arguments, each worker.
 */

import { assert, assertEquals } from "../_assert.ts";
import { APPS, start } from "./_run.ts";

Deno.test("serve() in a project's own program starts workers that run the program again", async () => {
  const server = await start(Deno.execPath(), ["run", "-A", "main.ts", "Howdy"], {
    cwd: `${APPS}/embed`,
    env: { BIND: "127.0.0.1:0" },
  });
  try {
    const res = await fetch(`${server.url}/path`);
    const body = await res.json() as { greeting: string; path: string; pid: number; role: string };
    assertEquals({ greeting: body.greeting, path: body.path, role: body.role }, {
      greeting: "Howdy",
      path: "/path",
      role: "worker",
    });
    assert(body.pid !== server.pid, "the arbiter answered");
    await server.waitFor(new RegExp(`Booting worker with pid: ${body.pid}`));
    assertEquals(server.lines.filter((l) => l.includes("Booting worker")).length, 2);
  } finally {
    assertEquals((await server.stop()).code, 0);
  }
});
