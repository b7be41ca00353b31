import { assert, assertEquals } from "./_assert.ts";
import { isRelevant, Reloader, watchTargets } from "../lib/reloader.ts";

Deno.test("watchTargets() watches the app's directory and the listed files", () => {
  const t = watchTargets("src/app.ts:app", "denocorn.config.ts", ["static/x.html"], "/srv");
  assertEquals(t, { dirs: ["/srv/src"], files: ["/srv/denocorn.config.ts", "/srv/static/x.html"] });
});

Deno.test("isRelevant() takes source files and listed files, skips node_modules", () => {
  const dirs = ["/srv"];
  const files = ["/etc/app.html"];
  assert(isRelevant("/srv/a/b.ts", dirs, files));
  assert(isRelevant("/etc/app.html", dirs, files));
  assert(!isRelevant("/srv/readme.md", dirs, files));
  assert(!isRelevant("/srv/node_modules/x/index.js", dirs, files));
  assert(!isRelevant("/tmp/other.ts", dirs, files));
});

Deno.test("Reloader reports a changed source file once per burst, not unrelated files", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dir}/app.ts`, "export const a = 1;\n");
  const calls: string[][] = [];
  let notify: () => void = () => {};
  const r = new Reloader({ dirs: [dir], files: [] }, (paths) => {
    calls.push(paths);
    notify();
  }, 100);
  r.start();
  try {
    await new Promise((res) => setTimeout(res, 100));
    await Deno.writeTextFile(`${dir}/notes.txt`, "x");
    await new Promise((res) => setTimeout(res, 400));
    assertEquals(calls, [], "a .txt file is not code");
    const changed = new Promise<void>((res) => notify = res);
    await Deno.writeTextFile(`${dir}/app.ts`, "export const a = 2;\n");
    await Deno.writeTextFile(`${dir}/app.ts`, "export const a = 3;\n");
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, rej) => {
      timer = setTimeout(() => rej(new Error("no change reported")), 5000);
    });
    await Promise.race([changed, timeout]).finally(() => clearTimeout(timer));
    await new Promise((res) => setTimeout(res, 300));
    assertEquals(calls.length, 1, "one callback for the burst");
    assertEquals(calls[0], [`${dir}/app.ts`]);
  } finally {
    r.close();
    await Deno.remove(dir, { recursive: true });
  }
});
