/** `denocorn ctl workers` against the real server: live request counts and worker states. */

import { assert, assertEquals, assertThrows } from "../_assert.ts";
import { checkCtlPath, CtlPathError } from "../../lib/arbiter/ctl.ts";
import { REPO_ROOT, runCli, startServer } from "../integration/harness.ts";
import { sleep } from "../integration/load.ts";

const APP = "tests/integration/apps/probe.ts:app";

interface Row {
  pid: number;
  requests: number;
  active: number;
  state: string;
}

async function workers(ctl: string): Promise<Row[]> {
  const out = await runCli(["ctl", "--ctl-socket", ctl, "workers"]);
  assertEquals(out.code, 0, out.stderr);
  const [header, ...rows] = out.stdout.trim().split("\n");
  assertEquals(header!.split(/\s+/), ["PID", "AGE", "UPTIME", "REQUESTS", "ACTIVE", "STATE"]);
  return rows.map((r) => {
    const [pid, , , requests, active, ...state] = r.split(/\s+/);
    return {
      pid: Number(pid),
      requests: Number(requests),
      active: Number(active),
      state: state.join(" "),
    };
  });
}

/** Asks `ctl workers` until `ok` holds (bounded), and returns the rows that satisfied it. */
async function until(ctl: string, ok: (rows: Row[]) => boolean): Promise<Row[]> {
  let rows: Row[] = [];
  for (let i = 0; i < 40; i++) {
    rows = await workers(ctl);
    if (ok(rows)) return rows;
    await sleep(100);
  }
  throw new Error(`ctl workers never matched: ${JSON.stringify(rows)}`);
}

Deno.test("ctl workers shows each worker's live request count and its state", async () => {
  const dir = await Deno.makeTempDir();
  const ctl = `${dir}/ctl.sock`;
  const s = await startServer([APP, "--ctl-socket", ctl]);
  try {
    const first = Number(await (await fetch(`${s.url}/pid`)).text());
    await until(ctl, (r) => r.length === 1 && r[0]!.state === "serving" && r[0]!.requests === 1);
    const slow = fetch(`${s.url}/slow?ms=3000`).then((r) => r.text());
    await until(ctl, (r) => r[0]!.pid === first && r[0]!.active === 1);
    s.signal("SIGHUP");
    const rows = await until(ctl, (r) => r.some((w) => w.pid === first && w.state === "retiring"));
    assertEquals(rows.find((w) => w.pid === first)!.active, 1, "still inside the slow request");
    assert(rows.some((w) => w.pid !== first && w.state !== "retiring"), JSON.stringify(rows));
    assertEquals(await slow, "slow done\n");
    await until(ctl, (r) => r.length === 1 && r[0]!.pid !== first && r[0]!.state === "serving");
  } finally {
    assertEquals((await s.stop()).code, 0);
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("checkCtlPath() refuses a path that holds a file other than a socket", () => {
  const dir = Deno.makeTempDirSync();
  try {
    Deno.writeTextFileSync(`${dir}/data`, "");
    assertThrows(() => checkCtlPath(`${dir}/data`), CtlPathError, "not a socket");
    checkCtlPath(`${dir}/new.sock`);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("ctl finds ctl_socket in the config file, as the server does", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dir}/denocorn.config.ts`, 'export default { ctl_socket: "c.sock" };');
  await Deno.writeTextFile(`${dir}/abs.ts`, `export default { ctl_socket: "${dir}/c.sock" };`);
  await Deno.writeTextFile(`${dir}/broken.ts`, "export default { ctl_socket: 1 };");
  // Started in `dir`: ./denocorn.config.ts is read, and its relative path is taken from there.
  const s = await startServer([`${REPO_ROOT}examples/hello.ts:app`], { cwd: dir });
  try {
    await s.waitFor(/Booting worker/);
    for (const [args, cwd] of [[[], dir], [["-c", `${dir}/abs.ts`], REPO_ROOT]] as const) {
      const out = await runCli(["ctl", ...args, "status"], { cwd });
      assertEquals(out.code, 0, out.stderr);
      assertEquals(JSON.parse(out.stdout).pid, s.pid);
    }
    const broken = await runCli(["ctl", "-c", `${dir}/broken.ts`, "status"]);
    assertEquals([broken.code, broken.stderr.trim().split("\n").length], [2, 1], broken.stderr);
    const none = await runCli(["ctl", "status"], { cwd: REPO_ROOT });
    assertEquals(none.code, 2);
    assert(none.stderr.startsWith("Error: No control socket: pass --ctl-socket PATH, or -c"));
  } finally {
    assertEquals((await s.stop()).code, 0);
    await Deno.remove(dir, { recursive: true });
  }
});
