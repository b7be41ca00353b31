/**
 * @module denocorn, gunicorn for Deno: a pre-fork HTTP/1.1 server for web-standard fetch
 * handlers. Run it as a command (`denocorn myapp:app`, see the README), or from a program of your
 * own with {@link serve}; type a `denocorn.config.ts` with {@link defineConfig}; send large
 * files with {@link fileResponse}.
 *
 * @example A config file, denocorn.config.ts
 * ```ts
 * import { defineConfig } from "@denocorn/denocorn";
 *
 * export default defineConfig({
 *   bind: ["0.0.0.0:8000"],
 *   workers: 4,
 *   worker_class: "async",
 *   accesslog: "-",
 * });
 * ```
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
export type { FetchHandler } from "./app.ts";
export { fileResponse } from "./file_response.ts";
export { serve, type ServeApp, type ServeOptions } from "./serve.ts";
