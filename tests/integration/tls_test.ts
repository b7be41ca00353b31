/**
 * @module HTTPS (`--certfile`/`--keyfile`) on `-k async`, on Deno's engine (HTTP/1.1 and HTTP/2 by
 * ALPN) and on node:tls (HTTP/1.1): curl `--http1.1` and `--http2`, Deno's fetch, certificate
 * rotation by HUP under HTTP/1.1 and HTTP/2 load and by `--reload`, WebSockets over TLS,
 * `--max-requests` and the TERM drain on HTTP/2 streams, plain HTTP on the TLS port and TLS on a
 * plain port, a stalled handshake, bad input.
 */

import { assert, assertEquals, assertStringIncludes } from "../_assert.ts";
import { alive, runCli, startServer } from "./harness.ts";
import { startKeepAliveLoad } from "./keepalive_client.ts";
import { sleep } from "./load.ts";
import { selfSigned } from "./pki.ts";
import { encryptedKey } from "./x509.ts";
import { CURL, NO_CURL } from "./tools.ts";

const APP = "tests/integration/apps/engine_app.ts:app";
const ECHO = "tests/integration/apps/url_echo.ts:app";
/** Access lines on stdout, the HTTP version twice: in the request line and as `%(H)s`. */
const LOG = ["--access-logfile", "-", "--access-logformat", 'ACCESS "%(r)s" %(s)s %(H)s'];

