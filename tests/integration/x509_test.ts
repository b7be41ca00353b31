/** @module The test PKI's certificates (x509.ts): parsed by node:crypto, served by Deno's TLS. */

import { createPrivateKey, X509Certificate } from "node:crypto";
import { assert, assertEquals } from "../_assert.ts";
import { derLength, encryptedKey, makeCert } from "./x509.ts";

Deno.test("derLength() uses the short form below 128 and the long form above", () => {
  assertEquals(derLength(0), [0]);
  assertEquals(derLength(127), [127]);
  assertEquals(derLength(128), [0x81, 128]);
  assertEquals(derLength(255), [0x81, 255]);
  assertEquals(derLength(256), [0x82, 1, 0]);
  assertEquals(derLength(70_000), [0x83, 0x01, 0x11, 0x70]);
});

Deno.test("makeCert() makes a CA, a leaf it signs and an expired one, as node:crypto reads them", async () => {
  const ca = await makeCert({ cn: "ca", ca: true });
  const leaf = await makeCert({
    cn: "alice",
    o: "Test",
    dns: ["localhost"],
    ips: ["127.0.0.1"],
    eku: ["clientAuth"],
    issuer: ca.signer,
  });
  const expired = await makeCert({ cn: "bob", days: -1, issuer: ca.signer });
  const caX = new X509Certificate(ca.cert), leafX = new X509Certificate(leaf.cert);
  assertEquals([caX.ca, leafX.ca], [true, false]);
  assertEquals(leafX.subject.replaceAll("\n", ";"), "CN=alice;O=Test");
  assertEquals(leafX.issuer, "CN=ca");
  assertEquals(leafX.subjectAltName, "DNS:localhost, IP Address:127.0.0.1");
  assert(leafX.verify(caX.publicKey), "the CA's signature verifies");
  assert(!leafX.verify(new X509Certificate((await makeCert({ cn: "x" })).cert).publicKey));
  assert(leafX.checkPrivateKey(createPrivateKey(leaf.key)), "the key matches");
  assert(Date.parse(new X509Certificate(expired.cert).validTo) < Date.now(), "expired");
  assert(encryptedKey(leaf.key, "x").startsWith("-----BEGIN ENCRYPTED PRIVATE KEY-----\n"));
});

Deno.test("makeCert()'s self-signed leaf serves TLS to a client that trusts it, by name and by IP", async () => {
  const { cert, key } = await makeCert({ cn: "localhost", dns: ["localhost"], ips: ["127.0.0.1"] });
  const l = Deno.listenTls({ hostname: "127.0.0.1", port: 0, cert, key });
  const served = (async () => {
    for (let i = 0; i < 2; i++) {
      const c = await l.accept();
      await c.handshake();
      c.close();
    }
  })();
  try {
    for (const hostname of ["localhost", "127.0.0.1"]) {
      const c = await Deno.connectTls({ hostname, port: l.addr.port, caCerts: [cert] });
      await c.handshake();
      c.close();
    }
    await served;
  } finally {
    l.close();
  }
});
