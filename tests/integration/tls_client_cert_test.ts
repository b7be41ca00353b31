/**
 * @module Client certificates (`--ca-certs`, `--cert-reqs`) on `-k async` over TLS: pki.ts makes a
 * throwaway CA, a server certificate, a client certificate from the CA and one from another CA;
 * curl (and Deno's fetch) present them. A refused client is closed and the worker serves on.
 */

import { CURL, NO_CURL } from "./tools.ts";
import { assert, assertEquals } from "../_assert.ts";
import { alive, runCli, startServer } from "./harness.ts";
import { withPki } from "./pki.ts";

const APP = "tests/integration/apps/client_cert_app.ts:app";

/** curl over HTTPS with `as` (a client certificate's name, or null for none): body, or null if refused. */
async function curl(dir: string, port: number, as: string | null): Promise<string | null> {
  const cert = as === null ? [] : ["--cert", `${dir}/${as}.crt`, "--key", `${dir}/${as}.key`];
  const out = await new Deno.Command("curl", {
    args: [
      "-sS",
      "--max-time",
      "10",
      "--cacert",
      `${dir}/ca.crt`,
      ...cert,
      `https://localhost:${port}/`,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  return out.success ? new TextDecoder().decode(out.stdout) : null;
}

/** `-k async` serving HTTPS with the PKI's server certificate. */
function httpsArgs(dir: string): string[] {
  return [APP, "-k", "async", "--certfile", `${dir}/server.crt`, "--keyfile", `${dir}/server.key`];
}

function serverArgs(dir: string, reqs: string): string[] {
  return [
    "--log-level",
    "debug",
    ...httpsArgs(dir),
    "--ca-certs",
    `${dir}/ca.crt`,
    "--cert-reqs",
    reqs,
  ];
}

Deno.test({
  name:
    "--cert-reqs required: no certificate and another CA's are refused, the CA's is served and seen by the app",
  ignore: CURL === null,
}, async () => {
  assert(CURL !== null, NO_CURL);
  await withPki(async (dir) => {
    const s = await startServer(serverArgs(dir, "required"));
    try {
      await s.waitFor(/Booting worker/);
      const [pid] = s.workerPids();
      const good = "subject=CN=alice;O=Test";
      assertEquals(await curl(dir, s.port, "client"), good);
      assertEquals(await curl(dir, s.port, null), null, "no certificate: refused");
      assertEquals(await curl(dir, s.port, "client"), good, "the worker serves on");
      assertEquals(await curl(dir, s.port, "other"), null, "another CA's certificate: refused");
      assertEquals(await curl(dir, s.port, "client"), good, "the worker serves on");
      assertEquals(await curl(dir, s.port, "expired"), null, "an expired certificate: refused");
      // The CA's server certificate lacks the clientAuth key usage: webpki refuses it.
      assertEquals(await curl(dir, s.port, "server"), null, "not a client certificate");
      // Deno's fetch presents a client certificate too.
      const client = Deno.createHttpClient({
        caCerts: [await Deno.readTextFile(`${dir}/ca.crt`)],
        cert: await Deno.readTextFile(`${dir}/client.crt`),
        key: await Deno.readTextFile(`${dir}/client.key`),
      });
      try {
        const res = await fetch(`https://localhost:${s.port}/`, { client });
        assertEquals(await res.text(), good);
      } finally {
        client.close();
      }
      assertEquals(s.workerPids(), [pid!], "no worker was replaced");
      // Only the four served requests reached the app: a refused client's request never does.
      await s.waitFor(/TLS client certificate refused: CERT_HAS_EXPIRED/);
      assertEquals(
        s.lines.filter((l) => l.includes("served subject=")).length,
        4,
        s.lines.join("\n"),
      );
      assert(alive(pid!));
      assert(!s.lines.some((l) => /\[ERROR\]|Traceback|Uncaught/.test(l)), s.lines.join("\n"));
    } finally {
      await s.stop();
    }
  });
});

Deno.test({
  name:
    "--cert-reqs optional serves a client without a certificate, verifies one sent; none never asks",
  ignore: CURL === null,
}, async () => {
  assert(CURL !== null, NO_CURL);
  await withPki(async (dir) => {
    const s = await startServer(serverArgs(dir, "1"));
    try {
      assertEquals(await curl(dir, s.port, null), "subject=none");
      assertEquals(await curl(dir, s.port, "client"), "subject=CN=alice;O=Test");
      assertEquals(await curl(dir, s.port, "other"), null, "a certificate the CAs do not verify");
      assertEquals(await curl(dir, s.port, null), "subject=none", "the worker serves on");
    } finally {
      await s.stop();
    }
    const n = await startServer(httpsArgs(dir));
    try {
      // Not asked, curl sends none: the app sees null, whatever the client holds.
      assertEquals(await curl(dir, n.port, "client"), "subject=none");
      assertEquals(await curl(dir, n.port, "other"), "subject=none");
    } finally {
      await n.stop();
    }
  });
});

Deno.test("--ca-certs/--cert-reqs bad input stops the server at start with one line, exit 2", async () => {
  await withPki(async (dir) => {
    const tls = ["--certfile", `${dir}/server.crt`, "--keyfile", `${dir}/server.key`];
    const cases: [string[], RegExp][] = [
      [[...tls, "--cert-reqs", "maybe"], /--cert-reqs.*expected one of none, optional, required/],
      [[...tls, "--cert-reqs", "3"], /--cert-reqs.*expected one of none, optional, required/],
      [
        ["--cert-reqs", "required", "--ca-certs", `${dir}/ca.crt`],
        /--cert-reqs required without --certfile/,
      ],
      [[...tls, "--cert-reqs", "2"], /--cert-reqs required without --ca-certs/],
      [[...tls, "--ca-certs", `${dir}/ca.crt`], /--ca-certs with --cert-reqs none/],
      [
        [...tls, "--cert-reqs", "2", "--ca-certs", `${dir}/none.crt`],
        /Cannot read --ca-certs ".*none\.crt": no such file/,
      ],
      [
        [...tls, "--cert-reqs", "2", "--ca-certs", `${dir}/ca.key`],
        /Cannot use --ca-certs ".*ca\.key": not a PEM bundle/,
      ],
      [
        [...tls, "--cert-reqs", "2", "--ca-certs", `${dir}/client.crt`],
        /Cannot use --ca-certs ".*client\.crt": not a PEM bundle of CA/,
      ],
      [
        ["--http", "deno", ...tls, "--cert-reqs", "2", "--ca-certs", `${dir}/ca.crt`],
        /Cannot use --cert-reqs with --http deno: Deno's TLS listener cannot request client/,
      ],
    ];
    await Deno.chmod(`${dir}/ca2.crt`, 0o000);
    if (Deno.uid() !== 0) {
      cases.push([
        [...tls, "--cert-reqs", "2", "--ca-certs", `${dir}/ca2.crt`],
        /Cannot read --ca-certs ".*ca2\.crt"/,
      ]);
    }
    for (const [args, re] of cases) {
      const r = await runCli([APP, "-b", "127.0.0.1:0", "-k", "async", ...args]);
      const lines = r.stderr.trimEnd().split("\n");
      assertEquals(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
      assertEquals(lines.length, 1, r.stderr);
      assert(re.test(lines[0]!), `${args.join(" ")}: ${lines[0]}`);
    }
  });
});
