/** @module Tests for loadSettings(): every source of settings, their precedence and errors. */

import { assert, assertEquals, assertRejects, assertStringIncludes } from "../_assert.ts";
import {
  ConfigError,
  defineConfig,
  loadSettings,
  type Settings,
  splitCommandArgs,
  VERSION,
} from "../../lib/config/mod.ts";

const FIXTURES = new URL("./fixtures/", import.meta.url).pathname;
const EMPTY_DIR = Deno.makeTempDirSync({ prefix: "denocorn_config_" });

async function settingsOf(
  argv: string[],
  env: Record<string, string> = {},
  cwd = EMPTY_DIR,
): Promise<Settings> {
  const result = await loadSettings(argv, env, cwd);
  assert(result.action === "run", `expected a run, got ${result.action}`);
  return result.settings;
}

async function errorOf(argv: string[], env: Record<string, string> = {}, cwd = EMPTY_DIR) {
  return (await assertRejects(() => loadSettings(argv, env, cwd), ConfigError)).message;
}

Deno.test("loadSettings() fills every setting with its default", async () => {
  const s = await settingsOf(["app:x"]);
  assertEquals(s.bind, ["127.0.0.1:8000"]);
  assertEquals(s.workers, 1);
  assertEquals(s.worker_class, "sync");
  assertEquals(s.timeout, 30);
  assertEquals(s.limit_request_line, 4094);
  assertEquals(s.forwarded_allow_ips, ["127.0.0.1", "::1"]);
  assertEquals(s.accesslog, null);
  assertEquals(s.errorlog, "-");
  assertEquals(s.umask, null, "unset: the inherited umask stays");
  assertEquals(s.config, null);
  assertEquals(s.app, "app:x");
  assertEquals(s.access_log_format, '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s"');
});

Deno.test("loadSettings() takes PORT, WEB_CONCURRENCY and FORWARDED_ALLOW_IPS as defaults", async () => {
  const env = { PORT: "5000", WEB_CONCURRENCY: "4", FORWARDED_ALLOW_IPS: "10.0.0.1, *" };
  const s = await settingsOf(["app:x"], env);
  assertEquals(s.bind, ["0.0.0.0:5000"]);
  assertEquals(s.workers, 4);
  assertEquals(s.forwarded_allow_ips, ["10.0.0.1", "*"]);
  assertEquals((await settingsOf(["app:x", "-w", "2"], env)).workers, 2);
  assertStringIncludes(await errorOf(["app:x"], { WEB_CONCURRENCY: "many" }), "positive integer");
});

Deno.test("loadSettings() collects repeated -b and reports a bad one", async () => {
  const s = await settingsOf(["-b", "127.0.0.1:1", "app:x", "--bind", "unix:/tmp/s"]);
  assertEquals(s.bind, ["127.0.0.1:1", "unix:/tmp/s"]);
  assertEquals(
    await errorOf(["app:x", "-b", "nope:port"]),
    'Cannot parse --bind "nope:port": expected HOST:PORT, [IPv6]:PORT, unix:PATH or fd://N',
  );
});

Deno.test("loadSettings() collects repeated -e and needs KEY=VALUE", async () => {
  const s = await settingsOf(["app:x", "-e", "A=1", "--env", "B=x=y"]);
  assertEquals(s.raw_env, ["A=1", "B=x=y"]);
  assertEquals(await errorOf(["app:x", "-e", "=1"]), 'Cannot parse --env "=1": expected KEY=VALUE');
  assertEquals(await errorOf(["app:x", "-e", "A"]), 'Cannot parse --env "A": expected KEY=VALUE');
});

Deno.test("loadSettings() keeps the last occurrence of a scalar; aliases share a setting", async () => {
  const s = await settingsOf([
    "app:x",
    "-w2",
    "--workers=3",
    "--limit-request-field_size",
    "10",
    "--limit-request-field-size",
    "20",
    "--log-file",
    "/tmp/e.log",
  ]);
  assertEquals(s.workers, 3);
  assertEquals(s.limit_request_field_size, 20);
  assertEquals(s.errorlog, "/tmp/e.log");
});

Deno.test("loadSettings() coerces and validates values", async () => {
  const s = await settingsOf([
    "app:x",
    "--log-level",
    "DEBUG",
    "-t",
    "2.5",
    "-m",
    "022",
    "--reload",
    "-D",
    "--limit-request-line",
    "0",
  ]);
  assertEquals([s.loglevel, s.timeout, s.umask, s.reload, s.daemon], [
    "debug",
    2.5,
    0o22,
    true,
    true,
  ]);
  assertEquals(s.limit_request_line, 8190);
  assertEquals((await settingsOf(["app:x", "-m", "0o27"])).umask, 0o27);
  assertEquals((await settingsOf(["app:x", "-m", "18"])).umask, 18);
  assertEquals(
    await errorOf(["app:x", "--workers", "two"]),
    'Cannot parse --workers "two": expected a positive integer',
  );
  assertEquals(
    await errorOf(["app:x", "-w", "0"]),
    'Cannot parse --workers "0": expected a positive integer',
  );
  assertEquals(
    await errorOf(["app:x", "-k", "gevent"]),
    'Cannot parse --worker-class "gevent": expected one of sync, async',
  );
  assertStringIncludes(await errorOf(["app:x", "--log-level", "loud"]), "expected one of debug");
  assertEquals(
    await errorOf(["app:x", "-t", "-1"]),
    'Cannot parse --timeout "-1": expected a number of seconds >= 0',
  );
  assertStringIncludes(await errorOf(["app:x", "-t", "soon"]), 'Cannot parse --timeout "soon"');
  assertStringIncludes(await errorOf(["app:x", "--limit-request-line", "9000"]), "0 to 8190");
  assertStringIncludes(await errorOf(["app:x", "--statsd-host", "nohost"]), "HOST:PORT");
});

