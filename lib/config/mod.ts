/** @module denocorn's settings: the table, command-line and config file parsing, and help. */

export {
  type Address,
  type Check,
  type CliResult,
  ConfigError,
  type ConfigFile,
  defineConfig,
  HOOK_NAMES,
  type Hooks,
  loadSettings,
  parseAddress,
  type Settings,
  splitCommandArgs,
  VERSION,
} from "./parse.ts";
export { printConfig, renderHelp, renderSettingsDoc } from "./help.ts";
export {
  type Section,
  SECTIONS,
  SETTINGS,
  type SettingSpec,
  type SettingType,
  type SettingValue,
} from "./table.ts";
