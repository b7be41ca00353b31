/**
 * @module What Deno's engine brings to `-k async` and what a worker class owes on it, against the
 * real server: WebSockets (Deno's and Hono's), request.signal, event streams, h2c, proxy headers,
 * access log and hooks, the engine choice and its fallback.
 */

import http2 from "node:http2";
import { assertEquals, assertMatch, assertStringIncludes } from "../_assert.ts";
import { runCli, startServer } from "./harness.ts";
import { sleep } from "./load.ts";

const APP = "tests/integration/apps/engine_app.ts:app";
const DENO = [APP, "-k", "async", "--http", "deno", "-w", "1"];
const dec = new TextDecoder();

/** Echoes one text and one binary message through `path`, then asks the server to close. */
async function echoOverWebSocket(url: string): Promise<{ got: unknown[]; code: number }> {
  const ws = new WebSocket(url);
  ws.binaryType = "arraybuffer";
  const closed = new Promise<CloseEvent>((r) => ws.onclose = r);
  const got: unknown[] = [];
  const two = new Promise<void>((resolve) => {
    ws.onmessage = (e) => {
      got.push(e.data instanceof ArrayBuffer ? [...new Uint8Array(e.data)] : e.data);
      if (got.length === 2) resolve();
    };
  });
  await new Promise((r, reject) => {
    ws.onopen = r;
    ws.onerror = () => reject(new Error(`Cannot open ${url}`));
  });
  ws.send("hello");
  ws.send(new Uint8Array([1, 2, 3]));
  await two;
  ws.send("close");
  return { got, code: (await closed).code };
}

Deno.test("-k async on Deno's engine echoes WebSocket text and binary, and closes, via Deno.upgradeWebSocket and Hono", async () => {
  const s = await startServer([...DENO, "--keep-alive", "1"]);
  try {
    const ws = `ws://127.0.0.1:${s.port}`;
    assertEquals(await echoOverWebSocket(`${ws}/ws`), { got: ["hello", [1, 2, 3]], code: 4000 });
    assertEquals(await echoOverWebSocket(`${ws}/hono/ws`), {
      got: ["hello", [1, 2, 3]],
      code: 4000,
    });
  } finally {
    await s.stop();
  }
});

Deno.test("-k async on Deno's engine keeps a WebSocket past --keep-alive and closes it 1001 on TERM", async () => {
  const s = await startServer([...DENO, "--keep-alive", "1"]);
  try {
    const ws = new WebSocket(`ws://127.0.0.1:${s.port}/ws`);
    const closed = new Promise<CloseEvent>((r) => ws.onclose = r);
    await new Promise((r) => ws.onopen = r);
    await sleep(2000); // twice the keep-alive idle time
    const echoed = new Promise((r) => ws.onmessage = (e) => r(e.data));
    ws.send("still here");
    assertEquals(await echoed, "still here");
    s.signal("SIGTERM");
    assertEquals((await closed).code, 1001);
    assertEquals((await s.exited).code, 0);
  } finally {
    await s.stop();
  }
});

Deno.test("-k async on Deno's engine aborts request.signal when the client disconnects", async () => {
  const s = await startServer(DENO);
  try {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: s.port });
    await conn.write(new TextEncoder().encode("GET /watch HTTP/1.1\r\nHost: x\r\n\r\n"));
    const counts = async () => await (await fetch(`${s.url}/watching`)).text();
    for (let i = 0; i < 100 && await counts() !== "1 0"; i++) await sleep(50);
    conn.close();
    for (let i = 0; i < 100 && await counts() !== "1 1"; i++) await sleep(50);
    assertEquals(await counts(), "1 1", "one request watched, one abort seen");
  } finally {
    await s.stop();
  }
});

Deno.test("-k async on Deno's engine sends an event stream's first event before the app makes the second", async () => {
  const s = await startServer(DENO);
  try {
    const res = await fetch(`${s.url}/sse`);
    const reader = res.body!.getReader();
    const first = await reader.read();
    assertEquals(dec.decode(first.value), "data: first\n\n");
    // The app produces the second event only now: a held first chunk would deadlock here.
    assertEquals(await (await fetch(`${s.url}/sse-next`)).text(), "sent\n");
    assertEquals(dec.decode((await reader.read()).value), "data: second\n\n");
    await reader.cancel();
  } finally {
    await s.stop();
  }
});

function h2get(session: http2.ClientHttp2Session, path: string): Promise<[number, string]> {
  return new Promise((resolve, reject) => {
    const req = session.request({ ":path": path });
    let status = 0;
    let body = "";
    req.on("response", (h) => status = Number(h[":status"]));
    req.setEncoding("utf8");
    req.on("data", (c: string) => body += c);
    req.on("end", () => resolve([status, body]));
    req.on("error", reject);
    req.end();
  });
}

Deno.test("-k async on Deno's engine serves HTTP/2 with prior knowledge (h2c), multiplexed", async () => {
  const s = await startServer(DENO);
  try {
    const session = http2.connect(s.url);
    const got = await Promise.all(["/pid", "/slow", "/"].map((p) => h2get(session, p)));
    session.close();
    assertEquals(got, [
      [200, String(s.workerPids()[0])],
      [200, "slow done\n"],
      [200, "Hello, world!\n"],
    ]);
  } finally {
    await s.stop();
  }
});

