/**
 * @module denocorn's settings: the table and the types derived from it, command-line and config
 * file parsing, the checks against the machine, help and docs.
 */

export { parseCommandLine, splitCommandArgs } from "./cli.ts";
export {
  type ArbiterView,
  type ConfigFile,
  defineConfig,
  type ErrorLog,
  HOOK_NAMES,
  HOOK_PROCESS,
  type HookName,
  type Hooks,
  type WorkerView,
} from "./define.ts";
export { loadConfigFile, type LoadedConfig } from "./file.ts";
export { printConfig, renderHelp, renderSettingsDoc } from "./help.ts";
export { type CliResult, loadSettings, resolveCtlSocket, VERSION } from "./load.ts";
export { preflight, resolveBindHost } from "./preflight.ts";
export {
  defaultOf,
  type Section,
  SECTIONS,
  type SettingSpec,
  type SettingType,
  type SettingValue,
} from "./spec.ts";
export { type SettingName, SETTINGS, type Settings, type SettingValues } from "./table.ts";
export { type Address, type Check, ConfigError, parseAddress } from "./validators.ts";
