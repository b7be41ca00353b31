/**
 * @module Resolves the effective settings, lowest precedence first: defaults (and PORT,
 * WEB_CONCURRENCY, FORWARDED_ALLOW_IPS), the config file, DENOCORN_CMD_ARGS, argv.
 */

import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { parseCommandLine, splitCommandArgs, wantsInfo } from "./cli.ts";
import { explain, fromText } from "./coerce.ts";
import type { Hooks } from "./define.ts";
import { loadConfigFile } from "./file.ts";
import { renderHelp } from "./help.ts";
import { preflight } from "./preflight.ts";
import { defaultOf, longFlag } from "./spec.ts";
import { SETTINGS, type Settings, type SettingValues } from "./table.ts";
import { ConfigError } from "./validators.ts";
import { engineConflict } from "./engine_rule.ts";

/** denocorn's version. */
export const VERSION = "0.1.0";

/** What the command line asks for. */
export type CliResult =
  | { action: "help" | "version"; text: string }
  | { action: "run"; settings: Settings; hooks: Hooks };

function defaults(env: Record<string, string>): SettingValues {
  const values: Record<string, unknown> = {};
  for (const spec of SETTINGS) {
    const text = "envDefault" in spec ? spec.envDefault(env) : undefined;
    values[spec.name] = text === undefined ? defaultOf(spec) : explain(
      () => fromText(spec, text),
      (expected) => `Cannot parse ${longFlag(spec)} "${text}" from the environment: ${expected}`,
    );
  }
  return values as SettingValues;
}

const NO_APP = "No application module specified: pass APP_MODULE, e.g. denocorn myapp:app";

function onePositional(positionals: string[]): string | undefined {
  if (positionals.length > 1) {
    throw new ConfigError(`Too many arguments "${positionals.join(" ")}": expected one APP_MODULE`);
  }
  return positionals[0];
}

function configPath(cli: SettingValues, cmd: SettingValues, cwd: string): [string, string] | null {
  const given = cli.config ?? cmd.config;
  if (typeof given === "string") return [resolve(cwd, given), given];
  const auto = resolve(cwd, "denocorn.config.ts");
  return existsSync(auto) ? [auto, "denocorn.config.ts"] : null;
}

/** Every source merged, lowest precedence first: defaults, config file, DENOCORN_CMD_ARGS, argv. */
async function mergeSources(argv: string[], env: Record<string, string>, cwd: string) {
  const cli = parseCommandLine(argv);
  const cmd = parseCommandLine(splitCommandArgs(env.DENOCORN_CMD_ARGS ?? ""));
  const path = configPath(cli.values, cmd.values, cwd);
  const file = path === null ? { values: {}, hooks: {} } : await loadConfigFile(...path);
  const merged: SettingValues = { ...defaults(env), ...file.values, ...cmd.values, ...cli.values };
  merged.config = path?.[0] ?? null;
  return { cli, cmd, hooks: file.hooks, merged };
}

/**
 * The control socket a server started here with `argv` would listen on (`denocorn ctl` finds it
 * this way): `--ctl-socket`, DENOCORN_CMD_ARGS, or `ctl_socket` in the config file (`-c FILE` or
 * `./denocorn.config.ts`), made absolute as the server would (from `--chdir`, else `cwd`); null
 * when none sets it. Throws ConfigError.
 */
export async function resolveCtlSocket(
  argv: string[],
  env: Record<string, string>,
  cwd: string,
): Promise<string | null> {
  const { merged } = await mergeSources(argv, env, cwd);
  const path = merged.ctl_socket;
  if (typeof path !== "string") return null;
  const chdir = typeof merged.chdir === "string" ? merged.chdir : ".";
  return resolve(cwd, chdir, path);
}

/**
 * Resolves the settings: defaults (and PORT, WEB_CONCURRENCY, FORWARDED_ALLOW_IPS) < config
 * file < DENOCORN_CMD_ARGS < argv; then, unless only printing them, checks them against the
 * machine (bind hosts resolve, log files open, directories exist). Throws ConfigError for any
 * usage error.
 */
export async function loadSettings(
  argv: string[],
  env: Record<string, string>,
  cwd: string,
): Promise<CliResult> {
  const info = wantsInfo(argv);
  if (info === "help") return { action: "help", text: renderHelp() };
  if (info === "version") return { action: "version", text: `denocorn ${VERSION}` };
  const { cli, cmd, hooks, merged } = await mergeSources(argv, env, cwd);
  const app = onePositional(cli.positionals) ?? onePositional(cmd.positionals) ?? merged.app;
  merged.app = app ?? null;
  if (merged.app === null && merged.print_config !== true) throw new ConfigError(NO_APP);
  const settings = merged as Settings;
  const conflict = engineConflict(settings);
  if (conflict !== null) throw new ConfigError(conflict);
  if (!settings.print_config) await preflight(settings, cwd);
  return { action: "run", settings, hooks };
}
