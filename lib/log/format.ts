/**
 * @module gunicorn's log line formats, pure: the error log line and the access log format with
 * its atoms (glogging.py), compiled once per format.
 */

/** What the access log knows about one request, the inputs of gunicorn's atoms. */
export interface AccessAtoms {
  /** Client address without the port (`h`); empty for a Unix socket. */
  remoteAddr: string;
  /** Request method (`m`). */
  method: string;
  /** Request target as sent: `/path?query` (`r`, `U`, `q`). */
  target: string;
  /** Protocol, `HTTP/1.1` (`H`). */
  version: string;
  /** Response status (`s`). */
  status: number;
  /** Response body bytes sent (`B`, `b`). */
  bytes: number;
  /** Time from the request head to the last byte sent (`T`, `D`, `M`, `L`). */
  durationMs: number;
  /** Request headers (`u`, `f`, `a`, `{name}i`). */
  requestHeaders: Headers;
  /** Response headers (`{name}o`). */
  responseHeaders: Headers;
  /** When the request was logged (`t`). */
  date: Date;
  /** The worker's pid (`p`). */
  pid: number;
}

/** gunicorn's default access log format. */
export const DEFAULT_ACCESS_LOG_FORMAT =
  '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s"';

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** `n` in decimal, zero-padded to `width`. */
export function pad(n: number, width = 2): string {
  return String(n).padStart(width, "0");
}

/** The local UTC offset at `date`, `+0100`, or `+01:00` with `sep`. */
export function offset(date: Date, sep = ""): string {
  const minutes = -date.getTimezoneOffset();
  const abs = Math.abs(minutes);
  return `${minutes < 0 ? "-" : "+"}${pad(Math.floor(abs / 60))}${sep}${pad(abs % 60)}`;
}

/**
 * Formats one error log line as gunicorn does: local time with its numeric offset, the pid of
 * the writing process, the level name, the message.
 *
 * @example
 * ```ts
 * import { formatErrorLine } from "./format.ts";
 * const line = formatErrorLine(new Date(), 2007, "INFO", "Booting worker with pid: 2010");
 * if (!/^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4}\] \[2007\] \[INFO\] Booting/.test(line)) {
 *   throw new Error(line);
 * }
 * ```
 */
export function formatErrorLine(
  date: Date,
  pid: number,
  level: string,
  message: string,
  name: string | null = null,
): string {
  const day = `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
  const time = `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
  const who = name === null ? pid : `${name}:${pid}`;
  return `[${day} ${time} ${offset(date)}] [${who}] [${level.toUpperCase()}] ${message}`;
}

/** `[10/Oct/2000:13:55:36 -0700]`, Apache's common log time, local. */
function clfTime(date: Date): string {
  const day = `${pad(date.getDate())}/${MONTHS[date.getMonth()]}/${date.getFullYear()}`;
  const time = `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
  return `[${day}:${time} ${offset(date)}]`;
}

function pathOf(target: string): string {
  const origin = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*/.exec(target);
  const rest = origin === null ? target : target.slice(origin[0].length) || "/";
  const q = rest.indexOf("?");
  return q < 0 ? rest : rest.slice(0, q);
}

function queryOf(target: string): string {
  const q = target.indexOf("?");
  return q < 0 ? "" : target.slice(q + 1);
}

function basicUser(auth: string | null): string {
  const m = auth === null ? null : /^basic\s+(\S+)/i.exec(auth);
  if (m === null) return "-";
  try {
    const raw = Uint8Array.from(atob(m[1] ?? ""), (c) => c.charCodeAt(0));
    const user = new TextDecoder("utf-8", { fatal: true }).decode(raw).split(":", 1)[0];
    return user || "-";
  } catch {
    return "-";
  }
}

function envVar(name: string): string {
  try {
    return Deno.env.get(name) ?? Deno.env.get(name.toUpperCase()) ?? "-";
  } catch {
    return "-";
  }
}

function micros(a: AccessAtoms): number {
  return Math.max(0, Math.round(a.durationMs * 1000));
}

/** One access log atom: its text for one request. */
export type Atom = (a: AccessAtoms) => string;

/** gunicorn's atoms (glogging.py `atoms()`), one getter each. */
export const ATOMS: Record<string, Atom> = {
  h: (a) => a.remoteAddr || "-",
  l: () => "-",
  u: (a) => basicUser(a.requestHeaders.get("authorization")),
  t: (a) => clfTime(a.date),
  r: (a) => `${a.method} ${a.target} ${a.version}`,
  m: (a) => a.method,
  U: (a) => pathOf(a.target),
  q: (a) => queryOf(a.target),
  H: (a) => a.version,
  s: (a) => String(a.status),
  B: (a) => String(a.bytes),
  b: (a) => a.bytes > 0 ? String(a.bytes) : "-",
  f: (a) => a.requestHeaders.get("referer") ?? "-",
  a: (a) => a.requestHeaders.get("user-agent") ?? "-",
  T: (a) => String(Math.floor(micros(a) / 1e6)),
  D: (a) => String(micros(a)),
  M: (a) => String(Math.floor(micros(a) / 1000)),
  L: (a) => `${Math.floor(micros(a) / 1e6)}.${pad(micros(a) % 1e6, 6)}`,
  p: (a) => `<${a.pid}>`,
};

/** The getter of atom `name` (`h`, `{user-agent}i`, ...); unknown atoms print `-`. */
export function atom(name: string): Atom {
  const m = /^\{(.*)\}([ioe])$/.exec(name);
  if (m === null) return ATOMS[name] ?? (() => "-");
  const key = m[1] ?? "";
  if (m[2] === "e") return () => envVar(key);
  const lower = key.toLowerCase();
  return m[2] === "i"
    ? (a) => a.requestHeaders.get(lower) ?? "-"
    : (a) => a.responseHeaders.get(lower) ?? "-";
}

/**
 * Parses a gunicorn access log format once into a function that formats one request. `%(x)s`
 * names an atom, `%%` is a literal `%`, unknown atoms and missing headers print `-`.
 *
 * @example
 * ```ts
 * import { compileAccessFormat } from "./format.ts";
 * const fmt = compileAccessFormat('%(m)s %(U)s %(s)s %({x-id}o)s');
 * const line = fmt({
 *   remoteAddr: "127.0.0.1", method: "GET", target: "/a?b=1", version: "HTTP/1.1",
 *   status: 200, bytes: 2, durationMs: 1, requestHeaders: new Headers(),
 *   responseHeaders: new Headers({ "x-id": "7" }), date: new Date(), pid: 1,
 * });
 * if (line !== "GET /a 200 7") throw new Error(line);
 * ```
 */
export function compileAccessFormat(format: string): (a: AccessAtoms) => string {
  const parts: Array<string | Atom> = [];
  const re = /%\(([^)]*)\)[sd]|%%/g;
  let last = 0;
  for (let m = re.exec(format); m !== null; m = re.exec(format)) {
    parts.push(format.slice(last, m.index), m[0] === "%%" ? "%" : atom(m[1] ?? ""));
    last = re.lastIndex;
  }
  parts.push(format.slice(last));
  const compact = parts.filter((p) => p !== "");
  return (a) => {
    let out = "";
    for (const p of compact) out += typeof p === "string" ? p : p(a);
    return out;
  };
}

/** Formats one access log line; compiles `format` on every call, so prefer {@link compileAccessFormat}. */
export function formatAccessLine(format: string, a: AccessAtoms): string {
  return compileAccessFormat(format)(a);
}
