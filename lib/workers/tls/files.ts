/** @module The TLS files a worker serves with, read once while it boots. */

import type { Settings } from "../../config/mod.ts";
import { type CertPair, loadCertPair } from "./certs.ts";
import { loadClientCa } from "./client_certs.ts";

/** What `--certfile`, `--keyfile` and `--ca-certs` hold, as PEM text. */
export interface TlsFiles {
  pair: CertPair;
  /** The CAs that verify client certificates; null when `--cert-reqs` asks for none. */
  ca: string | null;
}

/**
 * Reads the TLS files `s` names (relative to the working directory), or null without
 * `--certfile`/`--keyfile`. A worker calls it before its first heartbeat, so that files that
 * turned bad since the start make it a worker that failed to boot (respawned with a backoff while
 * the others serve), not one that dies over and over once booted. Throws an Error whose message is
 * one line naming the file.
 */
export function readTlsFiles(
  s: Pick<Settings, "certfile" | "keyfile" | "cert_reqs" | "ca_certs">,
): TlsFiles | null {
  if (s.certfile === null || s.keyfile === null) return null;
  const pair = loadCertPair(s.certfile, s.keyfile, ".");
  const ca = s.cert_reqs === "none" || s.ca_certs === null ? null : loadClientCa(s.ca_certs, ".");
  return { pair, ca };
}
