/** @module Reads settings from defaults, env, config file, DENOCORN_CMD_ARGS and argv, in that order. */

import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { defaultOf, renderHelp, suggest } from "./help.ts";
import { SETTINGS, type SettingSpec, type SettingValue } from "./table.ts";

/** denocorn's version. */
export const VERSION = "0.1.0";

/** A usage error; main.ts prints `Error: <message>` and exits with status 2. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

/** The effective settings: every key present, null where unset. See docs/settings.md. */
export interface Settings {
  config: string | null;
  bind: string[];
  backlog: number;
  workers: number;
  worker_class: string;
  worker_connections: number;
  max_requests: number;
  max_requests_jitter: number;
  timeout: number;
  graceful_timeout: number;
  keepalive: number;
  header_timeout: number;
  body_timeout: number;
  body_min_rate: number;
  write_timeout: number;
  limit_request_line: number;
  limit_request_fields: number;
  limit_request_field_size: number;
  reload: boolean;
  reload_extra_files: string[];
  check_config: boolean;
  print_config: boolean;
  chdir: string | null;
  daemon: boolean;
  raw_env: string[];
  pidfile: string | null;
  worker_tmp_dir: string | null;
  user: string | null;
  group: string | null;
  umask: number;
  forwarded_allow_ips: string[];
  proxy_protocol: boolean;
  proxy_allow_ips: string[];
  errorlog: string;
  loglevel: "debug" | "info" | "warning" | "error" | "critical";
  accesslog: string | null;
  access_log_format: string;
  statsd_host: string | null;
  statsd_prefix: string;
  proc_name: string | null;
  ctl_socket: string | null;
  app: string | null;
}

/** A hook: any arguments (the arbiter, a worker, ...), may return a promise. */
type Hook = { bivariant(...args: unknown[]): unknown }["bivariant"];

/** The names of the server hooks a config file may define (gunicorn's). */
export const HOOK_NAMES = [
  "on_starting",
  "on_reload",
  "when_ready",
  "pre_fork",
  "post_fork",
  "post_worker_init",
  "worker_int",
  "worker_abort",
  "pre_exec",
  "pre_request",
  "post_request",
  "child_exit",
  "worker_exit",
  "nworkers_changed",
  "on_exit",
] as const;

/** Server hooks a config file may define, by name. */
export type Hooks = { [K in typeof HOOK_NAMES[number]]?: Hook };

/** The default export of a config file: settings by snake_case name, and hooks. */
export type ConfigFile = { [K in keyof Settings]?: Settings[K] } & Hooks;

/** Returns `config` unchanged; gives `denocorn.config.ts` type checking. */
export function defineConfig(config: ConfigFile): ConfigFile {
  return config;
}

/** What the command line asks for. */
export type CliResult =
  | { action: "help" | "version"; text: string }
  | { action: "run"; settings: Settings; hooks: Hooks };

/** A parsed --bind address. */
export type Address =
  | { kind: "tcp"; host: string; port: number }
  | { kind: "unix"; path: string }
  | { kind: "fd"; fd: number };

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

const BIND_EXPECTED = "expected HOST:PORT, [IPv6]:PORT, unix:PATH or fd://N";

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
const CHECKS = {
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
} satisfies Record<string, (v: string | number) => string | null>;

/** The named checks a setting's values must pass (see the table's `validate`). */
export type Check = keyof typeof CHECKS;

/** A value that fails its setting's check; carries what was expected. */
class Problem extends Error {}

/** Runs `coerce`, turning a Problem into a ConfigError worded by `say`. */
function explain<T>(coerce: () => T, say: (expected: string) => string): T {
  try {
    return coerce();
  } catch (e) {
    throw e instanceof Problem ? new ConfigError(say(e.message)) : e;
  }
}

function parseNumber(spec: SettingSpec, text: string): number {
  const t = text.trim();
  if (spec.type === "int") return /^\+?\d+$/.test(t) ? Number(t) : NaN;
  if (spec.type === "float") return /^\+?(\d+\.?\d*|\.\d+)$/.test(t) ? Number(t) : NaN;
  if (/^0o[0-7]+$/i.test(t)) return parseInt(t.slice(2), 8);
  if (/^0[0-7]+$/.test(t)) return parseInt(t, 8);
  return /^\d+$/.test(t) ? Number(t) : NaN;
}