async function withCerts(fn: (dir: string, pair: { cert: string; key: string }) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "denocorn-tls-" });
  try {
    await fn(dir, await selfSigned(dir, "a"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** A copy of `pair` as `dir`/live.{crt,key}: the files a test replaces to rotate the certificate. */
async function liveCopy(dir: string, pair: { cert: string; key: string }) {
  const live = { cert: `${dir}/live.crt`, key: `${dir}/live.key` };
  await Deno.copyFile(pair.cert, live.cert);
  await Deno.copyFile(pair.key, live.key);
  return live;
}

/** denocorn's arguments to serve `app` over HTTPS with `pair` (`-k async`), then `more`. */
function https(app: string, pair: { cert: string; key: string }, ...more: string[]): string[] {
  return [app, "-k", "async", "--certfile", pair.cert, "--keyfile", pair.key, ...more];
}

/**
 * GETs `url` over HTTPS with Deno's fetch, trusting only certificate file `cert` (HTTP/2 only when
 * `http2`, else either): the status and body.
 */
async function get(cert: string, url: string, http2?: true): Promise<[number, string]> {
  const caCerts = [await Deno.readTextFile(cert)];
  const client = Deno.createHttpClient(http2 ? { caCerts, http1: false, http2 } : { caCerts });
  try {
    const res = await fetch(url, { client });
    return [res.status, await res.text()];
  } finally {
    client.close();
  }
}

async function curl(args: string[]): Promise<string> {
  const out = await new Deno.Command("curl", {
    args: ["-sS", "--max-time", "10", ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert(out.success, new TextDecoder().decode(out.stderr));
  return new TextDecoder().decode(out.stdout);
}

/** What an HTTP/2 load saw: answers (pids of `/pid`) and every request that failed. */
interface H2Result {
  ok: number;
  bodies: Set<string>;
  failures: string[];
}

/**
 * `clients` HTTP/2 clients (Deno's fetch, each its own connection, h2 only by ALPN) GETting
 * `/pid` back to back until `until()`; they never retry, so a lost request is a failure.
 */
function h2Load(
  port: number,
  caCerts: string[],
  clients: number,
  until: () => boolean,
): { state: H2Result; done: Promise<H2Result> } {
  const state: H2Result = { ok: 0, bodies: new Set(), failures: [] };
  const one = async () => {
    const client = Deno.createHttpClient({ caCerts, http1: false, http2: true });
    try {
      while (!until()) {
        try {
          const res = await fetch(`https://localhost:${port}/pid`, { client });
          const body = await res.text();
          if (res.status !== 200) state.failures.push(`${res.status} ${body}`);
          else (state.ok++, state.bodies.add(body));
        } catch (e) {
          state.failures.push(String(e));
        }
      }
    } finally {
      client.close();
    }
  };
  const done = Promise.all(Array.from({ length: clients }, one)).then(() => state);
  return { state, done };
}

/** The ways `-k async` serves HTTPS, with the HTTP version curl `--http2` gets and the log line. */
const MODES = [
  {
    name: "Deno's engine (TLS listener grafted)",
    args: [] as string[],
    env: {} as Record<string, string>,
    h2: "2",
    line: /Accepting connections through Deno's TLS listener .*HTTP\/1\.1 and HTTP\/2 by ALPN/,
  },
  {
    name: "--http strict (node:tls)",
    args: ["--http", "strict"],
    env: {},
    h2: "1.1",
    line: /Using denocorn's strict HTTP engine for async workers \(--http strict\)/,
  },
  {
    name: "Deno's engine without the graft (node:tls fallback)",
    args: [],
    env: { DENOCORN_DENO_GRAFT: "0" },
    h2: "1.1",
    line: /Serving HTTPS with node:tls on denocorn's strict engine, HTTP\/1\.1 only \(no graft: /,
  },
];

for (const mode of MODES) {
  Deno.test({
    name:
      `-k async --certfile, ${mode.name}: curl --http1.1 and --http2, fetch, https URLs, access log`,
    ignore: CURL === null,
  }, async () => {
    assert(CURL !== null, NO_CURL);
    await withCerts(async (_dir, { cert, key }) => {
      const s = await startServer(
        https(ECHO, { cert, key }, ...mode.args, ...LOG),
        { env: mode.env },
      );
      try {
        await s.waitFor(mode.line);
        assertEquals(s.url, `https://127.0.0.1:${s.port}`, "Listening at: https://...");
        const base = `https://localhost:${s.port}`;
        const h1 = await curl([
          "--http1.1",
          "--cacert",
          cert,
          "-w",
          " %{http_version}",
          `${base}/a`,
        ]);
        assertEquals(h1, `GET ${base}/a null 1.1`);
        // curl offers h2 and http/1.1 by ALPN: Deno's TLS listener takes h2, node:tls HTTP/1.1.
        const h2 = await curl(["--http2", "--cacert", cert, "-w", " %{http_version}", `${base}/b`]);
        assertEquals(h2, `GET ${base}/b null ${mode.h2}`);
        const client = Deno.createHttpClient({ caCerts: [await Deno.readTextFile(cert)] });
        try {
          const res = await fetch(`${base}/c`, { client, method: "POST", body: "x" });
          assertEquals(await res.text(), `POST ${base}/c text/plain;charset=UTF-8`);
        } finally {
          client.close();
        }
        const h = mode.h2 === "2" ? "2.0" : "1.1";
        await s.waitFor(/^ACCESS "POST \/c /);
        const access = s.lines.filter((l) => l.startsWith("ACCESS "));
        assertEquals(access, [
          `ACCESS "GET /a HTTP/1.1" 200 HTTP/1.1`,
          `ACCESS "GET /b HTTP/${h}" 200 HTTP/${h}`,
          `ACCESS "POST /c HTTP/${h}" 200 HTTP/${h}`,
        ]);
      } finally {
        await s.stop();
      }
    });
  });
}

for (const mode of MODES.slice(0, 2)) {
  Deno.test(`-k async --certfile, ${mode.name}: closes plain HTTP sent to it, a stalled handshake by --header-timeout, and its worker serves on`, async () => {
    await withCerts(async (_dir, { cert, key }) => {
      const s = await startServer(
        https(ECHO, { cert, key }, "--header-timeout", "1", ...mode.args),
      );
      try {
        await s.waitFor(/Booting worker/);
        const pid = s.workerPids()[0]!;
        // Plain HTTP: the TLS layer refuses it and the connection ends.
        const plain = await Deno.connect({ hostname: "127.0.0.1", port: s.port });
        await plain.write(new TextEncoder().encode("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
        const buf = new Uint8Array(4096);
        while ((await plain.read(buf).catch(() => null)) !== null) { /* until closed */ }
        plain.close();
        // A TLS ClientHello's first bytes, then nothing: cut by --header-timeout.
        const stalled = await Deno.connect({ hostname: "127.0.0.1", port: s.port });
        await stalled.write(new Uint8Array([0x16, 0x03, 0x01, 0x00, 0xc8, 0x01]));
        const t0 = performance.now();
        while ((await stalled.read(buf).catch(() => null)) !== null) { /* until closed */ }
        stalled.close();
        assert(performance.now() - t0 < 20_000, "the stalled handshake was cut");
        assert(alive(pid), "the worker is alive");
        const [, ok] = await get(cert, `https://localhost:${s.port}/d`);
        assertStringIncludes(ok, `https://localhost:${s.port}/d`);
        assertEquals(s.workerPids(), [pid], "no worker was replaced");
        assert(!s.lines.some((l) => /\[ERROR\]/.test(l)), s.lines.join("\n"));
      } finally {
        await s.stop();
      }
    });
  });
}

for (const engine of ["strict", "deno"]) {
  Deno.test(`-k async --http ${engine} without TLS closes a TLS handshake sent to it without a worker error`, async () => {
    await withCerts(async (_dir, { cert }) => {
      const s = await startServer([ECHO, "-k", "async", "--http", engine]);
      try {
        await s.waitFor(/Booting worker/);
        const caCerts = [await Deno.readTextFile(cert)];
        const failed = await Deno.connectTls({ hostname: "127.0.0.1", port: s.port, caCerts })
          .then(async (c) => {
            try {
              await c.handshake();
              return false;
            } catch {
              return true;
            } finally {
              c.close();
            }
          }, () => true);
        assert(failed, "the handshake failed");
        assertStringIncludes(await (await fetch(`${s.url}/e`)).text(), "/e");
        assert(!s.lines.some((l) => /\[ERROR\]/.test(l)), s.lines.join("\n"));
      } finally {
        await s.stop();
      }
    });
  });
}

Deno.test("-k async --certfile: a HUP rotates the certificate, then a TTOU retires a worker, and keep-alive HTTPS clients (HTTP/1.1 and HTTP/2) lose nothing", async () => {
  await withCerts(async (dir, a) => {
    const b = await selfSigned(dir, "b");
    const live = await liveCopy(dir, a);
    const pemA = await Deno.readTextFile(a.cert), pemB = await Deno.readTextFile(b.cert);
    const s = await startServer(https(APP, live, "-w", "2"));
    try {
      const tlsTo = (caCerts: string[]) => () =>
        Deno.connectTls({ hostname: "localhost", port: s.port, caCerts });
      let done = false;
      const load = startKeepAliveLoad(s.port, {
        clients: 4,
        count: 100_000,
        until: () => done,
        connect: tlsTo([pemA, pemB]),
      });
      const h2 = h2Load(s.port, [pemA, pemB], 3, () => done);
      for (let i = 0; i < 200 && (h2.state.ok === 0 || load.state.ok === 0); i++) await sleep(50);
      await sleep(100);
      const old = s.workerPids().map(String);
      await Deno.copyFile(b.cert, live.cert);
      await Deno.copyFile(b.key, live.key);
      s.signal("SIGHUP");
      const exited = () => s.lines.filter((l) => /Worker exiting/.test(l)).length;
      for (let i = 0; i < 400 && exited() < 2; i++) await sleep(50);
      assertEquals(exited(), 2, "the old workers exited");
      const onlyB = await tlsTo([pemB])();
      await onlyB.handshake();
      onlyB.close();
      const newest = s.workerPids().slice(-2).map(String);
      const reached = () =>
        [load.state, h2.state].every((st) => newest.some((p) => st.bodies.has(p)));
      for (let i = 0; i < 200 && !reached(); i++) await sleep(50);
      // TTOU under the same load: one worker retires, the other serves on.
      s.signal("SIGTTOU");
      for (let i = 0; i < 400 && exited() < 3; i++) await sleep(50);
      assertEquals(exited(), 3, "TTOU retired a worker");
      done = true;
      const r = await load.done, r2 = await h2.done;
      assertEquals(r.failures, [], "no HTTP/1.1 request failed");
      assertEquals(r2.failures, [], "no HTTP/2 request failed");
      for (const [what, { bodies }] of [["HTTP/1.1", r], ["HTTP/2", r2]] as const) {
        const by = [...bodies];
        assert(by.some((p) => old.includes(p)), `${what} answered by the old workers: ${by}`);
        assert(by.some((p) => newest.includes(p)), `${what} answered by the new workers: ${by}`);
      }
    } finally {
      await s.stop();
    }
  });
});

Deno.test("-k async --certfile: with a broken certificate file, a HUP changes nothing and a respawned worker backs off while the others serve", async () => {
  await withCerts(async (dir, a) => {
    const live = await liveCopy(dir, a);
    // At debug level every worker says when it accepts (the first one at info).
    const s = await startServer(https(ECHO, live, "-w", "2", "--log-level", "debug"));
    const x = async () => (await get(a.cert, `https://localhost:${s.port}/x`))[1];
    try {
      for (
        let i = 0;
        i < 100 && s.lines.filter((l) => /Accepting connections/.test(l)).length < 2;
        i++
      ) {
        await sleep(50);
      }
      const pids = s.workerPids();
      await Deno.writeTextFile(live.cert, "not a certificate\n");
      s.signal("SIGHUP");
      await s.waitFor(
        /Cannot reload the configuration: Cannot use --certfile ".*live\.crt": not a PEM/,
      );
      assertStringIncludes(await x(), `https://localhost:${s.port}/x`);
      assertEquals(s.workerPids(), pids, "no worker was replaced");
      // A worker that dies now is respawned, cannot read the file and waits, not in a loop.
      Deno.kill(pids[0]!, "SIGKILL");
      await s.waitFor(
        /before it booted: .*Worker cannot serve HTTPS: Cannot use --certfile .*; next worker in 1s/,
      );
      assertStringIncludes(await x(), `https://localhost:${s.port}/x`); // the other serves
      await Deno.copyFile(a.cert, live.cert);
      for (
        let i = 0;
        i < 200 && s.lines.filter((l) => /Accepting connections/.test(l)).length < 3;
        i++
      ) {
        await sleep(50);
      }
      const boots = s.lines.filter((l) => /Booting worker/.test(l)).length;
      assert(boots <= 6, `${boots} boots: the respawns backed off`);
      assertEquals(
        s.lines.filter((l) => /Accepting connections/.test(l)).length,
        3,
        "a worker booted once the file was good",
      );
    } finally {
      await s.stop();
    }
  });
});

Deno.test("-k async --certfile --reload: a renewed certificate file reloads the workers, which serve it", async () => {
  await withCerts(async (dir, a) => {
    const b = await selfSigned(dir, "b");
    const live = await liveCopy(dir, a);
    const pemB = await Deno.readTextFile(b.cert);
    const s = await startServer(https(ECHO, live, "--reload"));
    try {
      await s.waitFor(/Booting worker/);
      await sleep(300); // the watcher is up
      // The key first: a reload in between would boot a worker with a pair that does not match.
      await Deno.copyFile(b.key, `${dir}/next.key`);
      await Deno.copyFile(b.cert, `${dir}/next.crt`);
      await Deno.rename(`${dir}/next.key`, live.key);
      await Deno.rename(`${dir}/next.crt`, live.cert);
      await s.waitFor(/Reloading: .*live\.(crt|key) modified/);
      let served = "";
      for (let i = 0; i < 100 && served === ""; i++) {
        const client = Deno.createHttpClient({ caCerts: [pemB] });
        served = await fetch(`https://localhost:${s.port}/b`, { client })
          .then((r) => r.text(), () => "");
        client.close();
        if (served === "") await sleep(100);
      }
      assertStringIncludes(served, `https://localhost:${s.port}/b`);
    } finally {
      await s.stop();
    }
  });
});

/** Reads from `conn` until at least `n` bytes came (or it closed); the bytes read. */
async function readAtLeast(conn: Deno.Conn, n: number): Promise<Uint8Array> {
  const out: number[] = [];
  const chunk = new Uint8Array(4096);
  while (out.length < n) {
    const got = await conn.read(chunk);
    if (got === null) break;
    out.push(...chunk.subarray(0, got));
  }
  return new Uint8Array(out);
}

Deno.test("-k async --certfile: a WebSocket over TLS (wss) upgrades and echoes on Deno's engine", async () => {
  await withCerts(async (_dir, { cert, key }) => {
    const s = await startServer(https(APP, { cert, key }));
    try {
      const caCerts = [await Deno.readTextFile(cert)];
      const conn = await Deno.connectTls({ hostname: "localhost", port: s.port, caCerts });
      try {
        await conn.write(new TextEncoder().encode(
          "GET /ws HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
        ));
        let head = "";
        const chunk = new Uint8Array(4096);
        while (!head.includes("\r\n\r\n")) {
          const n = await conn.read(chunk);
          assert(n !== null, `closed after ${JSON.stringify(head)}`);
          head += new TextDecoder().decode(chunk.subarray(0, n));
        }
        assert(head.startsWith("HTTP/1.1 101"), head);
        assertStringIncludes(
          head.toLowerCase(),
          "sec-websocket-accept: s3pplmbitxaq9kygzzhzrbk+xoo=",
        );
        // A masked text frame "hi" (client frames are masked; the mask is applied by XOR).
        const mask = [1, 2, 3, 4];
        const payload = [..."hi"].map((c, i) => c.charCodeAt(0) ^ mask[i % 4]!);
        await conn.write(new Uint8Array([0x81, 0x80 | 2, ...mask, ...payload]));
        const frame = await readAtLeast(conn, 4);
        assertEquals([...frame.subarray(0, 2)], [0x81, 2], "an unmasked text frame of 2 bytes");
        assertEquals(new TextDecoder().decode(frame.subarray(2, 4)), "hi");
      } finally {
        conn.close();
      }
    } finally {
      await s.stop();
    }
  });
});

Deno.test("-k async --certfile --max-requests on HTTP/2: streams count as requests, the worker recycles, no request is lost", async () => {
  await withCerts(async (_dir, { cert, key }) => {
    const s = await startServer(https(APP, { cert, key }, "--max-requests", "3", ...LOG));
    try {
      await s.waitFor(/Booting worker/);
      // One HTTP/2-only client: its requests, one after the other, share a connection while it
      // lasts, and it never retries one.
      const caCerts = [await Deno.readTextFile(cert)];
      const client = Deno.createHttpClient({ caCerts, http1: false, http2: true });
      const answers: string[] = [];
      try {
        for (let i = 0; i < 8; i++) {
          const res = await fetch(`https://localhost:${s.port}/pid`, { client });
          answers.push(`${res.status} ${await res.text()}`);
        }
      } finally {
        client.close();
      }
      assert(answers.every((a) => a.startsWith("200 ")), answers.join(", "));
      const pids = new Set(answers);
      assert(pids.size >= 2, `answered by ${[...pids]}`);
      await s.waitFor(/Autorestarting worker after current request/);
      const access = () => s.lines.filter((l) => l.startsWith("ACCESS "));
      for (let i = 0; i < 100 && access().length < 8; i++) await sleep(50);
      assertEquals(access(), Array(8).fill('ACCESS "GET /pid HTTP/2.0" 200 HTTP/2.0'));
    } finally {
      await s.stop();
    }
  });
});

Deno.test("-k async --certfile: TERM lets HTTP/2 streams in flight finish, then the server exits 0", async () => {
  await withCerts(async (_dir, { cert, key }) => {
    const s = await startServer(https(APP, { cert, key }));
    const client = Deno.createHttpClient({
      caCerts: [await Deno.readTextFile(cert)],
      http1: false,
      http2: true,
    });
    try {
      await s.waitFor(/Booting worker/);
      const base = `https://localhost:${s.port}`;
      assertEquals((await fetch(`${base}/`, { client })).status, 200); // one connection, h2
      const slow = Array.from(
        { length: 5 },
        () => fetch(`${base}/slow`, { client }).then((r) => r.text(), (e) => String(e)),
      );
      await sleep(100); // the streams reached the app (it answers after 300 ms)
      s.signal("SIGTERM");
      assertEquals(await Promise.all(slow), Array(5).fill("slow done\n"));
      assertEquals((await s.exited).code, 0);
    } finally {
      client.close();
      await s.stop();
    }
  });
});

Deno.test("-k async --certfile past --worker-connections: idle TLS connections and stalled handshakes are shed, new clients are served", async () => {
  await withCerts(async (_dir, { cert, key }) => {
    // --header-timeout 3: a new connection may be shed after half of it. At debug level the
    // worker says when it sheds (else the deadline alone could free the room).
    const limits = ["-w", "1", "--worker-connections", "4", "--header-timeout", "3"];
    limits.push("--log-level", "debug");
    const s = await startServer(https(APP, { cert, key }, ...limits));
    const held: Deno.Conn[] = [];
    try {
      await s.waitFor(/Accepting connections through Deno's TLS listener/);
      const pid = s.workerPids()[0]!;
      const caCerts = [await Deno.readTextFile(cert)];
      // Twice the limit held open: handshaken and idle, and TCP only (a handshake never started).
      for (let i = 0; i < 4; i++) {
        const tls = await Deno.connectTls({ hostname: "localhost", port: s.port, caCerts });
        await tls.handshake();
        held.push(tls, await Deno.connect({ hostname: "127.0.0.1", port: s.port }));
      }
      await sleep(200);
      for (const http2 of [true, false]) {
        const client = Deno.createHttpClient({ caCerts, http1: !http2, http2 });
        try {
          const res = await fetch(`https://localhost:${s.port}/pid`, { client });
          assertEquals([res.status, await res.text()], [200, String(pid)]);
        } finally {
          client.close();
        }
      }
      assertEquals(s.workerPids(), [pid], "the worker serves on");
      const shed = s.lines.filter((l) => /--worker-connections reached/.test(l));
      assert(shed.length >= 2, `connections were shed for the new clients: ${shed.length}`);
      assert(!s.lines.some((l) => /\[ERROR\]|exited with code/.test(l)), s.lines.join("\n"));
    } finally {
      for (const c of held) c.close();
      await s.stop();
    }
  });
});

Deno.test("-k async --certfile on Deno's engine: hostile TLS clients (garbage, cut hellos, a slowloris, requests cut mid-body, WebSockets left open) never end the worker", async () => {
  await withCerts(async (_dir, { cert, key }) => {
    const s = await startServer(https(APP, { cert, key }, "-w", "1", "--header-timeout", "2"));
    try {
      await s.waitFor(/Accepting connections through Deno's TLS listener/);
      const pid = s.workerPids()[0]!;
      const caCerts = [await Deno.readTextFile(cert)];
      const hello = new Uint8Array([
        0x16,
        0x03,
        0x01,
        0x02,
        0x00,
        0x01,
        0x00,
        0x01,
        0xfc,
        0x03,
        0x03,
      ]);
      const attacks: (() => Promise<void>)[] = [
        async () => { // random bytes, then gone
          const c = await Deno.connect({ hostname: "127.0.0.1", port: s.port });
          await c.write(crypto.getRandomValues(new Uint8Array(512))).catch(() => 0);
          c.close();
        },
        async () => { // the start of a ClientHello, then gone
          const c = await Deno.connect({ hostname: "127.0.0.1", port: s.port });
          await c.write(hello).catch(() => 0);
          c.close();
        },
        async () => { // a handshake, half a request with a body, then gone
          const c = await Deno.connectTls({ hostname: "localhost", port: s.port, caCerts });
          await c.write(new TextEncoder().encode(
            "POST /echo HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100000\r\n\r\nxx",
          )).catch(() => 0);
          c.close();
        },
        async () => { // an HTTP/2 request cut while its body streams
          const client = Deno.createHttpClient({ caCerts, http1: false, http2: true });
          const ac = new AbortController();
          const body = new ReadableStream({
            pull: (c) => (c.enqueue(new Uint8Array(1024)), ac.abort()),
          });
          await fetch(`https://localhost:${s.port}/echo`, {
            client,
            method: "POST",
            body,
            signal: ac.signal,
          }).then((r) => r.body?.cancel(), () => {});
          client.close();
        },
        async () => { // a WebSocket upgrade, then gone without a close frame
          const c = await Deno.connectTls({ hostname: "localhost", port: s.port, caCerts });
          await c.write(new TextEncoder().encode(
            "GET /ws HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
              "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
          )).catch(() => 0);
          await c.read(new Uint8Array(512)).catch(() => null);
          c.close();
        },
      ];
      // A slowloris over TLS: handshaken, then a head a byte every 300 ms, never finished.
      const slow = await Deno.connectTls({ hostname: "localhost", port: s.port, caCerts });
      await slow.handshake();
      let cut = false;
      const trickle = (async () => {
        for (
          const b of new TextEncoder().encode("GET /pid HTTP/1.1\r\nHost: localhost\r\nX-A: b")
        ) {
          if (await slow.write(new Uint8Array([b])).then(() => false, () => true)) break;
          await sleep(300);
        }
      })();
      const closed = slow.read(new Uint8Array(64)).then(() => cut = true, () => cut = true);
      for (let round = 0; round < 6; round++) await Promise.all(attacks.map((a) => a()));
      const client = Deno.createHttpClient({ caCerts });
      try {
        const res = await fetch(`https://localhost:${s.port}/pid`, { client });
        assertEquals(await res.text(), String(pid));
      } finally {
        client.close();
      }
      await sleep(2500); // past --header-timeout: the cut hellos are closed by now
      assert(cut, "the TLS slowloris was cut by --header-timeout");
      await closed;
      slow.close();
      await trickle;
      assert(alive(pid), "the worker is alive");
      assertEquals(s.workerPids(), [pid], "no worker was replaced");
      const bad = s.lines.filter((l) => /\[ERROR\]|Uncaught|panicked|exited with code/.test(l));
      assertEquals(bad, [], s.lines.join("\n"));
    } finally {
      await s.stop();
    }
  });
});

Deno.test("TLS bad input stops the server at start with one line naming the file, exit 2", async () => {
  await withCerts(async (dir, a) => {
    const b = await selfSigned(dir, "b");
    const enc = `${dir}/enc.key`;
    await Deno.writeTextFile(enc, encryptedKey(await Deno.readTextFile(a.key), "x"));
    const cases: [string[], RegExp][] = [
      [
        ["--certfile", `${dir}/none.crt`, "--keyfile", a.key],
        /Cannot read --certfile ".*none\.crt": no such file/,
      ],
      [
        ["--certfile", a.cert, "--keyfile", b.key],
        /Cannot use --keyfile ".*b\.key": it does not match --certfile/,
      ],
      [
        ["--certfile", a.cert, "--keyfile", enc],
        /Cannot use --keyfile ".*enc\.key": the key is passphrase-protected/,
      ],
      [
        ["--certfile", a.key, "--keyfile", a.key],
        /Cannot use --certfile ".*a\.key": not a PEM certificate/,
      ],
      [["--certfile", a.cert], /Cannot use --certfile without --keyfile/],
      [["-k", "sync", "--certfile", a.cert, "--keyfile", a.key], /with -k sync: .*use -k async/],
    ];
    for (const [args, re] of cases) {
      const r = await runCli([ECHO, "-b", "127.0.0.1:0", "-k", "async", ...args]);
      const lines = r.stderr.trimEnd().split("\n");
      assertEquals(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
      assertEquals(lines.length, 1, r.stderr);
      assert(re.test(lines[0]!), `${args.join(" ")}: ${lines[0]}`);
    }
  });
});
