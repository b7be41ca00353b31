/**
 * Host over real sockets on every worker class (issue 14, item 2): a Host that is not a valid
 * `uri-host[:port]` gets 400 and a close before the app runs, so it can neither move the path the
 * app sees (`Host: x/admin?` made Deno's engine hand the app `/admin`) nor make the app's
 * `new URL()` throw (`Host: a, b`: a 500 and a stack trace per request); a valid one reaches the
 * app with the path the client sent.
 */

import { assert, assertEquals, assertStringIncludes } from "../_assert.ts";
import { readUntil, WORKER_CLASSES } from "./classes.ts";
import { startServer } from "./harness.ts";

const APP = "tests/integration/apps/probe.ts:app";
const enc = new TextEncoder();

/** Sends `bytes` on a new connection; the text until the server closes (or `ms` passed). */
async function exchange(port: number, bytes: string, ms = 5000) {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  await conn.write(enc.encode(bytes));
  const r = await readUntil(conn, () => false, ms);
  if (!r.timedOut) conn.close();
  return { text: r.text, closed: !r.timedOut };
}

/** The URL the probe app's `/info` reports, from a response that must be a 200. */
function infoUrl(text: string, what: string): URL {
  assert(text.startsWith("HTTP/1.1 200 "), `${what}: ${text}`);
  return new URL(JSON.parse(text.slice(text.indexOf("\r\n\r\n") + 4)).url);
}

const REFUSED: [string, string][] = [
  ["a path in Host", "GET /info HTTP/1.1\r\nHost: x/admin?\r\n\r\n"],
  ["a list in Host", "GET /info HTTP/1.1\r\nHost: a, b\r\n\r\n"],
  ["a comma in Host", "GET /info HTTP/1.1\r\nHost: a,b\r\n\r\n"],
  ["an empty Host", "GET /info HTTP/1.1\r\nHost:\r\n\r\n"],
  ["a port above 65535", "GET /info HTTP/1.1\r\nHost: a:65536\r\n\r\n"],
  ["a name ending in a number", "GET /info HTTP/1.1\r\nHost: 999.1.1.1\r\n\r\n"],
  ["two Host fields", "GET /info HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"],
  ["a bad Host under absolute-form", "GET http://good/info HTTP/1.1\r\nHost: x/admin?\r\n\r\n"],
  ["userinfo in absolute-form", "GET http://a@good/info HTTP/1.1\r\nHost: good\r\n\r\n"],
];

for (const [k, args] of Object.entries(WORKER_CLASSES)) {
  Deno.test(`host(${k}): an invalid Host gets 400 and a close; the app never runs`, async () => {
    const s = await startServer([APP, ...args, "-w", "1", "--access-logfile", "-"]);
    try {
      for (const [what, bytes] of REFUSED) {
        const { text, closed } = await exchange(s.port, bytes);
        assert(text.startsWith("HTTP/1.1 400 "), `${what}: ${text}`);
        assertStringIncludes(text.toLowerCase(), "connection: close\r\n", what);
        assert(closed, `${what}: the connection stays open`);
      }
      // After a good request on a kept-alive connection, a bad one still gets 400 and a close.
      const pair = await exchange(
        s.port,
        "GET /info HTTP/1.1\r\nHost: a\r\n\r\nGET /info HTTP/1.1\r\nHost: x/admin?\r\n\r\n",
      );
      if (k !== "sync") assert(/^HTTP\/1\.1 200 [^]*HTTP\/1\.1 400 /.test(pair.text), pair.text);
      assert(pair.closed, "the connection stays open after the 400");
      // A valid request still works, and nothing reached the app as /admin or crashed it.
      const ok = await exchange(
        s.port,
        "GET /info HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
      );
      assertEquals(infoUrl(ok.text, "after").pathname, "/info");
      const log = s.lines.join("\n");
      assert(!log.includes("/admin"), `the log records /admin:\n${log}`);
      assert(!log.includes("Error handling request"), `the app failed:\n${log}`);
      assertEquals(s.workerPids().length, 1, "a worker exited");
    } finally {
      await s.stop();
    }
  });

  Deno.test(`host(${k}): a valid Host reaches the app with the path the client sent`, async () => {
    const s = await startServer([APP, ...args, "-w", "1"]);
    try {
      const get = async (target: string, host: string | null) => {
        const hostLine = host === null ? "" : `Host: ${host}\r\n`;
        const bytes = `GET ${target} HTTP/1.1\r\n${hostLine}Connection: close\r\n\r\n`;
        return (await exchange(s.port, bytes)).text;
      };
      const named = infoUrl(await get("/info?q=1", "example.com:8080"), "name");
      assertEquals([named.host, named.pathname, named.search], [
        "example.com:8080",
        "/info",
        "?q=1",
      ]);
      const v6 = infoUrl(await get("/info", "[::1]:80"), "IPv6");
      assertEquals([v6.hostname, v6.pathname], ["[::1]", "/info"]);
      const v4 = infoUrl(await get("/info", "127.0.0.1:8000"), "IPv4");
      assertEquals([v4.host, v4.pathname], ["127.0.0.1:8000", "/info"]);
      // Absolute-form: the target's authority wins over Host (RFC 9112 §3.2.2) on every engine.
      const abs = infoUrl(await get("http://good.example:81/info", "other"), "absolute-form");
      assertEquals([abs.host, abs.pathname], ["good.example:81", "/info"]);
      // HTTP/1.1 without Host: 400 (RFC 9112 §3.2) where the version is known; Deno's engine does
      // not tell it (and h2c requests carry :authority instead), so the URL names the listener.
      const none = await get("/info", null);
      if (k === "async --http deno") assertEquals(infoUrl(none, "no Host").pathname, "/info");
      else assert(none.startsWith("HTTP/1.1 400 "), none);
    } finally {
      await s.stop();
    }
  });
}
