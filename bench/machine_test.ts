/** @module Tests of the HTTPS scenario's throwaway certificate and the readiness probe over TLS. */

import { createPrivateKey, X509Certificate } from "node:crypto";
import { strictEqual } from "node:assert/strict";
import { makeBenchCert } from "./machine.ts";
import { probe } from "./peers.ts";

Deno.test("makeBenchCert() makes a P-256 leaf for localhost and 127.0.0.1 and removes it", async () => {
  let dir: string;
  {
    await using cert = await makeBenchCert();
    dir = cert.dir;
    const x = new X509Certificate(cert.certPem);
    strictEqual(x.ca, false);
    strictEqual(x.subjectAltName, "DNS:localhost, IP Address:127.0.0.1");
    strictEqual(x.publicKey.asymmetricKeyDetails?.namedCurve, "prime256v1");
    strictEqual(x.checkPrivateKey(createPrivateKey(await Deno.readTextFile(cert.keyFile))), true);
  }
  strictEqual(await Deno.stat(dir).then(() => true, () => false), false, "removed on dispose");
});

Deno.test("probe() over TLS trusts the run's certificate; a plain probe gets no status", async () => {
  await using cert = await makeBenchCert();
  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    cert: cert.certPem,
    key: await Deno.readTextFile(cert.keyFile),
    onListen: () => {},
  }, () => new Response("ok"));
  try {
    strictEqual(await probe(server.addr.port, "/", cert.certPem), 200);
    strictEqual(await probe(server.addr.port, "/"), null);
  } finally {
    await server.shutdown();
  }
});
