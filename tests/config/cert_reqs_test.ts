/** @module Tests for `--cert-reqs`/`--ca-certs`: parsing (gunicorn's numbers too), the combination rules, the CA file check. */

import { assertEquals, assertThrows } from "../_assert.ts";
import { ConfigError, loadConfigFile, parseCommandLine } from "../../lib/config/mod.ts";
import { engineConflict, strictOnlyInUse } from "../../lib/config/engine_rule.ts";
import {
  clientAuthOptions,
  clientCertConflict,
  loadClientCa,
} from "../../lib/workers/tls/client_certs.ts";
import { makeCa } from "../integration/pki.ts";

const DEFINE = new URL("../../lib/config/mod.ts", import.meta.url).href;

Deno.test("--cert-reqs takes none/optional/required in any case and gunicorn's 0/1/2", () => {
  const read = (v: string) => parseCommandLine(["--cert-reqs", v]).values.cert_reqs;
  assertEquals(
    ["0", "1", "2", "none", "Optional", "REQUIRED"].map(read),
    ["none", "optional", "required", "none", "optional", "required"],
  );
  assertEquals(parseCommandLine([]).values.cert_reqs, undefined, "unset on the command line");
  for (const bad of ["3", "-1", "maybe", ""]) {
    assertEquals(
      assertThrows(() => parseCommandLine(["--cert-reqs", bad]), ConfigError).message,
      `Cannot parse --cert-reqs "${bad}": expected one of none, optional, required`,
    );
  }
});

Deno.test("a config file sets cert_reqs by name or by gunicorn's number (ssl.CERT_REQUIRED is 2)", async () => {
  const dir = Deno.makeTempDirSync();
  try {
    for (
      const [raw, want] of [["2", "required"], ['"optional"', "optional"], ["0", "none"]] as [
        string,
        string,
      ][]
    ) {
      const path = `${dir}/c${raw.length}${want}.ts`;
      Deno.writeTextFileSync(
        path,
        `import { defineConfig } from "${DEFINE}";\n` +
          `export default defineConfig({ cert_reqs: ${raw}, ca_certs: "ca.pem" } as never);\n`,
      );
      const { values } = await loadConfigFile(path);
      assertEquals([values.cert_reqs, values.ca_certs], [want, "ca.pem"]);
    }
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("clientCertConflict(): --cert-reqs needs --certfile and --ca-certs; --ca-certs needs --cert-reqs", () => {
  const tls = { certfile: "c.pem", keyfile: "k.pem", ca_certs: "ca.pem" };
  assertEquals(clientCertConflict({ ...tls, cert_reqs: "required" }), null);
  assertEquals(clientCertConflict({ ...tls, cert_reqs: "optional" }), null);
  assertEquals(clientCertConflict({ ...tls, ca_certs: null, cert_reqs: "none" }), null);
  assertEquals(
    clientCertConflict({ ...tls, certfile: null, keyfile: null, cert_reqs: "required" }),
    "Cannot use --cert-reqs required without --certfile: client certificates are asked for " +
      "in a TLS handshake; add --certfile/--keyfile or drop --cert-reqs",
  );
  assertEquals(
    clientCertConflict({ ...tls, ca_certs: null, cert_reqs: "optional" }),
    "Cannot use --cert-reqs optional without --ca-certs: no client certificate can be " +
      "verified; add --ca-certs FILE (the CAs that issue them)",
  );
  assertEquals(
    clientCertConflict({ ...tls, cert_reqs: "none" }),
    "Cannot use --ca-certs with --cert-reqs none: client certificates are not asked for; add " +
      "--cert-reqs optional or required, or drop --ca-certs",
  );
});

Deno.test("--cert-reqs/--ca-certs are strict-engine settings: Deno's TLS listener cannot ask for a client certificate", () => {
  const base = {
    worker_class: "async",
    http: "strict",
    bind: ["127.0.0.1:8000"],
    proxy_protocol: false,
    limit_request_line: 4094,
    limit_request_fields: 100,
    limit_request_field_size: 8190,
  };
  assertEquals(strictOnlyInUse({ ...base, cert_reqs: "none", ca_certs: null }), []);
  const why = "Deno's TLS listener cannot request client certificates";
  assertEquals(
    strictOnlyInUse({ ...base, cert_reqs: "required", ca_certs: "ca.pem" })
      .map(({ flag, why }) => ({ flag, why })),
    [{ flag: "--cert-reqs", why }, { flag: "--ca-certs", why }],
  );
  assertEquals(
    engineConflict({ ...base, http: "deno", cert_reqs: "optional" }),
    `Cannot use --cert-reqs with --http deno: ${why}; use --http strict (or auto) or drop ` +
      "--cert-reqs",
  );
});

Deno.test("clientAuthOptions(): required rejects a client without a certificate in the handshake, optional asks only", () => {
  assertEquals(clientAuthOptions("none"), { requestCert: false, rejectUnauthorized: false });
  assertEquals(clientAuthOptions("optional"), { requestCert: true, rejectUnauthorized: false });
  assertEquals(clientAuthOptions("required"), { requestCert: true, rejectUnauthorized: true });
});

Deno.test("loadClientCa() names the file: missing, not PEM, not a CA", async () => {
  const dir = Deno.makeTempDirSync();
  try {
    await makeCa(dir, "ca");
    const ca = Deno.readTextFileSync(`${dir}/ca.crt`);
    assertEquals(loadClientCa("ca.crt", dir), ca);
    Deno.writeTextFileSync(`${dir}/two.pem`, ca + ca);
    assertEquals(loadClientCa("two.pem", dir), ca + ca, "a bundle");
    const fail = (name: string) => assertThrows(() => loadClientCa(name, dir), Error).message;
    assertEquals(fail("none.pem"), 'Cannot read --ca-certs "none.pem": no such file');
    const notCa = 'Cannot use --ca-certs "%": not a PEM bundle of CA certificates ' +
      "(-----BEGIN CERTIFICATE----- blocks with basicConstraints CA:TRUE)";
    assertEquals(fail("ca.key"), notCa.replace("%", "ca.key"));
    Deno.writeTextFileSync(
      `${dir}/junk.pem`,
      "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
    );
    assertEquals(fail("junk.pem"), notCa.replace("%", "junk.pem"));
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
