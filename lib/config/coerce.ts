/**
 * @module Coerces one setting value, from command-line text or from a config file, and checks
 * it; a bad value becomes a ConfigError worded by the caller, who knows where it came from.
 */

import type { SettingSpec, SettingValue } from "./spec.ts";
import { CHECKS, ConfigError } from "./validators.ts";

/** A value that fails its setting's check; carries what was expected. */
class Problem extends Error {}

/** Runs `coerce`, turning a failed check into a ConfigError worded by `say`. */
export function explain<T>(coerce: () => T, say: (expected: string) => string): T {
  try {
    return coerce();
  } catch (e) {
    throw e instanceof Problem ? new ConfigError(say(e.message)) : e;
  }
}

/** Reads a number; a sign is accepted so that `-1` fails its check by range, not by syntax. */
function parseNumber(spec: SettingSpec, text: string): number {
  const t = text.trim();
  if (spec.type === "int") return /^[+-]?\d+$/.test(t) ? Number(t) : NaN;
  if (spec.type === "float") return /^[+-]?(\d+\.?\d*|\.\d+)$/.test(t) ? Number(t) : NaN;
  if (/^0o[0-7]+$/i.test(t)) return parseInt(t.slice(2), 8);
  if (/^0[0-7]+$/.test(t)) return parseInt(t, 8);
  return /^[+-]?\d+$/.test(t) ? Number(t) : NaN;
}

function checked(spec: SettingSpec, value: string | number): string | number {
  if (spec.type === "string" && spec.choices && typeof value === "string") {
    const lower = spec.aliases?.[value.toLowerCase()] ?? value.toLowerCase();
    if (spec.choices.includes(lower)) return lower;
    throw new Problem(`expected one of ${spec.choices.join(", ")}`);
  }
  const problem = spec.validate ? CHECKS[spec.validate](value) : null;
  if (problem !== null) throw new Problem(problem);
  if (typeof value === "number" && Number.isNaN(value)) throw new Problem("expected a number");
  if (spec.validate === "request line" && value === 0) return 8190;
  return value;
}

/** Coerces one command-line (or environment) value; call it inside {@link explain}. */
export function fromText(spec: SettingSpec, text: string): SettingValue {
  if (spec.type === "list") {
    const items = spec.comma ? text.split(",").map((s) => s.trim()).filter((s) => s) : [text];
    return items.map((s) => String(checked(spec, s)));
  }
  if (spec.type === "string" || spec.type === "nullable string") return checked(spec, text);
  return checked(spec, parseNumber(spec, text));
}

/** Coerces one config file value; call it inside {@link explain}. */
export function fromConfig(spec: SettingSpec, raw: unknown): SettingValue {
  switch (spec.type) {
    case "bool":
      if (typeof raw === "boolean") return raw;
      throw new Problem("expected true or false");
    case "list":
      if (typeof raw === "string") return fromText(spec, raw);
      if (Array.isArray(raw) && raw.every((s) => typeof s === "string")) {
        return raw.map((s) => String(checked(spec, s)));
      }
      throw new Problem("expected a string or an array of strings");
    case "nullable string":
      if (raw === null || typeof raw === "string") return raw === null ? null : checked(spec, raw);
      throw new Problem("expected a string or null");
    case "string":
      if (typeof raw === "string") return checked(spec, raw);
      if (typeof raw === "number" && spec.aliases?.[raw] !== undefined) {
        return checked(spec, `${raw}`);
      }
      throw new Problem("expected a string");
    case "octal":
      if (typeof raw === "string") return fromText(spec, raw);
  }
  if (raw === null && spec.default === null) return null; // a number unset by default
  return checked(spec, typeof raw === "number" ? raw : NaN);
}
