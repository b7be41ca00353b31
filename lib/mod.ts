/**
 * @module What apps and config files import from denocorn: `defineConfig` for
 * `denocorn.config.ts`, and `fileResponse` for large downloads sent with sendfile(2).
 */

export {
  type ArbiterView,
  type ConfigFile,
  defineConfig,
  type ErrorLog,
  type Hooks,
  SETTINGS,
  type Settings,
  type WorkerView,
} from "./config/mod.ts";
export { fileResponse } from "./file_response.ts";
