/**
 * @module `--log-format json` through the real server on each worker class: hostile paths,
 * queries and headers (raw bytes and fetch) never break a line or forge a field; every line of
 * the access and error logs parses, and the fields equal what was sent.
 */

import { assert, assertEquals } from "../_assert.ts";
import { CLASS_NAMES, WORKER_CLASSES } from "./classes.ts";
import { rawRequest, REPO_ROOT, runCli, startServer } from "./harness.ts";

const APP = "tests/integration/apps/log_app.ts:app";
const FORMAT = '%(h)s "%(r)s" %(s)s %({x-evil}i)s %({x-out}o)s %({user-agent}i)s';
const EVIL = 'e"\\\t{"status":999,"x":"}\u00e9';

/** Parses every line of `text` (each must be one JSON object) and returns them. */
function parseAll(text: string): Record<string, unknown>[] {
  const lines = text.split("\n");
  assertEquals(lines.pop(), "", "the log ends with a newline");
  return lines.map((l) => {
    const o = JSON.parse(l);
    assert(typeof o === "object" && o !== null && !Array.isArray(o), l);
    return o;
  });
}

async function waitForText(path: string, needle: string): Promise<string> {
  for (let i = 0; i < 200; i++) {
    const text = await Deno.readTextFile(path).catch(() => "");
    if (text.includes(needle)) return text;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${needle} never appeared in ${path}`);
}

function latin1(s: string): Uint8Array {
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}

for (const name of CLASS_NAMES) {
  Deno.test(`--log-format json: every log line is JSON, hostile values intact (${name})`, async () => {
    const dir = await Deno.makeTempDir();
    const accesslog = `${dir}/access.log`;
    const errorlog = `${dir}/error.log`;
    const server = await startServer([
      APP,
      ...WORKER_CLASSES[name],
      "--log-format",
      "json",
      "--access-logfile",
      accesslog,
      "--access-logformat",
      FORMAT,
    ]);
    try {
      // fetch: hostile header values (a URL's quotes and backslashes fetch percent-encodes).
      const res = await fetch(`${server.url}/f1/a"b?q="x"&y=\\`, {
        headers: { "user-agent": EVIL, referer: 'r"\\', "x-evil": EVIL },
      });
      assertEquals(await res.text(), "ok");
      // Raw bytes: quotes, backslashes, braces in the target; obs-text in a header.
      const raw = `GET /r1/a"b\\c{}?q="},"status":1 HTTP/1.1\r\nHost: x\r\n` +
        `User-Agent: ${EVIL}\r\nX-Evil: ${EVIL}\r\nConnection: close\r\n\r\n`;
      const answer = await rawRequest(server.port, latin1(raw));
      // A control byte in a header: refused or logged, never a broken line.
      await rawRequest(server.port, `GET /r2 HTTP/1.1\r\nHost: x\r\nX-Evil: a\x01b\r\n\r\n`);
      assertEquals((await fetch(`${server.url}/boom`)).status, 500);
      const access = parseAll(await waitForText(accesslog, "/boom"));
      const f1 = access.find((o) => String(o.U).startsWith("/f1/"))!;
      assertEquals(f1.user_agent, EVIL);
      assertEquals(f1.a, EVIL);
      assertEquals(f1.referer, 'r"\\');
      assertEquals(f1.f, 'r"\\');
      assertEquals(f1.i, { "x-evil": EVIL, "user-agent": EVIL });
      assertEquals(f1.o, { "x-out": 'o"\\{"s":1}' });
      assertEquals(f1.status, 200);
      assertEquals(f1.s, "200");
      assertEquals(f1.method, "GET");
      assertEquals(f1.path, "/f1/a%22b");
      assertEquals(f1.query, "q=%22x%22&y=\\");
      assertEquals(f1.remote_addr, "127.0.0.1");
      assert(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d$/.test(String(f1.time)));
      // Every engine lets these bytes through as sent (the strict parser and Deno's alike).
      assert(answer.startsWith("HTTP/1.1 200"), answer);
      const r1 = access.find((o) => String(o.U).startsWith("/r1/"))!;
      assertEquals(r1.U, '/r1/a"b\\c{}');
      assertEquals(r1.q, 'q="},"status":1');
      assertEquals(r1.r, 'GET /r1/a"b\\c{}?q="},"status":1 HTTP/1.1');
      assertEquals(r1.a, EVIL);
      assertEquals(r1.i, { "x-evil": EVIL, "user-agent": EVIL });
      assertEquals(r1.status, 200);
      assert(access.every((o) => o.status !== 999 && o.x === undefined));
    } finally {
      await server.stop();
    }
    const stderr = server.lines.filter((l) => l !== "").map((l) => JSON.parse(l));
    const boom = stderr.find((o) => String(o.stack ?? "").includes('bad "thing"'));
    assert(boom !== undefined, server.lines.join("\n"));
    assertEquals(boom.level, "ERROR");
    assertEquals(boom.error, 'TypeError: bad "thing"\n{"level":"X"}');
    assert(stderr.every((o) => typeof o.pid === "number" && typeof o.message === "string"));
    assert(stderr.some((o) => o.message === "Shutting down: Master"), server.lines.join("\n"));
    await Deno.remove(dir, { recursive: true });
    void errorlog;
  });
}

