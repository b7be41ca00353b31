/**
 * @module HTTPS (`--certfile`/`--keyfile`) on `-k async`: curl over HTTP/1.1 and with `--http2`
 * (ALPN settles on HTTP/1.1), a Deno fetch client, certificate rotation by HUP under keep-alive
 * load, plain HTTP on the TLS port and TLS on a plain port, a stalled handshake, bad input.
 */

import { assert, assertEquals, assertStringIncludes } from "../_assert.ts";
import { alive, runCli, startServer } from "./harness.ts";
import { startKeepAliveLoad } from "./keepalive_client.ts";
import { sleep } from "./load.ts";
import { selfSigned } from "./pki.ts";

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

async function curl(args: string[]): Promise<string> {
  const out = await new Deno.Command("curl", {
    args: ["-sS", "--max-time", "10", ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert(out.success, new TextDecoder().decode(out.stderr));
  return new TextDecoder().decode(out.stdout);
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
  Deno.test(`-k async --certfile, ${mode.name}: curl --http1.1 and --http2, fetch, https URLs, access log`, async () => {
    await withCerts(async (_dir, { cert, key }) => {
      const s = await startServer(
        [ECHO, "-k", "async", "--certfile", cert, "--keyfile", key, ...mode.args, ...LOG],
        { env: mode.env },
      );
      try {
        await s.waitFor(mode.line);
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
      const s = await startServer([
        ECHO,
        "-k",
        "async",
        "--certfile",
        cert,
        "--keyfile",
        key,
        "--header-timeout",
        "1",
        ...mode.args,
      ]);
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
        const ok = await curl(["--cacert", cert, `https://localhost:${s.port}/d`]);
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

Deno.test("-k async --certfile: a HUP rotates the certificate and keep-alive HTTPS clients lose nothing", async () => {
  await withCerts(async (dir, a) => {
    const b = await selfSigned(dir, "b");
    const live = { cert: `${dir}/live.crt`, key: `${dir}/live.key` };
    await Deno.copyFile(a.cert, live.cert);
    await Deno.copyFile(a.key, live.key);
    const pemA = await Deno.readTextFile(a.cert), pemB = await Deno.readTextFile(b.cert);
    const s = await startServer([
      APP,
      "-k",
      "async",
      "-w",
      "2",
      "--certfile",
      live.cert,
      "--keyfile",
      live.key,
    ]);
    try {
      const tlsTo = (caCerts: string[]) => () =>
        Deno.connectTls({ hostname: "localhost", port: s.port, caCerts });
      let done = false;
      const load = startKeepAliveLoad(s.port, {
        clients: 6,
        count: 100_000,
        until: () => done,
        connect: tlsTo([pemA, pemB]),
      });
      await sleep(300);
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
      for (let i = 0; i < 200 && !newest.some((p) => load.state.bodies.has(p)); i++) {
        await sleep(50);
      }
      done = true;
      const r = await load.done;
      assertEquals(r.failures, [], "no request failed");
      assert(r.ok > 0 && r.bodies.size >= 3, `answered by ${r.bodies.size} workers`);
    } finally {
      await s.stop();
    }
  });
});

Deno.test("TLS bad input stops the server at start with one line naming the file, exit 2", async () => {
  await withCerts(async (dir, a) => {
    const b = await selfSigned(dir, "b");
    const enc = `${dir}/enc.key`;
    const out = await new Deno.Command("openssl", {
      args: ["pkey", "-in", a.key, "-aes256", "-passout", "pass:x", "-out", enc],
    }).output();
    assert(out.success);
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