Deno.test("loadSettings() reports unknown options and missing values as usage errors", async () => {
  assertEquals(
    await errorOf(["app:x", "--foo"]),
    "Unknown option --foo: run with --help to see the options",
  );
  assertEquals(await errorOf(["app:x", "--workers"]), "Option --workers needs a value");
  assertEquals(await errorOf(["app:x", "-w"]), "Option --workers needs a value");
  assertEquals(await errorOf(["app:x", "--reload=yes"]), "Option --reload takes no value");
});

Deno.test("loadSettings() requires APP_MODULE once", async () => {
  assertEquals(
    await errorOf([]),
    "No application module specified: pass APP_MODULE, e.g. denocorn myapp:app",
  );
  assertEquals(
    await errorOf(["a:b", "c:d"]),
    'Too many arguments "a:b c:d": expected one APP_MODULE',
  );
  assertEquals((await settingsOf(["--print-config"])).app, null);
});

Deno.test("loadSettings() lets --help and --version win over everything", async () => {
  const help = await loadSettings(["--bogus", "-h"], {}, EMPTY_DIR);
  assertEquals(help.action, "help");
  assert(help.action === "help" && help.text.startsWith("usage: denocorn [OPTIONS] APP_MODULE"));
  assertEquals(await loadSettings(["--version"], {}, EMPTY_DIR), {
    action: "version",
    text: `denocorn ${VERSION}`,
  });
});

Deno.test("splitCommandArgs() splits DENOCORN_CMD_ARGS on whitespace with quotes", () => {
  assertEquals(splitCommandArgs(` -e "A=b c"  --name 'my app' x"y"z `), [
    "-e",
    "A=b c",
    "--name",
    "my app",
    "xyz",
  ]);
  assertEquals(splitCommandArgs(""), []);
});

Deno.test("loadSettings() precedence: defaults < config file", async () => {
  const s = await settingsOf(["-c", FIXTURES + "basic.ts"]);
  assertEquals(s.workers, 3);
  assertEquals(s.backlog, 2048);
  assertEquals(s.app, "from_config:app");
  assertEquals(s.config, FIXTURES + "basic.ts");
});

Deno.test("loadSettings() precedence: config file < DENOCORN_CMD_ARGS", async () => {
  const env = { DENOCORN_CMD_ARGS: `-c ${FIXTURES}basic.ts -w 7 --bind :1` };
  const s = await settingsOf([], env);
  assertEquals([s.workers, s.timeout, s.bind], [7, 12, [":1"]]);
});

Deno.test("loadSettings() precedence: DENOCORN_CMD_ARGS < argv", async () => {
  const s = await settingsOf(["-w", "9", "b:app"], { DENOCORN_CMD_ARGS: "-w 7 -t 5 a:app" });
  assertEquals([s.workers, s.timeout, s.app], [9, 5, "b:app"]);
});

Deno.test("loadSettings() precedence: config file < argv", async () => {
  const s = await settingsOf(["-c", FIXTURES + "basic.ts", "-t", "1", "-b", ":2", "cli:app"]);
  assertEquals([s.workers, s.timeout, s.bind, s.app], [3, 1, [":2"], "cli:app"]);
});

Deno.test("loadSettings() returns the hooks of the config file", async () => {
  const result = await loadSettings(["-c", FIXTURES + "basic.ts"], {}, EMPTY_DIR);
  assert(result.action === "run");
  assertEquals(Object.keys(result.hooks).sort(), ["on_starting", "when_ready"]);
  assertEquals(typeof result.hooks.on_starting, "function");
  assertEquals(result.settings.loglevel, "warning");
  assertEquals(result.settings.bind, ["127.0.0.1:9001", "unix:/tmp/denocorn.sock"]);
});

Deno.test("loadSettings() reports config file errors", async () => {
  const f = (name: string) => FIXTURES + name;
  assertEquals(
    await errorOf(["-c", f("unknown_key.ts")]),
    `Cannot load config file "${f("unknown_key.ts")}": unknown setting "wokers" ` +
      `(did you mean "workers"?)`,
  );
  assertEquals(
    await errorOf(["-c", f("bad_value.ts")]),
    `Invalid value for workers in "${f("bad_value.ts")}": expected a positive integer`,
  );
  assertEquals(
    await errorOf(["-c", f("bad_hook.ts")]),
    `Invalid value for on_starting in "${f("bad_hook.ts")}": expected a function`,
  );
  assertStringIncludes(await errorOf(["-c", f("no_default.ts")]), "expected a default export");
  assertEquals(
    await errorOf(["-c", "missing.ts", "app:x"]),
    'Cannot load config file "missing.ts": file not found',
  );
});

Deno.test("loadSettings() loads ./denocorn.config.ts from cwd automatically", async () => {
  const s = await settingsOf([], {}, FIXTURES + "auto");
  assertEquals([s.workers, s.app], [5, "auto:app"]);
  assertEquals(s.config, FIXTURES + "auto/denocorn.config.ts");
  const rel = await settingsOf(["-c", "../basic.ts"], {}, FIXTURES + "auto");
  assertEquals(rel.workers, 3);
});

Deno.test("defineConfig() returns its argument", () => {
  const config = { workers: 2 };
  assert(defineConfig(config) === config);
});
