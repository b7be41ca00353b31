/**
 * @module Reads command-line style arguments (argv and DENOCORN_CMD_ARGS) into setting values,
 * with `node:util` parseArgs driven by the settings table's flags.
 */

import { parseArgs } from "node:util";
import { explain, fromText } from "./coerce.ts";
import { longFlag, type SettingSpec, type SettingValue } from "./spec.ts";
import { SETTINGS, type SettingValues } from "./table.ts";
import { ConfigError } from "./validators.ts";

/** What one command line gives: setting values by name, and the positional arguments. */
export interface CommandLine {
  /** The settings the command line sets. */
  values: SettingValues;
  /** Positional arguments (APP_MODULE). */
  positionals: string[];
}

const BY_LONG: ReadonlyMap<string, SettingSpec> = new Map(
  SETTINGS.flatMap((s) => s.flags.filter((f) => f.startsWith("--")).map((f) => [f.slice(2), s])),
);
const BY_SHORT: ReadonlyMap<string, SettingSpec> = new Map(
  SETTINGS.flatMap((s) => s.flags.filter((f) => /^-\w$/.test(f)).map((f) => [f, s])),
);

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

/**
 * parseArgs reads any argument that starts with `-` as an option, so `-t -1` would leave
 * `--timeout` without a value: join a flag that takes a value with a following negative number
 * (`--timeout=-1`), which the setting's check then rejects or accepts by its range.
 */
function joinNegativeNumbers(args: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--") return [...out, ...args.slice(i)];
    const spec = arg.startsWith("--") ? BY_LONG.get(arg.slice(2)) : BY_SHORT.get(arg);
    const next = args[i + 1];
    if (spec !== undefined && spec.type !== "bool" && next !== undefined && /^-\.?\d/.test(next)) {
      out.push(`${arg.startsWith("--") ? arg : longFlag(spec)}=${next}`);
      i++;
    } else {
      out.push(arg);
    }
  }
  return out;
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

function optionValue(spec: SettingSpec, text: string, values: SettingValues): SettingValue {
  const value = explain(
    () => fromText(spec, text),
    (expected) => `Cannot parse ${longFlag(spec)} "${text}": ${expected}`,
  );
  const before = values[spec.name as keyof SettingValues];
  if (spec.type !== "list" || spec.comma || !Array.isArray(before)) return value;
  return [...before, ...(value as string[])];
}

/** Parses command-line style arguments into setting values and positionals; throws ConfigError. */
export function parseCommandLine(args: readonly string[]): CommandLine {
  let tokens;
  try {
    const config = {
      args: joinNegativeNumbers(args),
      options: argOptions(),
      allowPositionals: true,
      tokens: true,
    } as const;
    ({ tokens } = parseArgs({ ...config, strict: true }));
  } catch (e) {
    throw translateArgsError(e);
  }
  const values: SettingValues = {};
  const positionals: string[] = [];
  for (const token of tokens) {
    if (token.kind === "positional") positionals.push(token.value);
    const spec = token.kind === "option" ? BY_LONG.get(token.name) : undefined;
    if (spec === undefined || token.kind !== "option") continue;
    const name = spec.name as keyof SettingValues;
    values[name] = spec.type === "bool" ? true : optionValue(spec, token.value ?? "", values);
  }
  return { values, positionals };
}

/** Splits DENOCORN_CMD_ARGS on whitespace, honouring simple "double" and 'single' quotes. */
export function splitCommandArgs(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/(?:"([^"]*)"|'([^']*)'|(\S))+/g)) {
    out.push(m[0].replace(/"([^"]*)"|'([^']*)'/g, (_all, d, s) => d ?? s ?? ""));
  }
  return out;
}

/** `-h`/`--help` or `-v`/`--version` anywhere before `--`: they win over everything else. */
export function wantsInfo(argv: readonly string[]): "help" | "version" | null {
  const end = argv.indexOf("--");
  const args = end < 0 ? argv : argv.slice(0, end);
  if (args.includes("-h") || args.includes("--help")) return "help";
  return args.includes("-v") || args.includes("--version") ? "version" : null;
}
