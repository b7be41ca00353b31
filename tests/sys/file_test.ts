/** lib/sys/file.ts: exclusive creation that never follows a link, with an exact mode. */

import { assert, assertEquals, assertThrows } from "../_assert.ts";
import { randomName, SysError, umask, writeNewFile } from "../../lib/sys/mod.ts";

const enc = new TextEncoder();

Deno.test("writeNewFile() creates the file with exactly the mode asked, whatever the umask", () => {
  const dir = Deno.makeTempDirSync();
  const old = umask(0o077);
  try {
    writeNewFile(`${dir}/a`, enc.encode("42\n"), 0o644);
    assertEquals(Deno.readTextFileSync(`${dir}/a`), "42\n");
    assertEquals((Deno.statSync(`${dir}/a`).mode! & 0o7777).toString(8), "644");
  } finally {
    umask(old);
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("writeNewFile() refuses an existing file and a planted symlink without touching them", () => {
  const dir = Deno.makeTempDirSync();
  try {
    Deno.writeTextFileSync(`${dir}/victim`, "secret");
    Deno.symlinkSync(`${dir}/victim`, `${dir}/link`);
    Deno.symlinkSync(`${dir}/nowhere`, `${dir}/dangling`);
    for (const name of ["victim", "link", "dangling"]) {
      const e = assertThrows(
        () => writeNewFile(`${dir}/${name}`, enc.encode("1"), 0o644),
        SysError,
      );
      assertEquals(e.code, "EEXIST", name);
    }
    assertEquals(Deno.readTextFileSync(`${dir}/victim`), "secret");
    assert(!Deno.lstatSync(`${dir}/dangling`).isFile, "the dangling link was not followed");
    assertThrows(() => Deno.statSync(`${dir}/nowhere`));
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("randomName() gives hex names that do not repeat", () => {
  const names = new Set(Array.from({ length: 100 }, () => randomName()));
  assertEquals(names.size, 100);
  assert([...names].every((n) => /^[0-9a-f]{16}$/.test(n)));
});
