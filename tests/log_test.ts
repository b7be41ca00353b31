/** @module Tests for lib/log.ts: line formats, every access atom, level filtering and the sinks. */

import {
  access,
  type AccessAtoms,
  accessLogEnabled,
  closeLogging,
  compileAccessFormat,
  DEFAULT_ACCESS_LOG_FORMAT,
  formatAccessLine,
  formatErrorLine,
  log,
  type LoggingOptions,
  reopenLogFiles,
  setupLogging,
} from "../lib/log.ts";
import {
  assert,
  assertEquals,
  assertMatch,
  assertRejects,
  assertStringIncludes,
} from "./_assert.ts";

const ROOT = new URL("../", import.meta.url).pathname;
const LINE_RE = /^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4}\] \[\d+\] \[[A-Z]+\] /;

/** A request as the worker would describe it; `over` replaces fields. */
function atoms(over: Partial<AccessAtoms> = {}): AccessAtoms {
  return {
    remoteAddr: "192.0.2.7",
    method: "GET",
    target: "/path/to?q=1&r=2",
    version: "HTTP/1.1",
    status: 200,
    bytes: 1234,
    durationMs: 2345.678,
    requestHeaders: new Headers({
      referer: "http://example.test/from",
      "user-agent": "curl/8.5.0",
      "x-request-id": "abc",
    }),
    responseHeaders: new Headers({ "content-type": "text/plain", "x-served-by": "w1" }),
    date: new Date(2000, 9, 10, 13, 55, 36),
    pid: 4242,
    ...over,
  };
}

/** Runs `code` in a fresh Deno (cwd = repo root) and returns its stdout and stderr. */
async function runChild(code: string, env: Record<string, string> = {}) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", code],
    cwd: ROOT,
    env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/** Sets up logging into files in a temp dir, runs `fn`, then closes everything. */
async function withLogFiles(
  over: Partial<LoggingOptions>,
  fn: (dir: string) => Promise<void> | void,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "denocorn_log_test_" });
  try {
    await setupLogging({
      loglevel: "info",
      errorlog: `${dir}/error.log`,
      accesslog: null,
      accessLogFormat: DEFAULT_ACCESS_LOG_FORMAT,
      ...over,
    });
    await fn(dir);
  } finally {
    await closeLogging();
    await Deno.remove(dir, { recursive: true });
  }
}

function lines(path: string): string[] {
  return Deno.readTextFileSync(path).split("\n").filter((l) => l !== "");
}

// --- formatErrorLine ----------------------------------------------------------------------------

Deno.test("formatErrorLine() writes gunicorn's layout in local time", () => {
  const line = formatErrorLine(
    new Date(2026, 10, 23, 8, 45, 9),
    2007,
    "INFO",
    "Booting worker with pid: 2010",
  );
  assertMatch(
    line,
    /^\[2026-11-23 08:45:09 [+-]\d{4}\] \[2007\] \[INFO\] Booting worker with pid: 2010$/,
  );
});

Deno.test("formatErrorLine() pads every field and upper-cases the level", () => {
  const line = formatErrorLine(new Date(2026, 0, 2, 3, 4, 5), 1, "warning", "m");
  assertMatch(line, /^\[2026-01-02 03:04:05 [+-]\d{4}\] \[1\] \[WARNING\] m$/);
});

Deno.test("formatErrorLine() writes the numeric offset of the local time zone", async () => {
  const code = `import { formatErrorLine } from "./lib/log.ts";
    Deno.stdout.writeSync(new TextEncoder().encode(formatErrorLine(new Date(Date.UTC(2026, 10, 23, 8, 45, 9)), 7, "INFO", "x")));`;
  const cases: Array<[string, string]> = [
    ["UTC", "[2026-11-23 08:45:09 +0000] [7] [INFO] x"],
    ["Asia/Kolkata", "[2026-11-23 14:15:09 +0530] [7] [INFO] x"],
    ["America/St_Johns", "[2026-11-23 05:15:09 -0330] [7] [INFO] x"],
  ];
  for (const [tz, expected] of cases) {
    const r = await runChild(code, { TZ: tz });
    assertEquals(r.stdout, expected, `TZ=${tz} ${r.stderr}`);
  }
});

// --- access atoms, one by one -------------------------------------------------------------------

