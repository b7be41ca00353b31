/**
 * @module Which HTTP engine an async worker runs (`--http auto|deno|strict`) and why, chosen at
 * boot from the settings rule (lib/config/engine_rule.ts) and what detection found.
 */

import { type EngineSettings, strictOnlyInUse } from "../config/engine_rule.ts";
import type { DenoEngine } from "./deno/internals.ts";

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