function checked(spec: SettingSpec, value: string | number): string | number {
  if (spec.choices && typeof value === "string") {
    const lower = value.toLowerCase();
    if (spec.choices.includes(lower)) return lower;
    throw new Problem(`expected one of ${spec.choices.join(", ")}`);
  }
  const problem = spec.validate ? CHECKS[spec.validate](value) : null;
  if (problem !== null) throw new Problem(problem);
  if (typeof value === "number" && Number.isNaN(value)) throw new Problem("expected a number");
  if (spec.validate === "request line" && value === 0) return 8190;
  return value;
}

/** Coerces one command-line (or environment) value; throws Problem. */
function fromText(spec: SettingSpec, text: string): SettingValue {
  if (spec.type === "list") {
    const items = spec.comma ? text.split(",").map((s) => s.trim()).filter((s) => s) : [text];
    return items.map((s) => String(checked(spec, s)));
  }
  if (spec.type === "string" || spec.type === "nullable string") return checked(spec, text);
  return checked(spec, parseNumber(spec, text));
}

/** Coerces one config file value; throws Problem. */
function fromConfig(spec: SettingSpec, raw: unknown): SettingValue {
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
      throw new Problem("expected a string");
    case "octal":
      if (typeof raw === "string") return fromText(spec, raw);
  }
  return checked(spec, typeof raw === "number" ? raw : NaN);
}

const BY_NAME = new Map(SETTINGS.map((s) => [s.name as string, s]));
const BY_LONG = new Map(
  SETTINGS.flatMap((s) => s.flags.filter((f) => f.startsWith("--")).map((f) => [f.slice(2), s])),
);

function longFlag(spec: SettingSpec): string {
  return spec.flags.find((f) => f.startsWith("--")) ?? spec.name;
}

type Values = Partial<Record<keyof Settings, SettingValue>>;
type ArgOption = { type: "string" | "boolean"; short?: string; multiple: true };

function argOptions(): Record<string, ArgOption> {
  const options: Record<string, ArgOption> = {};
  for (const spec of SETTINGS) {
    const short = spec.flags.find((f) => /^-\w$/.test(f))?.slice(1);
    spec.flags.filter((f) => f.startsWith("--")).forEach((flag, i) => {
      const type = spec.type === "bool" ? "boolean" : "string";
      const option: ArgOption = { type, multiple: true };
      options[flag.slice(2)] = i === 0 && short ? { ...option, short } : option;
    });
  }
  return options;
}

function translateArgsError(e: unknown): unknown {
  const code = (e as { code?: string }).code;
  const message = (e as Error).message ?? "";
  const flag = /'(-[^',\s]*)/.exec(message)?.[1] ?? "";
  const long = /--[\w-]+/.exec(message)?.[0] ?? flag;
  if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
    return new ConfigError(`Unknown option ${flag}: run with --help to see the options`);
  }
  if (code !== "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") return e;
  if (message.includes("does not take")) return new ConfigError(`Option ${long} takes no value`);
  return new ConfigError(`Option ${long} needs a value`);
}

/** Parses command-line style arguments into setting values and positionals. */
function parseCommandLine(args: string[]): { values: Values; positionals: string[] } {
  let tokens;
  try {
    const config = { args, options: argOptions(), allowPositionals: true, tokens: true } as const;
    ({ tokens } = parseArgs({ ...config, strict: true }));
  } catch (e) {
    throw translateArgsError(e);
  }
  const values: Values = {};
  const positionals: string[] = [];
  for (const token of tokens) {
    if (token.kind === "positional") positionals.push(token.value);
    const spec = token.kind === "option" ? BY_LONG.get(token.name) : undefined;
    if (spec === undefined || token.kind !== "option") continue;
    values[spec.name] = spec.type === "bool" ? true : optionValue(spec, token.value ?? "", values);
  }
  return { values, positionals };
}

function optionValue(spec: SettingSpec, text: string, values: Values): SettingValue {
  const value = explain(
    () => fromText(spec, text),
    (expected) => `Cannot parse ${longFlag(spec)} "${text}": ${expected}`,
  );
  const before = values[spec.name];
  if (spec.type !== "list" || spec.comma || !Array.isArray(before)) return value;
  return [...before, ...(value as string[])];
}

/** Splits DENOCORN_CMD_ARGS on whitespace, honouring simple "double" and 'single' quotes. */
export function splitCommandArgs(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/(?:"([^"]*)"|'([^']*)'|(\S))+/g)) {
    out.push(m[0].replace(/"([^"]*)"|'([^']*)'/g, (_all, d, s) => d ?? s ?? ""));
  }
  return out;
}