Deno.test("-k async on Deno's engine applies --forwarded-allow-ips to info.remoteAddr and the URL scheme", async () => {
  const proxied = { "x-forwarded-for": "203.0.113.9", "x-forwarded-proto": "https" };
  for (
    const [allow, host, scheme] of [["127.0.0.1", "203.0.113.9", "https"], [
      "10.0.0.1",
      "127.0.0.1",
      "http",
    ]]
  ) {
    const s = await startServer([...DENO, "--forwarded-allow-ips", allow!]);
    try {
      const info = await (await fetch(`${s.url}/info`, { headers: proxied })).json();
      assertEquals([info.remote.hostname, new URL(info.url).protocol], [host, `${scheme}:`], allow);
    } finally {
      await s.stop();
    }
  }
});

Deno.test("-k async on Deno's engine writes every access log atom and runs pre/post_request hooks", async () => {
  const hookLog = await Deno.makeTempFile();
  const format = "%(h)s|%(r)s|%(m)s|%(U)s|%(q)s|%(H)s|%(s)s|%(B)s|%(b)s|%(f)s|%(a)s|" +
    "%({x-test}i)s|%({content-type}o)s|%(p)s|%(u)s|%(D)s";
  const s = await startServer(
    [
      ...DENO,
      "-c",
      "tests/integration/apps/hooks.config.ts",
      "--access-logfile",
      "-",
      "--access-logformat",
      format,
    ],
    { env: { HOOK_LOG: hookLog } },
  );
  try {
    const headers = {
      "x-test": "t1",
      referer: "http://r/",
      "user-agent": "ua/1",
      "x-forwarded-for": "198.51.100.7",
    };
    assertEquals(
      await (await fetch(`${s.url}/big?n=5`, { headers })).arrayBuffer().then((b) => b.byteLength),
      5,
    );
    assertEquals(await (await fetch(`${s.url}/sse-next?x=1`, { headers })).text(), "none\n");
    const lines = [await s.waitFor(/GET \/big\?n=5 /), await s.waitFor(/GET \/sse-next\?x=1 /)];
    const pid = s.workerPids()[0];
    assertEquals(
      lines[0],
      `198.51.100.7|GET /big?n=5 HTTP/1.1|GET|/big|n=5|HTTP/1.1|200|5|5|http://r/|ua/1|t1|-|<${pid}>|-|` +
        lines[0]!.split("|").at(-1),
    );
    assertMatch(lines[0]!, /\|\d+$/, "%(D)s is the duration in microseconds");
    assertMatch(lines[1]!, /\|200\|5\|5\|.*\|text\/plain;charset=UTF-8\|/);
    const hooks = await Deno.readTextFile(hookLog);
    assertStringIncludes(hooks, "pre_request /big");
    assertStringIncludes(hooks, "post_request 200");
  } finally {
    await s.stop();
    await Deno.remove(hookLog);
  }
});

Deno.test("-k async falls back to the strict engine when detection is off, and says why once", async () => {
  const s = await startServer([APP, "-k", "async", "-w", "2"], {
    env: { DENOCORN_DENO_ENGINE: "0" },
  });
  try {
    const pids = new Set<string>();
    for (let i = 0; i < 200 && pids.size < 2; i++) {
      const res = await fetch(`${s.url}/pid`, { headers: { connection: "close" } });
      assertEquals(res.headers.get("server"), "denocorn", "denocorn's engine answers");
      pids.add(await res.text());
    }
    assertEquals(pids.size, 2, "both workers are serving");
    const said = s.lines.filter((l) => l.includes("HTTP engine for async workers"));
    assertEquals(said.length, 1, "logged by the first worker only");
    assertMatch(
      said[0]!,
      /Using denocorn's strict HTTP engine for async workers \(--http auto: disabled by DENOCORN_DENO_ENGINE=0\)$/,
    );
    const deno = await startServer([APP, "-k", "async"]);
    try {
      const own = await fetch(`${deno.url}/`);
      assertEquals(own.headers.get("server"), null, "Deno's engine sends no Server header");
      await own.body?.cancel();
      await deno.waitFor(/Using Deno's HTTP engine for async workers \(--http auto: Deno /);
    } finally {
      await deno.stop();
    }
  } finally {
    await s.stop();
  }
});

Deno.test("--http deno with a strict-only setting exits 2 naming both; auto picks the strict engine", async () => {
  const bad = await runCli([APP, "-k", "async", "--http", "deno", "--limit-request-fields", "50"]);
  assertEquals(bad.code, 2);
  assertMatch(
    bad.stderr,
    /^Error: Cannot use --limit-request-fields with --http deno: .* use --http strict \(or auto\) or drop --limit-request-fields\n$/,
  );
  const s = await startServer([APP, "-k", "async", "--limit-request-fields", "50"]);
  try {
    await s.waitFor(
      /Using denocorn's strict HTTP engine for async workers \(--http auto: --limit-request-fields needs it\)/,
    );
  } finally {
    await s.stop();
  }
});