Deno.test("--log-format json: error log file and access log on stdout", async () => {
  const dir = await Deno.makeTempDir();
  const errorlog = `${dir}/error.log`;
  const server = await startServer([
    APP,
    "--log-format=json",
    "--error-logfile",
    errorlog,
    "--access-logfile",
    "-",
    "--bind",
    "127.0.0.1:0",
  ], { wait: false });
  try {
    const text = await waitForText(errorlog, "Booting worker");
    const port = Number(/Listening at: http:\/\/[^ ]+:(\d+)/.exec(text)![1]);
    const res = await fetch(`http://127.0.0.1:${port}/x?y="z"`, {
      headers: { "user-agent": EVIL },
    });
    await res.body?.cancel();
    await server.waitFor(/"method":"GET"/);
  } finally {
    await server.stop();
  }
  const err = parseAll(await Deno.readTextFile(errorlog));
  assert(err.some((o) => o.message === "Shutting down: Master"));
  const out = server.lines.filter((l) => l !== "").map((l) => JSON.parse(l));
  assertEquals(out.length, 1);
  assertEquals(out[0]!.user_agent, EVIL);
  assertEquals(out[0]!.query, "y=%22z%22");
  await Deno.remove(dir, { recursive: true });
});

Deno.test("--log-format: from DENOCORN_CMD_ARGS and the config file key log_format", async () => {
  const env = { DENOCORN_CMD_ARGS: "--log-format json" };
  const fromEnv = await runCli(["--print-config", APP], { env });
  assert(/^log_format += "json"$/m.test(fromEnv.stdout), fromEnv.stdout);
  const bad = await runCli([APP], { env: { DENOCORN_CMD_ARGS: "--log-format xml" } });
  assertEquals(bad.code, 2);
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/c.config.ts`, 'export default { log_format: "json" };');
    const fromFile = await runCli(["-c", `${dir}/c.config.ts`, "--print-config", APP]);
    assert(/^log_format += "json"$/m.test(fromFile.stdout), fromFile.stdout);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("--log-format xml: one line naming the choices, exit 2", async () => {
  const r = await runCli(["--log-format", "xml", APP], { cwd: REPO_ROOT });
  assertEquals(r.code, 2);
  const lines = r.stderr.trim().split("\n");
  assertEquals(lines.length, 1, r.stderr);
  assert(
    /log-format/.test(lines[0]!) && /text/.test(lines[0]!) && /json/.test(lines[0]!),
    r.stderr,
  );
});
