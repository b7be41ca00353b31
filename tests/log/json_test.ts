/** @module Unit tests for `--log-format json` (lib/log/json.ts and its sinks in lib/log.ts). */

import { assert, assertEquals, assertRejects } from "../_assert.ts";
import {
  access,
  type AccessAtoms,
  closeLogging,
  isoTime,
  log,
  setupLogging,
} from "../../lib/log.ts";
import { compileJsonAccess, jsonErrorLine } from "../../lib/log/json.ts";

const HOSTILE = 'a"b\\c\n\r\t\u0000\u001b{"status":999}\ud800z\udfff\u2028';

function atoms(over: Partial<AccessAtoms> = {}): AccessAtoms {
  return {
    remoteAddr: "10.0.0.1",
    method: "GET",
    target: `/p${HOSTILE}?q=${HOSTILE}`,
    version: "HTTP/1.1",
    status: 404,
    bytes: 0,
    durationMs: 1.5,
    requestHeaders: new Headers({ "user-agent": 'ua"\\', referer: "r", "x-a": "1" }),
    responseHeaders: new Headers({ "x-b": "2" }),
    date: new Date(2026, 0, 2, 3, 4, 5, 6),
    pid: 42,
    ...over,
  };
}

Deno.test("json access line: one line, every atom and friendly key, hostile values intact", () => {
  const line = compileJsonAccess("%(h)s %({X-A}i)s %({x-b}o)s %({nope}i)s")(atoms());
  assert(!line.includes("\n") && !line.includes("\r") && !line.includes("\u2028"), line);
  assert(!/[\ud800-\udfff]/.test(line), "lone surrogates are escaped");
  const o = JSON.parse(line);
  assertEquals(o.U, `/p${HOSTILE}`);
  assertEquals(o.q, `q=${HOSTILE}`);
  assertEquals(o.path, `/p${HOSTILE}`);
  assertEquals(o.query, `q=${HOSTILE}`);
  assertEquals(o.r, `GET /p${HOSTILE}?q=${HOSTILE} HTTP/1.1`);
  assertEquals(o.status, 404);
  assertEquals(o.s, "404");
  assertEquals(o.b, "-");
  assertEquals(o.B, "0");
  assertEquals(o.bytes, 0);
  assertEquals(o.D, "1500");
  assertEquals(o.duration_ms, 1.5);
  assertEquals(o.p, "<42>");
  assertEquals(o.pid, 42);
  assertEquals(o.a, 'ua"\\');
  assertEquals(o.user_agent, 'ua"\\');
  assertEquals(o.referer, "r");
  assertEquals(o.remote_addr, "10.0.0.1");
  assertEquals(o.i, { "x-a": "1", nope: null });
  assertEquals(o.o, { "x-b": "2" });
  assertEquals(o.time, isoTime(new Date(2026, 0, 2, 3, 4, 5, 6)));
  for (const k of "hlutrmUqHsBbfaTDMLp") assertEquals(typeof o[k], "string", k);
});

Deno.test("json access line: absent referer and user agent are null, no header objects", () => {
  const o = JSON.parse(compileJsonAccess("%(h)s")(atoms({ requestHeaders: new Headers() })));
  assertEquals(o.referer, null);
  assertEquals(o.user_agent, null);
  assertEquals(o.f, "-");
  assertEquals(o.i, undefined);
});

Deno.test("isoTime: ISO 8601 with milliseconds and the local offset", () => {
  assert(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d$/.test(isoTime(new Date())));
  const d = new Date(1_700_000_000_123);
  assertEquals(new Date(isoTime(d)).getTime(), d.getTime());
});

Deno.test("json error line: message, error and stack survive any characters", () => {
  const err = new RangeError(HOSTILE, { cause: new Error("inner") });
  const line = jsonErrorLine(new Date(), 7, "error", HOSTILE, "web", err, (e) => String(e));
  assert(!line.includes("\n"));
  const o = JSON.parse(line);
  assertEquals(o.level, "ERROR");
  assertEquals(o.pid, 7);
  assertEquals(o.name, "web");
  assertEquals(o.message, HOSTILE);
  assertEquals(o.error, `RangeError: ${HOSTILE}`);
  assertEquals(o.stack, String(err));
});

Deno.test("setupLogging json: both logs in files, every line JSON; bad value refused", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await setupLogging({
      loglevel: "debug",
      errorlog: `${dir}/e.log`,
      accesslog: `${dir}/a.log`,
      accessLogFormat: "%(h)s",
      logFormat: "json",
    });
    log.info(`x {text} ${HOSTILE}`);
    log.error("failed", new Error("boom", { cause: new TypeError("why") }));
    log.warning("w");
    access(atoms());
    await closeLogging();
    const errs = (await Deno.readTextFile(`${dir}/e.log`)).trimEnd().split("\n").map((l) =>
      JSON.parse(l)
    );
    assertEquals(errs.map((o) => o.level), ["INFO", "ERROR", "WARNING"]);
    assertEquals(errs[0].message, `x {text} ${HOSTILE}`);
    assertEquals(errs[0].pid, Deno.pid);
    assertEquals(errs[1].error, "Error: boom");
    assert(errs[1].stack.includes("Caused by: TypeError: why"), errs[1].stack);
    const acc = (await Deno.readTextFile(`${dir}/a.log`)).trimEnd().split("\n");
    assertEquals(acc.length, 1);
    assertEquals(JSON.parse(acc[0]!).U, `/p${HOSTILE}`);
    await assertRejects(() =>
      setupLogging({
        loglevel: "info",
        errorlog: "-",
        accesslog: null,
        accessLogFormat: "",
        logFormat: "xml" as "json",
      })
    );
  } finally {
    await closeLogging();
    await Deno.remove(dir, { recursive: true });
  }
});
