/** @module Carries every log record through LogTape and writes gunicorn's error and access log lines. */

import {
  configure,
  getLogger,
  type LogLevel,
  type LogRecord,
  reset,
} from "npm:@logtape/logtape@^2.4.2";
import { type AccessAtoms, compileAccessFormat, formatErrorLine } from "./log/format.ts";
import { compileJsonAccess, jsonErrorLine, type LogFormat } from "./log/json.ts";
import { closeFiles, type FileTarget, stdTarget, type Target, target } from "./log/targets.ts";

export {
  type AccessAtoms,
  compileAccessFormat,
  DEFAULT_ACCESS_LOG_FORMAT,
  formatAccessLine,
  formatErrorLine,
} from "./log/format.ts";
export { isoTime, LOG_FORMATS, type LogFormat } from "./log/json.ts";

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
  /** See {@link LoggingOptions.logFormat}. */
  log_format?: LogFormat | undefined;
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
  /** `text` (gunicorn's lines, the default) or `json` (one JSON object per line, both logs). */
  logFormat?: LogFormat | undefined;
  /** Accepted for gunicorn parity; log lines do not show it (gunicorn uses it for syslog only). */
  procName?: string | null | undefined;
}

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
/** Messages that may hold `{` go through this template so LogTape does not read placeholders. */
const TEXT = "{text}";

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

function errorLine(record: LogRecord, json: boolean): string {
  const date = new Date(record.timestamp);
  const err = record.properties.error;
  const msg = render(record);
  if (json) {
    return `${
      jsonErrorLine(date, Deno.pid, LABEL[record.level], msg, state.name, err, describeError)
    }\n`;
  }
  const line = formatErrorLine(date, Deno.pid, LABEL[record.level], msg, state.name);
  return err === undefined ? `${line}\n` : `${line}\n${describeError(err)}\n`;
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
      logFormat: given.log_format,
      procName: given.proc_name,
    }
    : given;
  const threshold = LEVELS[opts.loglevel];
  if (threshold === undefined) {
    throw new RangeError(
      `Cannot set log level "${opts.loglevel}": expected one of ${LOG_LEVELS.join(", ")}`,
    );
  }
  const json = (opts.logFormat ?? "text") === "json";
  if (opts.logFormat !== undefined && opts.logFormat !== "text" && !json) {
    throw new RangeError(`Cannot set log format "${opts.logFormat}": expected text or json`);
  }
  const compile = json ? compileJsonAccess : compileAccessFormat;
  const format = opts.accesslog === null ? null : compile(opts.accessLogFormat);
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
      error: (r: LogRecord) => errorTarget.write(errorLine(r, json)),
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