function defaults(env: Record<string, string>): Values {
  const values: Values = {};
  for (const spec of SETTINGS) {
    const text = spec.envDefault?.(env);
    values[spec.name] = text === undefined ? structuredClone(defaultOf(spec)) : explain(
      () => fromText(spec, text),
      (expected) => `Cannot parse ${longFlag(spec)} "${text}" from the environment: ${expected}`,
    );
  }
  return values;
}

/** Bumped per load so that a HUP imports the config file afresh instead of from the module cache. */
let generation = 0;

async function importDefault(path: string, shown: string): Promise<Record<string, unknown>> {
  const failure = (reason: string) =>
    new ConfigError(`Cannot load config file "${shown}": ${reason}`);
  if (!existsSync(path)) throw failure("file not found");
  let mod: { default?: unknown };
  try {
    const url = pathToFileURL(path).href;
    mod = await import(generation++ === 0 ? url : `${url}?generation=${generation}`);
  } catch (e) {
    throw failure(String((e as Error).message ?? e).split("\n")[0] ?? "");
  }
  const config = mod.default;
  if (typeof config !== "object" || config === null || Array.isArray(config)) {
    throw failure("expected a default export object");
  }
  return config as Record<string, unknown>;
}

/** Imports a config file and checks its settings and hooks. */
type Loaded = { values: Values; hooks: Hooks };

async function loadConfigFile(path: string, shown: string): Promise<Loaded> {
  const values: Values = {};
  const hooks: Record<string, unknown> = {};
  for (const [key, raw] of Object.entries(await importDefault(path, shown))) {
    const spec = BY_NAME.get(key);
    if ((HOOK_NAMES as readonly string[]).includes(key)) {
      if (typeof raw !== "function") {
        throw new ConfigError(`Invalid value for ${key} in "${shown}": expected a function`);
      }
      hooks[key] = raw;
    } else if (spec === undefined) {
      const guess = suggest(key, [...BY_NAME.keys(), ...HOOK_NAMES]);
      const hint = guess === null ? "" : ` (did you mean "${guess}"?)`;
      throw new ConfigError(`Cannot load config file "${shown}": unknown setting "${key}"${hint}`);
    } else if (raw !== undefined && spec.name !== "config") {
      values[spec.name] = explain(
        () => fromConfig(spec, raw),
        (expected) => `Invalid value for ${spec.name} in "${shown}": ${expected}`,
      );
    }
  }
  return { values, hooks: hooks as Hooks };
}

const NO_APP = "No application module specified: pass APP_MODULE, e.g. denocorn myapp:app";

function onePositional(positionals: string[]): string | undefined {
  if (positionals.length > 1) {
    throw new ConfigError(`Too many arguments "${positionals.join(" ")}": expected one APP_MODULE`);
  }
  return positionals[0];
}

function wantsInfo(argv: string[]): "help" | "version" | null {
  const end = argv.indexOf("--");
  const args = end < 0 ? argv : argv.slice(0, end);
  if (args.includes("-h") || args.includes("--help")) return "help";
  return args.includes("-v") || args.includes("--version") ? "version" : null;
}

function configPath(cli: Values, cmd: Values, cwd: string): [string, string] | null {
  const given = cli.config ?? cmd.config;
  if (typeof given === "string") return [resolve(cwd, given), given];
  const auto = resolve(cwd, "denocorn.config.ts");
  return existsSync(auto) ? [auto, "denocorn.config.ts"] : null;
}

/**
 * Resolves the settings: defaults (and PORT, WEB_CONCURRENCY, FORWARDED_ALLOW_IPS) < config
 * file < DENOCORN_CMD_ARGS < argv. Throws ConfigError for any usage error.
 */
export async function loadSettings(
  argv: string[],
  env: Record<string, string>,
  cwd: string,
): Promise<CliResult> {
  const info = wantsInfo(argv);
  if (info === "help") return { action: "help", text: renderHelp() };
  if (info === "version") return { action: "version", text: `denocorn ${VERSION}` };
  const cli = parseCommandLine(argv);
  const cmd = parseCommandLine(splitCommandArgs(env.DENOCORN_CMD_ARGS ?? ""));
  const base = defaults(env);
  const path = configPath(cli.values, cmd.values, cwd);
  const file = path === null ? { values: {}, hooks: {} } : await loadConfigFile(...path);
  const merged: Values = { ...base, ...file.values, ...cmd.values, ...cli.values };
  merged.config = path?.[0] ?? null;
  const app = onePositional(cli.positionals) ?? onePositional(cmd.positionals) ?? merged.app;
  merged.app = app ?? null;
  if (merged.app === null && merged.print_config !== true) throw new ConfigError(NO_APP);
  return { action: "run", settings: merged as unknown as Settings, hooks: file.hooks };
}
