/** @module Carries every log record through LogTape and writes gunicorn's error and access log lines. */

import {
  configure,
  getLogger,
  type LogLevel,
  type LogRecord,
  reset,
} from "npm:@logtape/logtape@^2.4.2";

/** denocorn's log levels, gunicorn's names, lowest first: the one list `--log-level` accepts. */
export const LOG_LEVELS = ["debug", "info", "warning", "error", "critical"] as const;

/** One of {@link LOG_LEVELS}. */
export type LogLevelName = typeof LOG_LEVELS[number];

/** The settings logging reads, by their settings-table names (a `Settings` object fits). */
export interface LoggingSettings {
  /** See {@link LoggingOptions.loglevel}. */
  loglevel: LogLevelName;
  /** See {@link LoggingOptions.errorlog}. */
  errorlog: string;
  /** See {@link LoggingOptions.accesslog}. */
  accesslog: string | null;
  /** See {@link LoggingOptions.accessLogFormat}. */
  access_log_format: string;
  /** See {@link LoggingOptions.procName}. */
  proc_name: string | null;
}

/** Options for {@link setupLogging}, one per gunicorn setting. */
export interface LoggingOptions {
  /** The lowest level the error log writes. */
  loglevel: LogLevelName;
  /** `"-"` for stderr, or a file path (appended to). */
  errorlog: string;
  /** `"-"` for stdout, a file path (appended to), or `null` for no access log. */
  accesslog: string | null;
  /** gunicorn's access log format: `%(h)s %(l)s ...`; see {@link compileAccessFormat}. */
  accessLogFormat: string;
  /** Accepted for gunicorn parity; log lines do not show it (gunicorn uses it for syslog only). */
  procName?: string | null | undefined;
}

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

const LEVELS: Record<LogLevelName, number> = {
  debug: 10,
  info: 20,
  warning: 30,
  error: 40,
  critical: 50,
};
const LOGTAPE_LEVEL: Record<LogLevelName, LogLevel> = {
  debug: "debug",
  info: "info",
  warning: "warning",
  error: "error",
  critical: "fatal",
};
const LABEL: Record<LogLevel, string> = {
  trace: "DEBUG",
  debug: "DEBUG",
  info: "INFO",
  warning: "WARNING",
  error: "ERROR",
  fatal: "CRITICAL",
};
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
/** Messages that may hold `{` go through this template so LogTape does not read placeholders. */
const TEXT = "{text}";
const encoder = new TextEncoder();

// --- formatting (pure) --------------------------------------------------------------------------

function pad(n: number, width = 2): string {
  return String(n).padStart(width, "0");
}

function offset(date: Date): string {
  const minutes = -date.getTimezoneOffset();
  const abs = Math.abs(minutes);
  return `${minutes < 0 ? "-" : "+"}${pad(Math.floor(abs / 60))}${pad(abs % 60)}`;
}

