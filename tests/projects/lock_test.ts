/** @module Tests for lib/project/lock.ts: the worker's private lock, the app's lock untouched. */

import { assert, assertEquals } from "../_assert.ts";
import { describeProject } from "../../lib/arbiter/spawn.ts";
import { NO_PROJECT } from "../../lib/project/find.ts";
import {
  LOCK_VERSION,
  mergeLock,
  OWN_LOCK_ENTRIES,
  writeWorkerLock,
} from "../../lib/project/lock.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

Deno.test("OWN_LOCK_ENTRIES match deno.lock and the specifier lib/log.ts imports", async () => {
  const lock = JSON.parse(await Deno.readTextFile(`${ROOT}deno.lock`));
  assertEquals(lock.version, LOCK_VERSION);
  // deno.lock also holds the tests' own dependencies (hono); denocorn's must be there as given.
  for (const [k, v] of Object.entries(OWN_LOCK_ENTRIES.specifiers)) {
    assertEquals(lock.specifiers[k], v, k);
  }
  for (const [k, v] of Object.entries(OWN_LOCK_ENTRIES.npm)) assertEquals(lock.npm[k], v, k);
  const log = await Deno.readTextFile(`${ROOT}lib/log.ts`);
  const imported = [...log.matchAll(/from "(npm:[^"]+)"/g)].map((m) => m[1]);
  assertEquals(imported, Object.keys(OWN_LOCK_ENTRIES.specifiers));
});

Deno.test("mergeLock() adds denocorn's entries and keeps every entry of the app's own", () => {
  const app = {
    version: "5",
    specifiers: { "npm:hono@4": "4.6.0", "npm:@logtape/logtape@^2.4.2": "2.9.0" },
    npm: { "hono@4.6.0": { integrity: "sha512-h" } },
    workspace: { dependencies: ["npm:hono@4"] },
  };
  const merged = JSON.parse(mergeLock(JSON.stringify(app)));
  assertEquals(merged.workspace, app.workspace);
  assertEquals(merged.specifiers["npm:hono@4"], "4.6.0");
  assertEquals(merged.specifiers["npm:@logtape/logtape@^2.4.2"], "2.9.0", "the app's wins");
  assertEquals(merged.npm["hono@4.6.0"], { integrity: "sha512-h" });
  assertEquals(
    merged.npm["@logtape/logtape@2.4.2"],
    OWN_LOCK_ENTRIES.npm["@logtape/logtape@2.4.2"],
  );
});

Deno.test("mergeLock() starts from denocorn's entries when the app has no lock yet", () => {
  assertEquals(JSON.parse(mergeLock(null)), { version: LOCK_VERSION, ...OWN_LOCK_ENTRIES });
});

Deno.test("mergeLock() leaves a lock in another format or that does not parse as it is", () => {
  assertEquals(mergeLock('{"version":"3","remote":{}}'), '{"version":"3","remote":{}}');
  assertEquals(mergeLock("{ broken"), "{ broken");
});

Deno.test("writeWorkerLock() writes a merged copy and leaves the app's lock file as it was", async () => {
  const dir = await Deno.makeTempDir({ prefix: "denocorn_lock_" });
  try {
    const appLock = `${dir}/deno.lock`;
    const text = '{\n  "version": "5",\n  "specifiers": { "npm:hono@4": "4.6.0" }\n}\n';
    await Deno.writeTextFile(appLock, text);
    const project = { ...NO_PROJECT, config: `${dir}/deno.json`, root: dir, lock: appLock };
    const path = writeWorkerLock(project, dir, "w");
    assertEquals(path, `${dir}/w.lock`);
    const copy = JSON.parse(await Deno.readTextFile(path!));
    assert("npm:@logtape/logtape@^2.4.2" in copy.specifiers && "npm:hono@4" in copy.specifiers);
    assertEquals(await Deno.readTextFile(appLock), text);
    assertEquals(writeWorkerLock({ ...project, lock: null }, dir, "off"), null);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("describeProject() names the lock file only when it exists", async () => {
  const dir = await Deno.makeTempDir({ prefix: "denocorn_lock_" });
  try {
    const config = `${dir}/deno.json`;
    const lock = `${dir}/deno.lock`;
    const project = { ...NO_PROJECT, config, root: dir, lock };
    assertEquals(describeProject(project), config, "no deno.lock yet: none is named");
    await Deno.writeTextFile(lock, '{ "version": "5" }\n');
    assertEquals(describeProject(project), `${config}, lock ${lock}`);
    assertEquals(describeProject({ ...project, frozen: true }), `${config}, lock ${lock} (frozen)`);
    assertEquals(describeProject({ ...project, lock: null }), `${config}, no lock`);
    assertEquals(describeProject(NO_PROJECT), "no Deno config");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