const ATOM_CASES: Array<[string, string, string, Partial<AccessAtoms>?]> = [
  ["h", "the remote address", "192.0.2.7"],
  ["h", "a dash for an empty remote address", "-", { remoteAddr: "" }],
  ["l", "a dash", "-"],
  ["u", "a dash without Basic auth", "-"],
  ["u", "the Basic auth user", "alice", {
    requestHeaders: new Headers({ authorization: `Basic ${btoa("alice:s3cr:et")}` }),
  }],
  ["u", "a dash for other auth schemes", "-", {
    requestHeaders: new Headers({ authorization: "Bearer x" }),
  }],
  ["u", "a dash for broken base64", "-", {
    requestHeaders: new Headers({ authorization: "Basic %%%" }),
  }],
  ["r", "the request line", "GET /path/to?q=1&r=2 HTTP/1.1"],
  ["m", "the method", "GET"],
  ["U", "the path without the query", "/path/to"],
  ["U", "the path of an absolute-form target", "/p", { target: "http://h.test:8/p?x" }],
  ["U", "a slash for an absolute-form target without a path", "/", { target: "http://h.test" }],
  ["q", "the query", "q=1&r=2"],
  ["q", "an empty string without a query", "", { target: "/" }],
  ["H", "the protocol", "HTTP/1.1"],
  ["s", "the status", "200"],
  ["B", "the body bytes", "1234"],
  ["B", "zero body bytes as 0", "0", { bytes: 0 }],
  ["b", "the body bytes", "1234"],
  ["b", "zero body bytes as a dash", "-", { bytes: 0 }],
  ["f", "the referer", "http://example.test/from"],
  ["f", "a dash without a referer", "-", { requestHeaders: new Headers() }],
  ["a", "the user agent", "curl/8.5.0"],
  ["a", "a dash without a user agent", "-", { requestHeaders: new Headers() }],
  ["T", "whole seconds", "2"],
  ["D", "microseconds", "2345678"],
  ["M", "milliseconds", "2345"],
  ["L", "decimal seconds", "2.345678"],
  ["L", "decimal seconds below one", "0.000250", { durationMs: 0.25 }],
  ["p", "the pid in angle brackets", "<4242>"],
  ["{X-Request-Id}i", "a request header, case-insensitively", "abc"],
  ["{x-missing}i", "a dash for a missing request header", "-"],
  ["{content-type}o", "a response header", "text/plain"],
  ["{X-Missing}o", "a dash for a missing response header", "-"],
  ["zz", "a dash for an unknown atom", "-"],
];

for (const [name, what, expected, over] of ATOM_CASES) {
  Deno.test(`formatAccessLine() renders %(${name})s as ${what}`, () => {
    assertEquals(formatAccessLine(`%(${name})s`, atoms(over)), expected);
  });
}

Deno.test("formatAccessLine() renders %(t)s as the local common log time", () => {
  assertMatch(formatAccessLine("%(t)s", atoms()), /^\[10\/Oct\/2000:13:55:36 [+-]\d{4}\]$/);
});

Deno.test("formatAccessLine() renders {var}e as an environment variable", () => {
  Deno.env.set("DENOCORN_LOG_TEST_VAR", "on");
  try {
    assertEquals(formatAccessLine("%({DENOCORN_LOG_TEST_VAR}e)s", atoms()), "on");
    assertEquals(formatAccessLine("%({denocorn_log_test_var}e)s", atoms()), "on");
    assertEquals(formatAccessLine("%({DENOCORN_LOG_TEST_UNSET}e)s", atoms()), "-");
  } finally {
    Deno.env.delete("DENOCORN_LOG_TEST_VAR");
  }
});

Deno.test("formatAccessLine() writes gunicorn's default format", () => {
  const line = formatAccessLine(DEFAULT_ACCESS_LOG_FORMAT, atoms());
  assertMatch(
    line,
    /^192\.0\.2\.7 - - \[10\/Oct\/2000:13:55:36 [+-]\d{4}\] "GET \/path\/to\?q=1&r=2 HTTP\/1\.1" 200 1234 "http:\/\/example\.test\/from" "curl\/8\.5\.0"$/,
  );
});

Deno.test("formatAccessLine() keeps literal text, %% and lone percent signs", () => {
  assertEquals(formatAccessLine("100%% %(s)s % done %(s)d", atoms()), "100% 200 % done 200");
  assertEquals(formatAccessLine("no atoms", atoms()), "no atoms");
  assertEquals(formatAccessLine("", atoms()), "");
});

Deno.test("compileAccessFormat() returns a reusable formatter", () => {
  const fmt = compileAccessFormat('%(h)s "%(r)s" %(s)s');
  assertEquals(fmt(atoms()), '192.0.2.7 "GET /path/to?q=1&r=2 HTTP/1.1" 200');
  assertEquals(
    fmt(atoms({ status: 404, method: "HEAD" })),
    '192.0.2.7 "HEAD /path/to?q=1&r=2 HTTP/1.1" 404',
  );
});

