/** @module Tests for preflight(): the settings checked against the machine before a start. */

import { assert, assertEquals, assertRejects } from "../_assert.ts";
import {
  ConfigError,
  loadSettings,
  preflight,
  resolveBindHost,
  type Settings,
} from "../../lib/config/mod.ts";

/** A name that never resolves (RFC 6761 reserves `.invalid`), so the test needs no network. */
const NO_HOST = "nonsense.invalid";

async function defaults(dir: string): Promise<Settings> {
  const result = await loadSettings(["app:x"], {}, dir);
  assert(result.action === "run");
  return result.settings;
}

async function problem(change: Partial<Settings>, dir: string): Promise<string> {
  const settings = { ...await defaults(dir), ...change };
  return (await assertRejects(() => preflight(settings, dir), ConfigError)).message;
}

Deno.test("preflight() names --bind and the fix when a host does not resolve", async () => {
  const dir = Deno.makeTempDirSync();
  assertEquals(
    await problem({ bind: ["127.0.0.1:0", `${NO_HOST}:80`] }, dir),
    `Cannot resolve --bind "${NO_HOST}:80": no such host "${NO_HOST}"; bind an IP address ` +
      "(e.g. 0.0.0.0:8000) or a host name that resolves",
  );
  const ok = { ...await defaults(dir), bind: ["[::1]:0", "0.0.0.0:0", "unix:/x/y", "fd://3"] };
  await preflight(ok, dir);
  assertEquals(await resolveBindHost("localhost:1", "localhost"), "127.0.0.1");
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("preflight() names the log file flag and why it cannot be opened", async () => {
  const dir = Deno.makeTempDirSync();
  assertEquals(
    await problem({ accesslog: `${dir}/missing/access.log` }, dir),
    `Cannot open --access-logfile "${dir}/missing/access.log": directory "${dir}/missing" ` +
      "does not exist",
  );
  assertEquals(
    await problem({ errorlog: dir }, dir),
    `Cannot open --error-logfile "${dir}": it is a directory`,
  );
  await preflight({ ...await defaults(dir), accesslog: "a.log", errorlog: "-" }, dir);
  assertEquals([...Deno.readDirSync(dir)], [], "a probe leaves no file behind");
  Deno.writeTextFileSync(`${dir}/kept.log`, "old\n");
  await preflight({ ...await defaults(dir), errorlog: "kept.log" }, dir);
  assertEquals(Deno.readTextFileSync(`${dir}/kept.log`), "old\n", "an existing log is untouched");
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("preflight() names a missing --worker-tmp-dir or --chdir", async () => {
  const dir = Deno.makeTempDirSync();
  assertEquals(
    await problem({ worker_tmp_dir: `${dir}/gone` }, dir),
    `Cannot use --worker-tmp-dir "${dir}/gone": no such directory`,
  );
  Deno.writeTextFileSync(`${dir}/file`, "");
  assertEquals(
    await problem({ worker_tmp_dir: `${dir}/file` }, dir),
    `Cannot use --worker-tmp-dir "${dir}/file": not a directory`,
  );
  assertEquals(
    await problem({ chdir: "elsewhere" }, dir),
    'Cannot use --chdir "elsewhere": no such directory',
  );
  Deno.mkdirSync(`${dir}/app/logs`, { recursive: true });
  await preflight({ ...await defaults(dir), chdir: "app", accesslog: "logs/a.log" }, dir);
  assertEquals(
    await problem({ chdir: "app", accesslog: "a/b.log" }, dir),
    `Cannot open --access-logfile "a/b.log": directory "${dir}/app/a" does not exist`,
    "relative paths are taken from --chdir",
  );
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("loadSettings() runs preflight() unless it only prints the settings", async () => {
  const dir = Deno.makeTempDirSync();
  const argv = ["app:x", "--worker-tmp-dir", `${dir}/gone`];
  await assertRejects(() => loadSettings(argv, {}, dir), ConfigError, "--worker-tmp-dir");
  const printed = await loadSettings([...argv, "--print-config"], {}, dir);
  assert(printed.action === "run");
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("preflight() names --pid or --ctl-socket in a missing directory", async () => {
  const dir = Deno.makeTempDirSync();
  for (const [flag, name] of [["--pid", "pidfile"], ["--ctl-socket", "ctl_socket"]] as const) {
    assertEquals(
      await problem({ [name]: `${dir}/run/x` }, dir),
      `Cannot use ${flag} "${dir}/run/x": directory "${dir}/run" does not exist (create it, or ` +
        "choose another path)",
    );
    Deno.writeTextFileSync(`${dir}/file`, "");
    assertEquals(
      await problem({ chdir: dir, [name]: "file/x" }, dir),
      `Cannot use ${flag} "file/x": directory "${dir}/file": not a directory`,
      "relative paths are taken from --chdir",
    );
    await preflight({ ...await defaults(dir), [name]: "x" }, dir);
  }
  assertEquals([...Deno.readDirSync(dir)].map((e) => e.name), ["file"], "nothing left behind");
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("preflight() refuses a --ctl-socket path that holds another kind of file", async () => {
  const dir = Deno.makeTempDirSync();
  Deno.writeTextFileSync(`${dir}/data`, "precious\n");
  assertEquals(
    await problem({ ctl_socket: `${dir}/data` }, dir),
    `Cannot use --ctl-socket "${dir}/data": it is a regular file, which a socket never replaces ` +
      "(remove it, or choose another path)",
  );
  Deno.mkdirSync(`${dir}/sub`);
  assertEquals(
    await problem({ ctl_socket: `${dir}/sub` }, dir),
    `Cannot use --ctl-socket "${dir}/sub": it is a directory, which a socket never replaces ` +
      "(remove it, or choose another path)",
  );
  Deno.listen({ transport: "unix", path: `${dir}/stale.sock` }).close();
  await preflight({ ...await defaults(dir), ctl_socket: `${dir}/stale.sock` }, dir);
  assertEquals(Deno.readTextFileSync(`${dir}/data`), "precious\n");
  Deno.removeSync(dir, { recursive: true });
});
