/** @module Tests for lib/project/find.ts: finding an app's Deno project as Deno does. */

import { assertEquals, assertThrows } from "../_assert.ts";
import { findProject, NO_PROJECT, parseJsonc, projectOfConfig } from "../../lib/project/find.ts";

/** Writes `files` (path → text) under a new temporary directory and returns it. */
async function tree(files: Record<string, string>): Promise<string> {
  const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "denocorn_find_" }));
  for (const [path, text] of Object.entries(files)) {
    await Deno.mkdir(`${dir}/${path}`.replace(/\/[^/]*$/, ""), { recursive: true });
    await Deno.writeTextFile(`${dir}/${path}`, text);
  }
  return dir;
}

async function withTree(files: Record<string, string>, fn: (dir: string) => void): Promise<void> {
  const dir = await tree(files);
  try {
    fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("parseJsonc() reads comments and trailing commas but keeps them inside strings", () => {
  const text =
    '{\n  // note\n  "a": "x // y /* z */", /* block */ "b": [1, 2,],\n  "c": "\\"q\\"",\n}';
  assertEquals(parseJsonc(text), { a: "x // y /* z */", b: [1, 2], c: '"q"' });
});

Deno.test("findProject() walks up from the module's directory to the nearest deno.json", async () => {
  await withTree({ "deno.json": "{}", "src/routes/app.ts": "" }, (dir) => {
    assertEquals(findProject(`${dir}/src/routes`), {
      config: `${dir}/deno.json`,
      packageJson: null,
      root: dir,
      lock: `${dir}/deno.lock`,
      frozen: false,
      nodeModules: "none",
    });
  });
});

Deno.test("findProject() takes a deno.jsonc and its lock settings", async () => {
  await withTree({
    "deno.jsonc": '{ "lock": { "path": "locks/app.lock", "frozen": true }, // c\n}',
  }, (dir) => {
    const p = findProject(dir);
    assertEquals([p.config, p.lock, p.frozen], [
      `${dir}/deno.jsonc`,
      `${dir}/locks/app.lock`,
      true,
    ]);
  });
});

Deno.test("findProject() turns the lock off when the config says lock: false", async () => {
  await withTree({ "deno.json": '{ "lock": false }' }, (dir) => {
    assertEquals(findProject(dir).lock, null);
  });
});

Deno.test("findProject() reads a package.json project as a manual node_modules project", async () => {
  await withTree({ "package.json": "{}", "lib/app.ts": "" }, (dir) => {
    assertEquals(findProject(`${dir}/lib`), {
      config: null,
      packageJson: `${dir}/package.json`,
      root: dir,
      lock: `${dir}/deno.lock`,
      frozen: false,
      nodeModules: "manual",
    });
  });
});

Deno.test("findProject() defaults nodeModulesDir to manual beside a package.json, else as set", async () => {
  await withTree({ "a/deno.json": "{}", "a/package.json": "{}", "b/deno.json": "{}" }, (dir) => {
    assertEquals(findProject(`${dir}/a`).nodeModules, "manual");
    assertEquals(findProject(`${dir}/b`).nodeModules, "none");
  });
  await withTree({ "deno.json": '{ "nodeModulesDir": "auto" }', "package.json": "{}" }, (dir) => {
    assertEquals(findProject(dir).nodeModules, "auto");
  });
});

Deno.test("findProject() takes the lock and node_modules of a workspace member's root", async () => {
  await withTree({
    "deno.json": '{ "workspace": ["./packages/*"], "lock": { "frozen": true } }',
    "packages/api/deno.json": '{ "name": "@x/api" }',
  }, (dir) => {
    const p = findProject(`${dir}/packages/api`);
    assertEquals([p.config, p.root, p.lock, p.frozen], [
      `${dir}/packages/api/deno.json`,
      dir,
      `${dir}/deno.lock`,
      true,
    ]);
  });
});

Deno.test("findProject() returns no project when nothing is found up to /", () => {
  assertEquals(findProject("/"), NO_PROJECT);
});

Deno.test("projectOfConfig() names a missing or broken config file", async () => {
  await withTree({ "deno.json": "{ nope" }, (dir) => {
    assertThrows(() => projectOfConfig(`${dir}/missing.json`), Error, "file not found");
    assertThrows(
      () => projectOfConfig(`${dir}/deno.json`),
      SyntaxError,
      "Cannot parse Deno config",
    );
  });
});
