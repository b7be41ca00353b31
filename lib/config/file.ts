/**
 * @module The one config file loader, used by the arbiter (at start and on every HUP) and by each
 * worker (hooks are functions and cannot cross the process boundary): import afresh, then check
 * every key.
 */

import { existsSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { explain, fromConfig } from "./coerce.ts";
import { HOOK_NAMES, type Hooks } from "./define.ts";
import { suggest } from "./help.ts";
import { SETTINGS, type SettingValues } from "./table.ts";
import { ConfigError } from "./validators.ts";

/** A config file's settings (coerced and checked) and hooks. */
export interface LoadedConfig {
  /** The settings the file sets; `config` itself is ignored. */
  values: SettingValues;
  /** The hooks the file defines. */
  hooks: Hooks;
}

const BY_NAME = new Map(SETTINGS.map((s) => [s.name as string, s]));
const HOOKS: ReadonlySet<string> = new Set(HOOK_NAMES);

/** Bumped per import so that a HUP imports the file afresh instead of from the module cache. */
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

/**
 * Imports the config file at `path` (an absolute path; `shown` is how messages name it) and
 * checks it: every key a setting or a hook, every value of its setting's type, every hook a
 * function. Throws ConfigError.
 */
export async function loadConfigFile(path: string, shown: string = path): Promise<LoadedConfig> {
  const values: SettingValues = {};
  const hooks: Record<string, unknown> = {};
  for (const [key, raw] of Object.entries(await importDefault(path, shown))) {
    const spec = BY_NAME.get(key);
    if (HOOKS.has(key)) {
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
