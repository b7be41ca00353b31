/**
 * @module serve(): starts denocorn from a program of your own, as gunicorn's custom applications
 * do; the program is the arbiter, and re-executed, each of its workers.
 */

import { EMBEDDED_APP, type FetchHandler, setEmbeddedApp } from "./app.ts";
import { workersRunThisProgram } from "./arbiter/spawn.ts";
import { ConfigError, SETTINGS, type Settings } from "./config/mod.ts";
import { USAGE_ERROR } from "./exit_codes.ts";
import { missingPermissions, permissionError } from "./permissions.ts";
import { runAppCheck, startFromArgs, writeLine } from "./start.ts";
import { ignoreInspectorSignal } from "./sys/signals.ts";
import { WORKER_ENV } from "./workers/env.ts";
import { runWorker } from "./workers/mod.ts";

/**
 * The app to serve: a fetch handler, an object with a `fetch` method (a Hono app, a `deno serve`
 * module's default export), or a `MODULE:ATTR` spec as the command takes it.
 */
export type ServeApp = FetchHandler | { fetch: FetchHandler } | string;

/** What {@link serve} takes: the app, and any settings by their config file names. */
export type ServeOptions = { app: ServeApp } & Partial<Omit<Settings, "app">>;

/** Turns settings into the command-line flags they stand for (flags take precedence in denocorn). */
function toArgv(settings: Partial<Omit<Settings, "app">>): string[] {
  const argv: string[] = [];
  for (const [name, value] of Object.entries(settings) as Array<[string, unknown]>) {
    const spec = SETTINGS.find((s) => s.name === name);
    const flag = spec?.flags.find((f) => f.startsWith("--"));
    if (spec === undefined || flag === undefined) {
      throw new ConfigError(`Cannot use setting "${name}" in serve(): no such setting`);
    }
    if (value === null || value === undefined || value === false) continue;
    if (value === true) argv.push(flag);
    else if (Array.isArray(value)) {
      const items = value.map(String);
      if ("comma" in spec && spec.comma) argv.push(flag, items.join(","));
      else for (const item of items) argv.push(flag, item);
    } else argv.push(flag, String(value));
  }
  return argv;
}

/**
 * Starts denocorn from your own program and resolves with its exit status once it stops (give
 * that to `Deno.exit`). Settings are those of the command line, by their config file names; they
 * take precedence over `DENOCORN_CMD_ARGS` and a config file (`config`), which may add hooks.
 *
 * Workers are processes. When `app` is a handler or an object, each worker runs this program
 * again (same Deno flags and arguments): its serve() call then serves `app` instead of starting
 * an arbiter, so code before the call runs in every worker too. When `app` is a `MODULE:ATTR`
 * spec, workers run denocorn's own entry point under the app's Deno project, as the `denocorn`
 * command does. The program needs all permissions (`deno run -A`).
 *
 * @example An embedding program (server.ts, run with `deno run -A server.ts`)
 * ```ts ignore
 * import { serve } from "@denocorn/denocorn";
 * import { Hono } from "hono";
 *
 * const app = new Hono().get("/", (c) => c.text("Hello!"));
 * Deno.exit(await serve({ app, workers: 4, bind: ["0.0.0.0:8000"], worker_class: "async" }));
 * ```
 *
 * @example Checking that an app module loads, without serving it
 * ```ts
 * import { serve } from "@denocorn/denocorn";
 *
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/app.ts`, 'export const app = () => new Response("hi");');
 * const app = `${dir}/app.ts:app`;
 * const status = await serve({ app, bind: ["127.0.0.1:0"], check_config: true }); // binds, closes
 * await Deno.remove(dir, { recursive: true });
 * if (status !== 0) throw new Error(`The app did not load: exit status ${status}`);
 * ```
 */
export async function serve(options: ServeOptions): Promise<number> {
  const missing = missingPermissions();
  if (missing.length > 0) {
    writeLine(Deno.stderr, `Error: ${permissionError(missing)}`);
    return USAGE_ERROR;
  }
  // Deno opens an unauthenticated inspector on SIGUSR1: every denocorn process ignores it.
  ignoreInspectorSignal();
  const { app, ...settings } = options;
  const env = Deno.env.toObject();
  if (env[WORKER_ENV.role] === "worker") {
    if (typeof app !== "string") setEmbeddedApp(app);
    return await runWorker(env);
  }
  if (env[WORKER_ENV.role] === "check") return await runAppCheck(env);
  if (typeof app !== "string") workersRunThisProgram();
  let argv;
  try {
    argv = [...toArgv(settings), "--", typeof app === "string" ? app : EMBEDDED_APP];
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    writeLine(Deno.stderr, `Error: ${e.message}`);
    return USAGE_ERROR;
  }
  return await startFromArgs(argv, Deno.args, env);
}