// --- setupLogging, the façade and the sinks -----------------------------------------------------

Deno.test("log writes gunicorn lines to the error log file", async () => {
  await withLogFiles({}, (dir) => {
    log.info("Booting worker with pid: 2010");
    const got = lines(`${dir}/error.log`);
    assertEquals(got.length, 1);
    assertMatch(got[0] ?? "", LINE_RE);
    assertStringIncludes(got[0] ?? "", `[${Deno.pid}] [INFO] Booting worker with pid: 2010`);
  });
});

Deno.test("log drops records below the configured level", async () => {
  await withLogFiles({ loglevel: "warning" }, (dir) => {
    log.debug("d");
    log.info("i");
    log.warning("w");
    log.error("e");
    log.critical("c");
    assertEquals(lines(`${dir}/error.log`).map((l) => l.replace(LINE_RE, "")), ["w", "e", "c"]);
  });
});

Deno.test("log writes every level with its gunicorn name at debug", async () => {
  await withLogFiles({ loglevel: "debug" }, (dir) => {
    log.debug("d");
    log.info("i");
    log.warning("w");
    log.error("e");
    log.critical("c");
    const levels = lines(`${dir}/error.log`).map((l) => /\] \[([A-Z]+)\] /.exec(l)?.[1]);
    assertEquals(levels, ["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]);
  });
});

Deno.test("log keeps only critical records at critical", async () => {
  await withLogFiles({ loglevel: "critical" }, (dir) => {
    log.error("e");
    log.critical("c");
    assertEquals(lines(`${dir}/error.log`).map((l) => l.replace(LINE_RE, "")), ["c"]);
  });
});

Deno.test("log writes braces literally instead of reading them as placeholders", async () => {
  await withLogFiles({}, (dir) => {
    log.info('body {"a": 1} and {text}');
    assertEquals(lines(`${dir}/error.log`).map((l) => l.replace(LINE_RE, "")), [
      'body {"a": 1} and {text}',
    ]);
  });
});

Deno.test("log.error() appends the stack and causes on following lines", async () => {
  await withLogFiles({}, (dir) => {
    const cause = new RangeError("inner");
    log.error("Error handling request GET /error", new Error("boom", { cause }));
    log.error("non-error thrown", "a string");
    const got = lines(`${dir}/error.log`);
    assertStringIncludes(got[0] ?? "", "[ERROR] Error handling request GET /error");
    assertEquals(got[1], "Error: boom");
    assertMatch(got[2] ?? "", /^ {4}at /);
    assert(got.includes("Caused by: RangeError: inner"), got.join("\n"));
    const i = got.findIndex((l) => l.endsWith("non-error thrown"));
    assertEquals(got[i + 1], '"a string"');
  });
});

Deno.test("log.debug() returns cheaply when debug is disabled", async () => {
  await withLogFiles({ loglevel: "info" }, (dir) => {
    const t0 = performance.now();
    for (let i = 0; i < 1_000_000; i++) log.debug("hot path");
    const ms = performance.now() - t0;
    assert(ms < 500, `1e6 disabled debug calls took ${ms.toFixed(1)} ms`);
    assertEquals(lines(`${dir}/error.log`), []);
  });
});

Deno.test("access() writes formatted lines to the access log file", async () => {
  const dir = await Deno.makeTempDir({ prefix: "denocorn_log_test_" });
  try {
    await setupLogging({
      loglevel: "critical",
      errorlog: `${dir}/error.log`,
      accesslog: `${dir}/access.log`,
      accessLogFormat: '%(m)s %(U)s {"s": %(s)s}',
    });
    assert(accessLogEnabled());
    access(atoms());
    access(atoms({ method: "POST", status: 201 }));
    assertEquals(lines(`${dir}/access.log`), [
      'GET /path/to {"s": 200}',
      'POST /path/to {"s": 201}',
    ]);
    assertEquals(lines(`${dir}/error.log`), []);
  } finally {
    await closeLogging();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("access() does nothing when no access log is configured", async () => {
  await withLogFiles({ accesslog: null }, (dir) => {
    assert(!accessLogEnabled());
    access(atoms());
    assertEquals([...Deno.readDirSync(dir)].map((e) => e.name), ["error.log"]);
  });
});

Deno.test("setupLogging() shares one file when both logs name the same path", async () => {
  await withLogFiles({}, async (dir) => {
    const path = `${dir}/both.log`;
    await setupLogging({
      loglevel: "info",
      errorlog: path,
      accesslog: path,
      accessLogFormat: "%(s)s",
    });
    log.info("started");
    access(atoms());
    const got = lines(path);
    assertEquals(got.length, 2);
    assert(got[0]?.endsWith("[INFO] started"), got[0]);
    assertEquals(got[1], "200");
  });
});

Deno.test("setupLogging() appends to an existing file", async () => {
  const dir = await Deno.makeTempDir({ prefix: "denocorn_log_test_" });
  try {
    await Deno.writeTextFile(`${dir}/error.log`, "old line\n");
    await setupLogging({
      loglevel: "info",
      errorlog: `${dir}/error.log`,
      accesslog: null,
      accessLogFormat: "",
    });
    log.info("new line");
    const got = lines(`${dir}/error.log`);
    assertEquals(got[0], "old line");
    assert(got[1]?.endsWith("[INFO] new line"), got[1]);
  } finally {
    await closeLogging();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("setupLogging() rejects an unknown level and an unopenable file, keeping the old setup", async () => {
  await withLogFiles({}, async (dir) => {
    await assertRejects(
      () =>
        setupLogging({
          loglevel: "loud" as "info",
          errorlog: "-",
          accesslog: null,
          accessLogFormat: "",
        }),
      RangeError,
      'Cannot set log level "loud": expected one of debug, info, warning, error, critical',
    );
    await assertRejects(
      () =>
        setupLogging({
          loglevel: "info",
          errorlog: `${dir}/error2.log`,
          accesslog: `${dir}/missing/access.log`,
          accessLogFormat: "",
        }),
      Error,
      `Cannot open log file "${dir}/missing/access.log": `,
    );
    log.info("still here");
    assert(lines(`${dir}/error.log`)[0]?.endsWith("still here"));
  });
});

Deno.test("reopenLogFiles() reopens files moved away by logrotate", async () => {
  const dir = await Deno.makeTempDir({ prefix: "denocorn_log_test_" });
  try {
    await setupLogging({
      loglevel: "info",
      errorlog: `${dir}/error.log`,
      accesslog: `${dir}/access.log`,
      accessLogFormat: "%(s)s",
    });
    log.info("before");
    access(atoms());
    await Deno.rename(`${dir}/error.log`, `${dir}/error.log.1`);
    await Deno.rename(`${dir}/access.log`, `${dir}/access.log.1`);
    log.info("still to the moved file");
    reopenLogFiles();
    log.info("after");
    access(atoms({ status: 204 }));
    const oldErr = lines(`${dir}/error.log.1`).map((l) => l.replace(LINE_RE, ""));
    assertEquals(oldErr, ["before", "still to the moved file"]);
    assertEquals(lines(`${dir}/error.log`).map((l) => l.replace(LINE_RE, "")), ["after"]);
    assertEquals(lines(`${dir}/access.log.1`), ["200"]);
    assertEquals(lines(`${dir}/access.log`), ["204"]);
  } finally {
    await closeLogging();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("setupLogging() sends the error log to stderr and the access log to stdout for -", async () => {
  const r = await runChild(`import { access, log, setupLogging } from "./lib/log.ts";
    await setupLogging({ loglevel: "info", errorlog: "-", accesslog: "-", accessLogFormat: "%(m)s %(s)s" });
    log.info("hello stderr");
    log.debug("hidden");
    access({ remoteAddr: "", method: "GET", target: "/", version: "HTTP/1.1", status: 200, bytes: 0,
      durationMs: 1, requestHeaders: new Headers(), responseHeaders: new Headers(), date: new Date(), pid: 1 });`);
  assertEquals(r.code, 0, r.stderr);
  assertEquals(r.stdout, "GET 200\n");
  assertMatch(r.stderr, /^\[[^\]]+\] \[\d+\] \[INFO\] hello stderr\n$/);
});

Deno.test("log writes to stderr before setupLogging runs", async () => {
  const r = await runChild(`import { log } from "./lib/log.ts";
    log.debug("hidden");
    log.critical("Worker failed to boot: bad fds");`);
  assertEquals(r.code, 0, r.stderr);
  assertEquals(r.stdout, "");
  assertMatch(r.stderr, /^\[[^\]]+\] \[\d+\] \[CRITICAL\] Worker failed to boot: bad fds\n$/);
});

Deno.test("formatErrorLine() shows --name with the pid", () => {
  const line = formatErrorLine(new Date(), 42, "info", "hello", "myapp");
  assertMatch(line, /\] \[myapp:42\] \[INFO\] hello$/);
});
