/**
 * @module The certificate and key of `--certfile`/`--keyfile`, read and checked: by the config
 * preflight at start (one usage error naming the file) and by each worker at boot (so HUP rotates
 * them).
 */

import { createPrivateKey, X509Certificate } from "node:crypto";
import { resolve } from "node:path";
import tls from "node:tls";

/** A certificate and its key, as PEM text. */
export interface CertPair {
  cert: string;
  key: string;
}

/** Reads a PEM file for `flag`; throws an Error naming the file when it cannot. */
export function readPem(flag: string, path: string, base: string): string {
  try {
    return Deno.readTextFileSync(resolve(base, path));
  } catch (e) {
    const why = e instanceof Deno.errors.NotFound
      ? "no such file"
      : String((e as Error).message).replace(/ \(os error \d+\).*$/s, "");
    throw new Error(`Cannot read ${flag} "${path}": ${why}`);
  }
}

/**
 * Reads `certfile` and `keyfile` (relative to `base`) and checks that they are PEM, that the key
 * is not passphrase-protected and that it matches the certificate. Throws an Error whose message
 * is one line naming the file.
 */
export function loadCertPair(certfile: string, keyfile: string, base: string): CertPair {
  const cert = readPem("--certfile", certfile, base);
  const key = readPem("--keyfile", keyfile, base);
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert);
  } catch {
    throw new Error(`Cannot use --certfile "${certfile}": not a PEM certificate`);
  }
  if (/ENCRYPTED/.test(key)) {
    throw new Error(
      `Cannot use --keyfile "${keyfile}": the key is passphrase-protected; decrypt it ` +
        "(openssl pkey -in KEY -out PLAIN) and protect the file by its permissions",
    );
  }
  let matches: boolean;
  try {
    matches = x509.checkPrivateKey(createPrivateKey(key));
  } catch {
    throw new Error(`Cannot use --keyfile "${keyfile}": not a PEM private key`);
  }
  if (!matches) {
    throw new Error(
      `Cannot use --keyfile "${keyfile}": it does not match --certfile "${certfile}"`,
    );
  }
  return { cert, key };
}

/**
 * The node:tls context a worker serves `pair` with (ALPN: HTTP/1.1 only, see the engine), and
 * `ca`, the PEM CAs client certificates are verified against, when client certificates are asked.
 */
export function secureContextOf(pair: CertPair, ca: string | null = null): tls.SecureContext {
  return tls.createSecureContext({
    cert: pair.cert,
    key: pair.key,
    ...(ca === null ? {} : { ca }),
  });
}
