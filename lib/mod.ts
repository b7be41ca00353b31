/**
 * @module What apps and config files import from denocorn: `defineConfig` for
 * `denocorn.config.ts`, and `fileResponse` for large downloads sent with sendfile(2).
 */

export { type ConfigFile, defineConfig, type Hooks, type Settings } from "./config/mod.ts";
export { fileResponse } from "./file_response.ts";
