/**
 * @module Clear errors around Deno itself: without -A, or with only some permissions, denocorn
 * prints one line naming what is missing and what each permission is for, and exits 2.
 */

import { assert, assertEquals, assertMatch } from "../_assert.ts";
import { missingPermissions, NEEDED_PERMISSIONS, permissionError } from "../../lib/permissions.ts";
import { APPS, MAIN, run } from "./_run.ts";

Deno.test("missingPermissions() lists every needed permission that is not granted in full", () => {
  const granted = new Set(["read", "write", "env"]);
  assertEquals(
    missingPermissions((name) => granted.has(name) ? "granted" : "prompt"),
    ["ffi", "run", "net", "sys"],
  );
  assertEquals(missingPermissions(() => "granted"), []);
});

Deno.test("permissionError() names the missing flags and why FFI is needed, on one line", () => {
  const line = permissionError(["ffi"]);
  assert(!line.includes("\n"), line);
  assertMatch(
    line,
    /^Cannot start without -A: missing --allow-ffi; denocorn needs ffi for the listening socket all workers share \(libc through FFI\), run for/,
  );
  for (const p of NEEDED_PERMISSIONS) assert(line.includes(`${p.name} for ${p.why}`), p.name);
});

Deno.test("denocorn without -A prints one line listing the needed permissions and exits 2", async () => {
  const out = await run(["run", MAIN, "main:app"], { cwd: `${APPS}/hono` });
  assertEquals(out.code, 2, out.stderr);
  assertMatch(
    out.stderr,
    /^Error: Cannot start without -A: missing --allow-ffi, --allow-run, --allow-env, --allow-read, --allow-write, --allow-net, --allow-sys; denocorn needs ffi for the listening socket all workers share \(libc through FFI\), .*\n$/,
  );
  assert(!out.stderr.includes("NotCapable"), out.stderr);
});

Deno.test("denocorn with some permissions names only the missing ones and exits 2", async () => {
  const out = await run(
    ["run", "--allow-read", "--allow-env", "--allow-ffi", "--allow-write=/tmp", MAIN, "main:app"],
    { cwd: `${APPS}/hono` },
  );
  assertEquals(out.code, 2, out.stderr);
  assertMatch(
    out.stderr,
    /^Error: Cannot start without -A: missing --allow-run, --allow-write, --allow-net, --allow-sys; /,
  );
  assertEquals(out.stderr.split("\n").length, 2, out.stderr);
});
