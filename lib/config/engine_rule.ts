/**
 * @module Which settings contradict `--http deno`, pure: the settings check (exit 2) and the
 * worker's engine choice (lib/workers/engines.ts) both read this rule.
 */

import { defaultOf } from "./spec.ts";
import { SETTINGS } from "./table.ts";

/** The settings the engine choice reads. */
export interface EngineSettings {
  worker_class: string;
  http: string;
  bind: readonly string[];
  proxy_protocol: boolean;
  limit_request_line: number;
  limit_request_fields: number;
  limit_request_field_size: number;
  /** Optional so callers that only choose an engine need not pass it. */
  request_timeout?: number;
  /** `--certfile`: HTTPS (lib/workers/deno/tls.ts, or node:tls on the strict engine). */
  certfile?: string | null;
  keyfile?: string | null;
  /** `--ca-certs`/`--cert-reqs`: client certificates, asked by node:tls (lib/workers/tls/). */
  ca_certs?: string | null;
  cert_reqs?: string;
}

/** Settings only denocorn's strict engine honours, with what Deno's engine does instead. */
const STRICT_ONLY = [
  {
    name: "cert_reqs",
    flag: "--cert-reqs",
    why: "Deno's TLS listener cannot request client certificates",
  },
  {
    name: "ca_certs",
    flag: "--ca-certs",
    why: "Deno's TLS listener cannot request client certificates",
  },
  {
    name: "proxy_protocol",
    flag: "--proxy-protocol",
    why: "only the strict engine reads PROXY preambles",
  },
  {
    name: "limit_request_line",
    flag: "--limit-request-line",
    why: "Deno's engine has fixed limits",
  },
  {
    name: "limit_request_fields",
    flag: "--limit-request-fields",
    why: "Deno's engine has fixed limits",
  },
  {
    name: "limit_request_field_size",
    flag: "--limit-request-field_size",
    why: "Deno's engine has fixed limits",
  },
] as const;

function defaultNamed(name: string): unknown {
  const spec = SETTINGS.find((s) => s.name === name);
  return spec === undefined ? false : defaultOf(spec);
}

/** Strict-only settings in use (set to anything but their defaults), with the reason each needs it. */
export function strictOnlyInUse(s: EngineSettings): { flag: string; why: string }[] {
  return STRICT_ONLY.filter((o) => {
    // An absent optional field (callers that only choose an engine pass none) is its default.
    const byDefault = defaultNamed(o.name) ?? null;
    return (s[o.name] ?? byDefault) !== byDefault;
  });
}

/** `--certfile` and `--keyfile` go together, and only `-k async` serves TLS. */
function tlsConflict(s: EngineSettings): string | null {
  const cert = (s.certfile ?? null) !== null, key = (s.keyfile ?? null) !== null;
  if (!cert && !key) return null;
  if (cert !== key) {
    const [has, lacks] = cert ? ["--certfile", "--keyfile"] : ["--keyfile", "--certfile"];
    return `Cannot use ${has} without ${lacks}: TLS needs both; add ${lacks} or drop ${has}`;
  }
  if (s.worker_class !== "async") {
    return `Cannot use --certfile/--keyfile with -k ${s.worker_class}: TLS is served by -k ` +
      "async only; use -k async, or terminate TLS in a proxy";
  }
  return null;
}

function unixBind(s: EngineSettings): string | undefined {
  return s.bind.find((b) => b.startsWith("unix:"));
}

/**
 * The usage error for settings that contradict `--http deno` (exit 2), or null. `auto` never
 * conflicts: it picks the strict engine instead.
 *
 * @example
 * ```ts
 * import { engineConflict } from "./engine_rule.ts";
 * const s = { worker_class: "async", http: "deno", bind: ["127.0.0.1:8000"], proxy_protocol: true,
 *   limit_request_line: 4094, limit_request_fields: 100, limit_request_field_size: 8190 };
 * console.assert(engineConflict(s)?.startsWith("Cannot use --proxy-protocol with --http deno"));
 * ```
 */
export function engineConflict(s: EngineSettings): string | null {
  const tls = tlsConflict(s);
  if (tls !== null) return tls;
  if (s.worker_class === "sync" && (s.request_timeout ?? 0) > 0) {
    return "Cannot use --request-timeout with -k sync: a sync worker cannot answer while its " +
      "app runs; use -k async, or rely on --timeout to replace a stuck worker";
  }
  if (s.http !== "deno") return null;
  const fix = "use --http strict (or auto) or drop";
  if (s.worker_class !== "async") {
    return `Cannot use --http deno with -k ${s.worker_class}: Deno's engine serves async ` +
      `workers only; use -k async or drop --http deno`;
  }
  const strict = strictOnlyInUse(s)[0];
  if (strict !== undefined) {
    return `Cannot use ${strict.flag} with --http deno: ${strict.why}; ${fix} ${strict.flag}`;
  }
  const unix = unixBind(s);
  if (unix !== undefined) {
    return `Cannot use --bind "${unix}" with --http deno: Deno's engine takes TCP sockets ` +
      `only; ${fix} the unix bind`;
  }
  return null;
}
