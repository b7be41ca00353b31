/**
 * @module Which HTTP engine an async worker runs (`--http auto|deno|strict`) and why: the
 * settings rule (pure, shared by the config check and the worker) and the choice at boot.
 */

import { defaultOf } from "../config/spec.ts";
import { SETTINGS } from "../config/table.ts";
import type { DenoEngine } from "../internals.ts";

/** The settings the engine choice reads. */
export interface EngineSettings {
  worker_class: string;
  http: string;
  bind: readonly string[];
  proxy_protocol: boolean;
  limit_request_line: number;
  limit_request_fields: number;
  limit_request_field_size: number;
}

/** Settings only denocorn's strict engine honours, with what Deno's engine does instead. */
const STRICT_ONLY = [
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
  return STRICT_ONLY.filter((o) => s[o.name] !== defaultNamed(o.name));
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
 * import { engineConflict } from "./engine.ts";
 * const s = { worker_class: "async", http: "deno", bind: ["127.0.0.1:8000"], proxy_protocol: true,
 *   limit_request_line: 4094, limit_request_fields: 100, limit_request_field_size: 8190 };
 * console.assert(engineConflict(s)?.startsWith("Cannot use --proxy-protocol with --http deno"));
 * ```
 */
export function engineConflict(s: EngineSettings): string | null {
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

/** The engine an async worker runs, and the log line that says why. */
export interface EngineChoice {
  /** Deno's engine, or null for denocorn's strict one. */
  engine: DenoEngine | null;
  /** One sentence for the error log. */
  message: string;
  /** "warning" when `--http deno` was asked for and cannot be honoured. */
  level: "info" | "warning";
}

/**
 * Chooses the engine of an async worker from its settings, the kinds of its listening sockets
 * and what `detect` found (a reason string when Deno's engine is unavailable).
 */
export function chooseEngine(
  s: EngineSettings,
  listeners: readonly ("tcp" | "unix")[],
  detect: () => DenoEngine | string,
): EngineChoice {
  const strict = (why: string, level: "info" | "warning" = "info"): EngineChoice => ({
    engine: null,
    message: `Using denocorn's strict HTTP engine for async workers (${why})`,
    level,
  });
  if (s.http === "strict") return strict("--http strict");
  const needs = strictOnlyInUse(s).map((o) => o.flag);
  if (needs.length > 0) return strict(`--http auto: ${needs.join(", ")} needs it`);
  if (listeners.includes("unix")) {
    return strict(
      `--http ${s.http}: unix socket listeners need it`,
      s.http === "deno" ? "warning" : "info",
    );
  }
  const found = detect();
  if (typeof found === "string") {
    return strict(`--http ${s.http}: ${found}`, s.http === "deno" ? "warning" : "info");
  }
  return {
    engine: found,
    message:
      `Using Deno's HTTP engine for async workers (--http ${s.http}: Deno ${found.version} ` +
      `serves accepted sockets natively)`,
    level: "info",
  };
}
