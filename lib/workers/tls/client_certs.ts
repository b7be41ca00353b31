/**
 * @module Client certificates (`--ca-certs`, `--cert-reqs`) on the node:tls engine: the settings'
 * checks (one usage error at start), the TLSSocket options that make rustls request a
 * certificate, and the verdict read once the handshake is done.
 *
 * Deno's node:tls verifies a client certificate with webpki against `ca` (chain, validity dates,
 * key usage) but never fails the handshake for a bad one: it stores the error for
 * `verifyError()` and leaves the verdict to `tls.Server`'s `secure` listener, which a TLSSocket
 * made over an adopted socket does not have (so its `authorized` stays false). The verdict is
 * read here the way that listener reads it (docs/architecture.md, "TLS").
 */

import { X509Certificate } from "node:crypto";
import type tls from "node:tls";
import { loadCertPair, readPem } from "./certs.ts";

/** What `--cert-reqs` asks of a client. */
export type CertReqs = "none" | "optional" | "required";

/** The settings client-certificate checks read. */
export interface ClientCertSettings {
  certfile: string | null;
  keyfile: string | null;
  ca_certs: string | null;
  cert_reqs: CertReqs;
}

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/**
 * Reads `--ca-certs` (relative to `base`) and checks that it holds PEM certificates, every one
 * parseable. Throws an Error whose message is one line naming the file.
 */
export function loadClientCa(path: string, base: string): string {
  const pem = readPem("--ca-certs", path, base);
  const certs = pem.match(PEM_CERT) ?? [];
  const bad = certs.length === 0 || certs.some((c) => {
    try {
      return !new X509Certificate(c).ca;
    } catch {
      return true;
    }
  });
  if (bad) {
    throw new Error(
      `Cannot use --ca-certs "${path}": not a PEM bundle of CA certificates ` +
        "(-----BEGIN CERTIFICATE----- blocks with basicConstraints CA:TRUE)",
    );
  }
  return pem;
}

/** The usage error for `--cert-reqs`/`--ca-certs` set without what they need, or null. */
export function clientCertConflict(s: ClientCertSettings): string | null {
  const asks = s.cert_reqs !== "none";
  if (asks && s.certfile === null) {
    return `Cannot use --cert-reqs ${s.cert_reqs} without --certfile: client certificates ` +
      "are asked for in a TLS handshake; add --certfile/--keyfile or drop --cert-reqs";
  }
  if (asks && s.ca_certs === null) {
    return `Cannot use --cert-reqs ${s.cert_reqs} without --ca-certs: no client certificate ` +
      "can be verified; add --ca-certs FILE (the CAs that issue them)";
  }
  if (!asks && s.ca_certs !== null) {
    return "Cannot use --ca-certs with --cert-reqs none: client certificates are not asked " +
      "for; add --cert-reqs optional or required, or drop --ca-certs";
  }
  return null;
}

/**
 * Checks every TLS setting at start (files read and parsed, the combination allowed); throws an
 * Error whose message is one line.
 */
export function checkTlsSettings(s: ClientCertSettings, base: string): void {
  const conflict = clientCertConflict(s);
  if (conflict !== null) throw new Error(conflict);
  if (s.certfile !== null && s.keyfile !== null) loadCertPair(s.certfile, s.keyfile, base);
  if (s.ca_certs !== null) loadClientCa(s.ca_certs, base);
}

/** The client-certificate part of the server-side TLSSocket options for `reqs`. */
export function clientAuthOptions(
  reqs: CertReqs,
): Pick<tls.TLSSocketOptions, "requestCert" | "rejectUnauthorized"> {
  // rejectUnauthorized reaches rustls as `client_auth_mandatory`: a client without a
  // certificate is refused in the handshake; `optional` lets it through.
  return { requestCert: reqs !== "none", rejectUnauthorized: reqs === "required" };
}

/** The outcome of a handshake: the verified certificate (null: none sent), or why refused. */
export type ClientVerdict =
  | { ok: true; cert: X509Certificate | null }
  | { ok: false; why: string };

interface VerifyingHandle {
  verifyError?: () => string;
}

/**
 * The verdict on the client of `sock`, a server-side TLSSocket whose handshake just finished
 * (its `secure` event). Fails closed if Deno's verification result cannot be read.
 */
export function clientVerdict(sock: tls.TLSSocket, reqs: CertReqs): ClientVerdict {
  if (reqs === "none") return { ok: true, cert: null };
  const handle = (sock as unknown as { _handle: VerifyingHandle | null })._handle;
  if (typeof handle?.verifyError !== "function") {
    return { ok: false, why: "this Deno does not report client certificate verification" };
  }
  const error = handle.verifyError();
  if (error !== "") return { ok: false, why: error };
  const cert = sock.getPeerX509Certificate() ?? null;
  if (cert === null && reqs === "required") return { ok: false, why: "no client certificate" };
  return { ok: true, cert };
}
