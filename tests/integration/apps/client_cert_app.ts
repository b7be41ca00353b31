/** @module Answers with the subject of the verified client certificate (`info.clientCertificate`), or `none`; logs each request to stderr. */

import type { X509Certificate } from "node:crypto";

/** The handler: `subject=CN=...` (newlines as `;`), or `subject=none`. */
export function app(_req: Request, info: { clientCertificate?: X509Certificate | null }): Response {
  const cert = info.clientCertificate;
  const subject = cert === undefined
    ? "absent"
    : cert === null
    ? "none"
    : cert.subject.replaceAll("\n", ";");
  // deno-lint-ignore no-console -- the test counts the requests that reached the app
  console.error(`served subject=${subject}`);
  return new Response(`subject=${subject}`);
}
