/**
 * @module A throwaway PKI for the TLS tests, as files: certificates made in TypeScript (x509.ts),
 * so the tests need no openssl.
 */

import { type CertOptions, type Issued, makeCert } from "./x509.ts";

/** The CAs made in each directory, by name, to sign what {@link issue} makes. */
const cas = new Map<string, Issued["signer"]>();

async function write(dir: string, name: string, made: Issued): Promise<void> {
  await Deno.writeTextFile(`${dir}/${name}.crt`, made.cert);
  await Deno.writeTextFile(`${dir}/${name}.key`, made.key, { mode: 0o600 });
}

/**
 * A throwaway self-signed server certificate for localhost/127.0.0.1 in `dir`, as NAME.{crt,key}
 * (not a CA: rustls, Deno's client, refuses a CA certificate as the server's own).
 */
export async function selfSigned(
  dir: string,
  name: string,
): Promise<{ cert: string; key: string }> {
  const made = await makeCert({
    cn: "localhost",
    dns: ["localhost"],
    ips: ["127.0.0.1"],
    eku: ["serverAuth"],
  });
  await write(dir, name, made);
  return { cert: `${dir}/${name}.crt`, key: `${dir}/${name}.key` };
}

/** A self-signed CA `name` in `dir`, as NAME.{crt,key}. */
export async function makeCa(dir: string, name: string): Promise<void> {
  const made = await makeCert({ cn: name, ca: true });
  cas.set(`${dir}/${name}`, made.signer);
  await write(dir, name, made);
}

/** A certificate `name` in `dir` (NAME.{crt,key}) that CA `ca` ({@link makeCa}) issues. */
export async function issue(
  dir: string,
  name: string,
  ca: string,
  o: Omit<CertOptions, "issuer" | "ca">,
): Promise<void> {
  const issuer = cas.get(`${dir}/${ca}`);
  if (issuer === undefined) throw new Error(`no CA ${ca} in ${dir}`);
  await write(dir, name, await makeCert({ ...o, issuer }));
}

/**
 * Runs `fn` with a throwaway PKI in a temporary directory: CAs `ca` and `ca2`; from `ca` a server
 * certificate `server` (localhost, 127.0.0.1), client certificates `client` (CN=alice, O=Test) and
 * `expired` (CN=bob); from `ca2` a client certificate `other` (CN=mallory). Each NAME.crt has its
 * NAME.key.
 */
export async function withPki(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "denocorn-mtls-" });
  try {
    await makeCa(dir, "ca");
    await makeCa(dir, "ca2");
    const server = { dns: ["localhost"], ips: ["127.0.0.1"], eku: ["serverAuth" as const] };
    await issue(dir, "server", "ca", { cn: "localhost", ...server });
    await issue(dir, "client", "ca", { cn: "alice", o: "Test", eku: ["clientAuth"] });
    await issue(dir, "other", "ca2", { cn: "mallory", eku: ["clientAuth"] });
    // Valid until a day before it was issued: expired.
    await issue(dir, "expired", "ca", { cn: "bob", eku: ["clientAuth"], days: -1 });
    await fn(dir);
  } finally {
    for (const k of cas.keys()) if (k.startsWith(`${dir}/`)) cas.delete(k);
    await Deno.remove(dir, { recursive: true });
  }
}
