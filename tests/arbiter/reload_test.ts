/**
 * Reloads that meet an app which does not load, against the real server: the previous workers
 * keep serving, and the next change (--reload) or HUP retries.
 */

import { assert, assertEquals } from "../_assert.ts";
import { startServer } from "../integration/harness.ts";
import { sleep } from "../integration/load.ts";

const GOOD = (v: string) => `export default () => new Response("${v}");\n`;
const TYPO = 'export default () => new Response("typo";\n';

async function body(url: string): Promise<string> {
  const res = await fetch(url, { headers: { connection: "close" } });
  return await res.text();
}

async function until(url: string, want: string): Promise<void> {
  let got = "";
  for (let i = 0; i < 200 && got !== want; i++) {
    got = await body(url).catch((e) => String(e));
    if (got !== want) await sleep(50);
  }
  assertEquals(got, want);
}

Deno.test("Arbiter --reload keeps the previous workers serving when a change does not load", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dir}/app.ts`, GOOD("v1"));
  const s = await startServer([`${dir}/app.ts`, "-w", "2", "--reload"]);
  try {
    await until(s.url, "v1");
    await sleep(500); // both workers have loaded v1
    await Deno.writeTextFile(`${dir}/app.ts`, TYPO);
    await s.waitFor(/App failed to load: 2 workers of the previous code keep serving; .*--reload/);
    assert(s.lines.some((l) => /SyntaxError.*app\.ts:1:\d+/.test(l)), "the error names the place");
    for (let i = 0; i < 4; i++) assertEquals(await body(s.url), "v1");
    await Deno.writeTextFile(`${dir}/app.ts`, GOOD("v2"));
    await until(s.url, "v2");
    assertEquals(s.lines.filter((l) => l.includes("Shutting down")), []);
  } finally {
    assertEquals((await s.stop()).code, 0);
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("Arbiter --reload waits for a fix when the app does not load at start", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dir}/app.ts`, TYPO);
  const s = await startServer([`${dir}/app.ts`, "--reload"]);
  try {
    await s.waitFor(/App failed to load: no worker is serving; waiting for the next change/);
    await Deno.writeTextFile(`${dir}/app.ts`, GOOD("fixed"));
    await until(s.url, "fixed");
  } finally {
    assertEquals((await s.stop()).code, 0);
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("Arbiter HUP with an app that no longer loads keeps the old workers until the next HUP", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dir}/app.ts`, GOOD("v1"));
  const s = await startServer([`${dir}/app.ts`]);
  try {
    await until(s.url, "v1");
    await Deno.writeTextFile(`${dir}/app.ts`, TYPO);
    s.signal("SIGHUP");
    await s.waitFor(/App failed to load: 1 worker of the previous code keeps serving; .* HUP/);
    assertEquals(await body(s.url), "v1");
    await Deno.writeTextFile(`${dir}/app.ts`, GOOD("v2"));
    s.signal("SIGHUP");
    await until(s.url, "v2");
  } finally {
    assertEquals((await s.stop()).code, 0);
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("Arbiter HUP with a config file that no longer loads changes nothing until fixed", async () => {
  const dir = await Deno.makeTempDir();
  const config = `${dir}/denocorn.config.ts`;
  await Deno.writeTextFile(`${dir}/app.ts`, GOOD("v1"));
  await Deno.writeTextFile(config, "export default { workers: 1 };\n");
  const s = await startServer([`${dir}/app.ts`], { cwd: dir });
  try {
    await until(s.url, "v1");
    await Deno.writeTextFile(`${dir}/app.ts`, GOOD("v2"));
    await Deno.writeTextFile(config, "export default { workers: 1 ;\n");
    s.signal("SIGHUP");
    const error = await s.waitFor(/Cannot reload the configuration/);
    assertEquals(await body(s.url), "v1", "the old worker serves");
    await Deno.writeTextFile(config, "export default { workers: 1 };\n");
    s.signal("SIGHUP");
    await until(s.url, "v2");
    const after = s.lines.slice(s.lines.indexOf(error));
    const between = after.slice(0, after.findIndex((l) => l.includes("Hang up")));
    assertEquals(
      between.filter((l) => /Booting worker|failed to boot/.test(l)),
      [],
      between.join("\n"),
    );
    assert(error.includes("nothing changed"), error);
  } finally {
    assertEquals((await s.stop()).code, 0);
    await Deno.remove(dir, { recursive: true });
  }
});
