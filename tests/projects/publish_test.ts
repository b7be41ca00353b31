/**
 * @module Publishing: `deno publish --dry-run` accepts the package (license, exports, slow
 * types) and publishes the program and its docs, not the tests.
 */

import { assert, assertEquals, assertMatch } from "../_assert.ts";
import { ROOT } from "./_run.ts";

Deno.test("deno publish --dry-run accepts the package with its LICENSE and without its tests", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["publish", "--dry-run", "--allow-dirty"],
    cwd: ROOT,
    env: { NO_COLOR: "1" },
    stdin: "null",
  }).output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  assertEquals(out.code, 0, text);
  assertMatch(text, /Simulating publish of @denocorn\/denocorn@\d+\.\d+\.\d+ with files:/);
  for (const file of ["LICENSE", "README.md", "main.ts", "lib/mod.ts", "lib/serve.ts"]) {
    assert(text.includes(`file://${ROOT}/${file} `), `${file} is not published:\n${text}`);
  }
  assert(!text.includes(`${ROOT}/tests/`), `tests are published:\n${text}`);
});
