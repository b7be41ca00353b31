/**
 * @module Real projects served unchanged: each fixture under apps/ is served from its own
 * directory by the real server over TCP, loaded under the project's own Deno configuration.
 */

import { assert, assertEquals, assertMatch, assertStringIncludes } from "../_assert.ts";
import { APPS, get, MAIN, ROOT, run, snapshot, start } from "./_run.ts";

const denocorn = (args: string[], cwd: string, env?: Record<string, string>) =>
  start(Deno.execPath(), ["run", "-A", MAIN, "--bind", "127.0.0.1:0", ...args], {
    cwd,
    ...(env === undefined ? {} : { env }),
  });

Deno.test("denocorn serves a Hono app whose deno.json maps hono to npm, lock frozen and untouched", async () => {
  const dir = `${APPS}/hono`;
  const before = await snapshot(dir);
  const server = await denocorn(["main:app", "--workers", "2"], dir);
  try {
    assertEquals(await get(`${server.url}/`), { status: 200, body: "Hello from Hono!" });
    assertEquals(await get(`${server.url}/hello/deno`), { status: 200, body: '{"hello":"deno"}' });
    await server.waitFor(/Loading the app with .*hono\/deno\.json, lock .*deno\.lock \(frozen\)/);
  } finally {
    assertEquals((await server.stop()).code, 0);
  }
  assertEquals(await snapshot(dir), before, "the project's files, deno.lock included, changed");
});

Deno.test("denocorn serves JSX compiled with the jsxImportSource of the project's deno.jsonc", async () => {
  const server = await denocorn(["app.tsx"], `${APPS}/jsx`);
  try {
    assertEquals(
      await get(`${server.url}/?name=Deno`),
      { status: 200, body: '<h1 class="greeting">Hello, Deno!</h1>' },
    );
  } finally {
    assertEquals((await server.stop()).code, 0);
  }
});

Deno.test("denocorn serves an app using Deno.openKv that the project's deno.json unstable enables", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "denocorn_kv_" });
  const server = await denocorn(["main:app", "-w", "2"], `${APPS}/kv`, {
    KV_PATH: `${tmp}/kv.sqlite`,
  });
  try {
    assertEquals((await get(`${server.url}/count`, "POST")).body, "count=1\n");
    assertEquals((await get(`${server.url}/count`, "POST")).body, "count=2\n");
    assertEquals(await get(`${server.url}/count`), { status: 200, body: "count=2\n" });
  } finally {
    assertEquals((await server.stop()).code, 0);
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("denocorn serves a workspace member that imports a sibling member by its name", async () => {
  const server = await denocorn(["main:app"], `${APPS}/workspace/api`);
  try {
    assertEquals(
      await get(`${server.url}/?name=you`),
      { status: 200, body: "Hello, you, from a workspace member!" },
    );
  } finally {
    assertEquals((await server.stop()).code, 0);
  }
});

Deno.test("denocorn serves a package.json project from its own node_modules", async () => {
  const dir = `${APPS}/node`;
  const before = await snapshot(dir);
  const server = await denocorn(["app:app"], dir);
  try {
    assertEquals(
      await get(`${server.url}/?name=npm`),
      { status: 200, body: "Hello, npm, from node_modules!" },
    );
  } finally {
    assertEquals((await server.stop()).code, 0);
  }
  assertEquals(await snapshot(dir), before, "the project's node_modules changed");
});

Deno.test("denocorn started with --unstable-kv gives its workers that flag too", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "denocorn_unstable_" });
  await Deno.writeTextFile(
    `${tmp}/app.ts`,
    `const kv = await Deno.openKv("${tmp}/kv.sqlite");\n` +
      'export default async () => new Response(String((await kv.get(["k"])).versionstamp));\n',
  );
  const server = await start(
    Deno.execPath(),
    ["run", "-A", "--unstable-kv", MAIN, "--bind", "127.0.0.1:0", "app"],
    { cwd: tmp },
  );
  try {
    assertEquals(await get(`${server.url}/`), { status: 200, body: "null" });
  } finally {
    assertEquals((await server.stop()).code, 0);
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("denocorn --deno-config loads an app outside any project with the given deno.json", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "denocorn_deno_config_" });
  await Deno.writeTextFile(
    `${tmp}/site.ts`,
    'import { Hono } from "hono";\nexport default new Hono().get("/", (c) => c.text("mapped"));\n',
  );
  const server = await denocorn(["site", "--deno-config", `${APPS}/hono/deno.json`], tmp);
  try {
    assertEquals(await get(`${server.url}/`), { status: 200, body: "mapped" });
  } finally {
    assertEquals((await server.stop()).code, 0);
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("denocorn --deno-config names a missing file on one line and exits 2", async () => {
  const out = await run(["run", "-A", MAIN, "--deno-config", "nope.json", "main:app"], {
    cwd: `${APPS}/hono`,
  });
  assertEquals(out.code, 2, out.stderr);
  assertMatch(
    out.stderr,
    /^Error: Cannot read Deno config ".*\/hono\/nope\.json": file not found\n$/,
  );
});

Deno.test("denocorn --check-config loads the app under the project's deno.json", async () => {
  const args = ["run", "-A", MAIN, "--check-config", "-b", "127.0.0.1:0", "main:app"];
  const out = await run(args, { cwd: `${APPS}/hono` });
  assertEquals(out.code, 0, out.stderr);
});

Deno.test("denocorn logs the stack of an error the app module throws while it is imported", async () => {
  const out = await run(["run", "-A", MAIN, "--bind", "127.0.0.1:0", "apps/throws_on_import:app"], {
    cwd: `${ROOT}/tests/fixtures`,
  });
  assertEquals(out.code, 4, out.stderr);
  assertStringIncludes(
    out.stderr,
    '[ERROR] Cannot import "apps/throws_on_import.ts": cannot connect to the database\n' +
      "Error: cannot connect to the database\n",
  );
  assertMatch(
    out.stderr,
    /\n\s+at file:\/\/\S+\/tests\/fixtures\/apps\/throws_on_import\.ts:\d+:\d+/,
  );
  assert(!out.stderr.includes("Exception in worker process"), out.stderr);
});
