/**
 * @module `--log-format json`: every error and access log line as one JSON object, built by
 * `JSON.stringify` (which escapes quotes, backslashes, control characters and lone surrogates, so
 * no request value can break a line or forge a field).
 */

import { type AccessAtoms, atom, ATOMS, offset, pad } from "./format.ts";

/** The log line formats `--log-format` accepts. */
export const LOG_FORMATS = ["text", "json"] as const;

/** One of {@link LOG_FORMATS}. */
export type LogFormat = typeof LOG_FORMATS[number];

/**
 * `JSON.stringify`, with U+2028 and U+2029 escaped too: valid JSON either way, but some line
 * readers (Python's `splitlines`, editors) break lines there.
 */
function stringify(o: Record<string, unknown>): string {
  return JSON.stringify(o).replace(/[\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`);
}

/** `2026-12-05T03:18:22.123+01:00`: local time with its offset, as the text format shows it. */
export function isoTime(date: Date): string {
  const day = `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
  const time = `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
  return `${day}T${time}.${pad(date.getMilliseconds(), 3)}${offset(date, ":")}`;
}

/**
 * One error log line as JSON: `time`, `level` (gunicorn's upper-case name), `pid`, `name` (with
 * `--name`), `message`, and for an exception `error` (`Name: message`) and `stack` (with causes).
 */
export function jsonErrorLine(
  date: Date,
  pid: number,
  level: string,
  message: string,
  name: string | null,
  err: unknown,
  stack: (err: unknown) => string,
): string {
  const o: Record<string, unknown> = { time: isoTime(date), level: level.toUpperCase(), pid };
  if (name !== null) o.name = name;
  o.message = message;
  if (err !== undefined) {
    o.error = err instanceof Error ? `${err.name}: ${err.message}` : Deno.inspect(err);
    o.stack = stack(err);
  }
  return stringify(o);
}

/**
 * Compiles the JSON access line. Every plain gunicorn atom (`h` ... `p`) is a string key with
 * the value the text format prints; the header atoms `%({name}i)s`, `%({name}o)s` and
 * `%({name}e)s` that `format` (`--access-logformat`) names go into the objects `i`, `o` and `e`
 * under their lower-cased name (`null` when absent). The friendly keys follow: `time`,
 * `remote_addr`, `method`, `path`, `query`, `protocol`, `status`, `bytes`, `duration_ms`,
 * `referer`, `user_agent` (`null` when absent) and `pid`. The rest of `format` is ignored.
 */
export function compileJsonAccess(format: string): (a: AccessAtoms) => string {
  const named: Array<[kind: string, key: string, get: (a: AccessAtoms) => string]> = [];
  for (const m of format.matchAll(/%\(\{([^)]*)\}([ioe])\)[sd]/g)) {
    const key = (m[1] ?? "").toLowerCase();
    const kind = m[2] ?? "i";
    named.push([kind, key, kind === "e" ? atom(`{${m[1]}}e`) : atom(`{${key}}${kind}`)]);
  }
  const atoms = Object.entries(ATOMS);
  return (a) => {
    const o: Record<string, unknown> = {};
    for (const [k, get] of atoms) o[k] = get(a);
    for (const [kind, key, get] of named) {
      const headers = kind === "i" ? a.requestHeaders : kind === "o" ? a.responseHeaders : null;
      const group = (o[kind] ??= {}) as Record<string, string | null>;
      group[key] = headers === null ? get(a) : headers.get(key);
    }
    o.time = isoTime(a.date);
    o.remote_addr = a.remoteAddr;
    o.method = a.method;
    o.path = o.U;
    o.query = o.q;
    o.protocol = a.version;
    o.status = a.status;
    o.bytes = a.bytes;
    o.duration_ms = Math.round(a.durationMs * 1000) / 1000;
    o.referer = a.requestHeaders.get("referer");
    o.user_agent = a.requestHeaders.get("user-agent");
    o.pid = a.pid;
    return stringify(o);
  };
}
