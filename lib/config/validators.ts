/**
 * @module The named checks a setting's values must pass (the table's `validate`), the `--bind`
 * grammar among them, and ConfigError, the usage error every failed check ends as. A leaf module.
 */

import { parseBuckets } from "../metrics/names.ts";

/** A usage error; main.ts prints `Error: <message>` and exits with status 2. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

/** A parsed --bind address. */
export type Address =
  | { kind: "tcp"; host: string; port: number }
  | { kind: "unix"; path: string }
  | { kind: "fd"; fd: number };

/** What a --bind value may look like, for messages. */
export const BIND_EXPECTED = "expected HOST:PORT, [IPv6]:PORT, unix:PATH or fd://N";

function addressOf(text: string): Address | null {
  if (text.startsWith("unix:")) {
    return text.length > 5 ? { kind: "unix", path: text.slice(5) } : null;
  }
  if (text.startsWith("fd://")) {
    return /^\d{1,9}$/.test(text.slice(5)) ? { kind: "fd", fd: Number(text.slice(5)) } : null;
  }
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^\s:[\]/]*))(?::(\d{1,5}))?$/.exec(text);
  if (!m || (m[1] === undefined && m[2] === "" && m[3] === undefined)) return null;
  const port = m[3] === undefined ? 8000 : Number(m[3]);
  const host = m[1] ?? (m[2] || "0.0.0.0");
  return port > 65535 ? null : { kind: "tcp", host, port };
}

/** Parses a --bind address; throws ConfigError for text it cannot read. */
export function parseAddress(text: string): Address {
  const addr = addressOf(text);
  if (addr === null) throw new ConfigError(`Cannot parse --bind "${text}": ${BIND_EXPECTED}`);
  return addr;
}

function intIn(min: number, max: number, expected: string): (v: string | number) => string | null {
  return (v) =>
    typeof v === "number" && Number.isInteger(v) && v >= min && v <= max ? null : expected;
}

const MAX = Number.MAX_SAFE_INTEGER;

/** The named checks a setting's values must pass (see the table's `validate`). */
export type Check =
  | "positive"
  | "count"
  | "seconds"
  | "bind"
  | "key=value"
  | "host:port"
  | "umask"
  | "request line"
  | "request fields"
  | "metrics bind"
  | "buckets";

/** Each check returns null when the value passes, else what was expected. */
export const CHECKS: Readonly<Record<Check, (v: string | number) => string | null>> = {
  "positive": intIn(1, MAX, "expected a positive integer"),
  "count": intIn(0, MAX, "expected a non-negative integer"),
  "seconds": (v) =>
    typeof v === "number" && Number.isFinite(v) && v >= 0
      ? null
      : "expected a number of seconds >= 0",
  "bind": (v) => typeof v === "string" && addressOf(v) !== null ? null : BIND_EXPECTED,
  "key=value": (v) => typeof v === "string" && v.indexOf("=") > 0 ? null : "expected KEY=VALUE",
  "host:port": (v) =>
    typeof v === "string" && /^[^:\s]+:\d+$/.test(v) ? null : "expected HOST:PORT",
  "umask": intIn(0, 0o777, "expected an octal number like 0o22 or 022"),
  "request line": intIn(0, 8190, "expected an integer from 0 to 8190"),
  "request fields": intIn(0, 32768, "expected an integer from 0 to 32768"),
  "metrics bind": (v) =>
    typeof v === "string" && addressOf(v) !== null && !v.startsWith("fd://")
      ? null
      : "expected HOST:PORT or unix:PATH",
  "buckets": (v) => {
    try {
      parseBuckets(String(v));
      return null;
    } catch {
      return "expected increasing positive seconds, comma-separated, e.g. 0.01,0.1,1";
    }
  },
};