/**
 * Formats one error log line as gunicorn does: local time with its numeric offset, the pid of
 * the writing process, the level name, the message.
 *
 * @example
 * ```ts
 * import { formatErrorLine } from "./log.ts";
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

type Atom = (a: AccessAtoms) => string;

/** gunicorn's atoms (glogging.py `atoms()`), one getter each. */
const ATOMS: Record<string, Atom> = {
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

function atom(name: string): Atom {
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
 * import { compileAccessFormat } from "./log.ts";
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

// --- targets: where lines go --------------------------------------------------------------------

interface Target {
  write(text: string): void;
  reopen(): void;
  close(): void;
}

function writeAll(w: { writeSync(p: Uint8Array): number }, bytes: Uint8Array): void {
  let off = 0;
  while (off < bytes.length) off += w.writeSync(bytes.subarray(off));
}

function stdTarget(stream: { writeSync(p: Uint8Array): number }): Target {
  return {
    write(text) {
      try {
        writeAll(stream, encoder.encode(text));
      } catch { /* a closed stdout/stderr must not take the worker down */ }
    },
    reopen() {},
    close() {},
  };
}

/** An append-mode file that {@link reopenLogFiles} can close and reopen (logrotate). */
class FileTarget implements Target {
  #path: string;
  #file: Deno.FsFile | null;

  constructor(path: string) {
    this.#path = path;
    this.#file = FileTarget.#open(path);
  }

  static #open(path: string): Deno.FsFile {
    try {
      return Deno.openSync(path, { append: true, create: true });
    } catch (e) {
      throw new Error(`Cannot open log file "${path}": ${(e as Error).message}`);
    }
  }

  write(text: string): void {
    if (this.#file === null) return;
    try {
      writeAll(this.#file, encoder.encode(text));
    } catch { /* a full disk must not take the worker down */ }
  }

  reopen(): void {
    this.close();
    this.#file = FileTarget.#open(this.#path);
  }

  close(): void {
    this.#file?.close();
    this.#file = null;
  }
}

// --- LogTape wiring -----------------------------------------------------------------------------

const errorLogger = getLogger(["denocorn"]);
const accessLogger = getLogger(["denocorn", "access"]);

const state = {
  /** LEVELS value below which the façade returns at once. */
  threshold: LEVELS.info,
  configured: false,
  access: null as ((a: AccessAtoms) => string) | null,
  files: [] as FileTarget[],
  /** `--name`: shown with the pid in error log lines. */
  name: null as string | null,
};

function render(record: LogRecord): string {
  if (record.rawMessage === TEXT) return String(record.properties.text);
  let out = "";
  for (const part of record.message) out += typeof part === "string" ? part : Deno.inspect(part);
  return out;
}

function describeError(err: unknown): string {
  let out = "";
  for (let e = err, depth = 0; e !== undefined && depth < 5; depth++) {
    const text = e instanceof Error ? e.stack ?? `${e.name}: ${e.message}` : Deno.inspect(e);
    out += depth === 0 ? text : `\nCaused by: ${text}`;
    e = e instanceof Error ? e.cause : undefined;
  }
  return out;
}

function errorLine(record: LogRecord): string {
  const date = new Date(record.timestamp);
  const line = formatErrorLine(date, Deno.pid, LABEL[record.level], render(record), state.name);
  const err = record.properties.error;
  return err === undefined ? `${line}\n` : `${line}\n${describeError(err)}\n`;
}

function target(spec: string, std: Target, opened: Map<string, FileTarget>): Target {
  if (spec === "-") return std;
  let file = opened.get(spec);
  if (file === undefined) {
    file = new FileTarget(spec);
    opened.set(spec, file);
  }
  return file;
}

function closeFiles(files: FileTarget[]): void {
  for (const f of files) f.close();
}

/**
 * Configures LogTape with denocorn's sinks: the error log at `loglevel` and, when `accesslog` is
 * set, the access log (always at INFO, as in gunicorn). Calling it again replaces the previous
 * configuration and closes its files.
 */
export async function setupLogging(opts: LoggingOptions): Promise<void>;
/** Sets up logging from the settings that name it (`loglevel`, `errorlog`, `accesslog`, ...). */
export async function setupLogging(settings: LoggingSettings): Promise<void>;
export async function setupLogging(given: LoggingOptions | LoggingSettings): Promise<void> {
  const opts: LoggingOptions = "access_log_format" in given
    ? {
      loglevel: given.loglevel,
      errorlog: given.errorlog,
      accesslog: given.accesslog,
      accessLogFormat: given.access_log_format,
      procName: given.proc_name,
    }
    : given;
  const threshold = LEVELS[opts.loglevel];
  if (threshold === undefined) {
    throw new RangeError(
      `Cannot set log level "${opts.loglevel}": expected one of ${LOG_LEVELS.join(", ")}`,
    );
  }
  const format = opts.accesslog === null ? null : compileAccessFormat(opts.accessLogFormat);
  const opened = new Map<string, FileTarget>();
  let errorTarget: Target, accessTarget: Target | null;
  try {
    errorTarget = target(opts.errorlog, stdTarget(Deno.stderr), opened);
    accessTarget = opts.accesslog === null
      ? null
      : target(opts.accesslog, stdTarget(Deno.stdout), opened);
  } catch (e) {
    closeFiles([...opened.values()]);
    throw e;
  }
  const previous = state.files;
  state.configured = false;
  await configure({
    reset: true,
    sinks: {
      error: (r: LogRecord) => errorTarget.write(errorLine(r)),
      access: (r: LogRecord) => accessTarget?.write(`${render(r)}\n`),
    },
    loggers: [
      { category: ["denocorn"], sinks: ["error"], lowestLevel: LOGTAPE_LEVEL[opts.loglevel] },
      {
        category: ["denocorn", "access"],
        sinks: accessTarget === null ? [] : ["access"],
        parentSinks: "override",
        lowestLevel: accessTarget === null ? null : "info",
      },
      { category: ["logtape", "meta"], sinks: ["error"], lowestLevel: "warning" },
    ],
  });
  closeFiles(previous);
  state.files = [...opened.values()];
  state.threshold = threshold;
  state.access = format;
  state.name = opts.procName ?? null;
  state.configured = true;
}

/** Closes and reopens every log file (SIGUSR1 after logrotate moved them). */
export function reopenLogFiles(): void {
  for (const f of state.files) f.reopen();
}

/** Undoes {@link setupLogging}: resets LogTape and closes the log files (for tests and exit). */
export async function closeLogging(): Promise<void> {
  state.configured = false;
  state.access = null;
  state.threshold = LEVELS.info;
  await reset();
  closeFiles(state.files);
  state.files = [];
}

/** True when an access log is configured; workers check it once instead of per request. */
export function accessLogEnabled(): boolean {
  return state.access !== null;
}

function emit(level: LogLevelName, msg: string, err?: unknown): void {
  if (!state.configured) {
    const line = formatErrorLine(new Date(), Deno.pid, level, msg, state.name);
    stdTarget(Deno.stderr).write(
      err === undefined ? `${line}\n` : `${line}\n${describeError(err)}\n`,
    );
    return;
  }
  const method = LOGTAPE_LEVEL[level];
  if (err !== undefined) errorLogger[method](TEXT, { text: msg, error: err });
  else if (msg.includes("{")) errorLogger[method](TEXT, { text: msg });
  else errorLogger[method](msg);
}

let levelListener: ((level: "critical" | "error" | "warning" | "exception") => void) | null = null;

/** Calls `fn` for every warning, error and critical line (statsd's `gunicorn.log.*` counters). */
export function onLogLevel(
  fn: ((level: "critical" | "error" | "warning" | "exception") => void) | null,
): void {
  levelListener = fn;
}

/** The error log: gunicorn's levels; calls below the configured level return at once. */
export const log = {
  /** Logs at DEBUG (cheap when disabled: the worker's hot path calls it). */
  debug(msg: string): void {
    if (state.threshold <= LEVELS.debug) emit("debug", msg);
  },
  /** Logs at INFO. */
  info(msg: string): void {
    if (state.threshold <= LEVELS.info) emit("info", msg);
  },
  /** Logs at WARNING. */
  warning(msg: string): void {
    levelListener?.("warning");
    if (state.threshold <= LEVELS.warning) emit("warning", msg);
  },
  /** Logs at ERROR; with `err`, its stack (and causes) follow on the next lines. */
  error(msg: string, err?: unknown): void {
    levelListener?.(err === undefined ? "error" : "exception");
    if (state.threshold <= LEVELS.error) emit("error", msg, err);
  },
  /** Logs at CRITICAL. */
  critical(msg: string): void {
    levelListener?.("critical");
    emit("critical", msg);
  },
};

/** Writes one access log line; a no-op unless {@link setupLogging} configured an access log. */
export function access(a: AccessAtoms): void {
  const format = state.access;
  if (format === null) return;
  const line = format(a);
  if (line.includes("{")) accessLogger.info(TEXT, { text: line });
  else accessLogger.info(line);
}
