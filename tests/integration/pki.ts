/** @module A throwaway PKI made with openssl (Debian's) for the TLS tests. */

import { assert } from "../_assert.ts";

/** Runs openssl; fails the test with its stderr. */
export async function openssl(args: string[]): Promise<void> {
  const out = await new Deno.Command("openssl", { args, stdout: "null", stderr: "piped" }).output();
  assert(out.success, `openssl ${args[0]}: ${new TextDecoder().decode(out.stderr)}`);
}

const EC = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];

/**
 * A throwaway self-signed server certificate for localhost/127.0.0.1 in `dir`, as NAME.{crt,key}
 * (not a CA: rustls, Deno's client, refuses a CA certificate as the server's own).
 */
export async function selfSigned(
  dir: string,
  name: string,
): Promise<{ cert: string; key: string }> {
  const cert = `${dir}/${name}.crt`, key = `${dir}/${name}.key`;
  await selfSignedReq("localhost", key, cert, [
    "-addext",
    "subjectAltName=DNS:localhost,IP:127.0.0.1",
    "-addext",
    "basicConstraints=critical,CA:FALSE",
  ]);
  return { cert, key };
}

/** A self-signed certificate for CN `cn` (key `key`, certificate `out`) with `extra` options. */
function selfSignedReq(cn: string, key: string, out: string, extra: string[] = []): Promise<void> {
  return openssl([
    "req",
    "-x509",
    ...EC,
    "-days",
    "1",
    "-subj",
    `/CN=${cn}`,
    ...extra,
    "-keyout",
    key,
    "-out",
    out,
  ]);
}

/** A self-signed CA `name` in `dir`. */
export function makeCa(dir: string, name: string): Promise<void> {
  return selfSignedReq(name, `${dir}/${name}.key`, `${dir}/${name}.crt`);
}

/** A certificate `name` issued by CA `ca`, with extensions `ext` (an openssl extfile's lines). */
export async function issue(
  dir: string,
  name: string,
  ca: string,
  subj: string,
  ext: string,
  days = "1",
): Promise<void> {
  await openssl([
    "req",
    ...EC,
    "-subj",
    subj,
    "-keyout",
    `${dir}/${name}.key`,
    "-out",
    `${dir}/${name}.csr`,
  ]);
  await Deno.writeTextFile(`${dir}/${name}.ext`, ext);
  await openssl([
    "x509",
    "-req",
    "-in",
    `${dir}/${name}.csr`,
    "-CA",
    `${dir}/${ca}.crt`,
    "-CAkey",
    `${dir}/${ca}.key`,
    "-CAcreateserial",
    "-days",
    days,
    "-extfile",
    `${dir}/${name}.ext`,
    "-out",
    `${dir}/${name}.crt`,
  ]);
}

/**
 * Runs `fn` with a throwaway PKI in a temporary directory: CAs `ca` and `ca2`; from `ca` a server
 * certificate `server` (localhost, 127.0.0.1), client certificates `client` (CN=alice, O=Test) and
 * `expired` (CN=bob); from `ca2` a client certificate `other` (CN=mallory). Each NAME.crt has its NAME.key.
 */
export async function withPki(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "denocorn-mtls-" });
  try {
    await makeCa(dir, "ca");
    await makeCa(dir, "ca2");
    await issue(
      dir,
      "server",
      "ca",
      "/CN=localhost",
      "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n",
    );
    await issue(dir, "client", "ca", "/CN=alice/O=Test", "extendedKeyUsage=clientAuth\n");
    await issue(dir, "other", "ca2", "/CN=mallory", "extendedKeyUsage=clientAuth\n");
    // Valid until a day before it was issued: expired.
    await issue(dir, "expired", "ca", "/CN=bob", "extendedKeyUsage=clientAuth\n", "-1");
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
