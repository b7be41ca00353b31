/**
 * @module denocorn's command: `deno run -A main.ts [OPTIONS] APP_MODULE`. Runs as the arbiter,
 * or as a worker when the arbiter re-executes it with DENOCORN_ROLE=worker.
 */

import { Arbiter } from "./lib/arbiter/arbiter.ts";
import { ConfigError, loadSettings, printConfig, type Settings } from "./lib/config/mod.ts";
import { loadApp } from "./lib/app.ts";
import { USAGE_ERROR } from "./lib/exit_codes.ts";
import { setupLogging } from "./lib/log.ts";
import { runWorker } from "./lib/workers/mod.ts";
import { WORKER_ENV } from "./lib/workers/env.ts";

const encoder = new TextEncoder();

function write(stream: { writeSync(p: Uint8Array): number }, text: string): void {
  const bytes = encoder.encode(text.endsWith("\n") ? text : text + "\n");
  let off = 0;
  while (off < bytes.length) off += stream.writeSync(bytes.subarray(off));
}

function applyEnvironment(settings: Settings): void {
  for (const kv of settings.raw_env) {
    const i = kv.indexOf("=");
    Deno.env.set(kv.slice(0, i), kv.slice(i + 1));
  }
  if (settings.chdir !== null) Deno.chdir(settings.chdir);
}

async function checkConfig(settings: Settings): Promise<number> {
  try {
    await loadApp(settings.app ?? "", Deno.cwd());
  } catch (e) {
    write(Deno.stderr, `Error: ${(e as Error).message}`);
    return 1;
  }
  return 0;
}

async function main(args: string[]): Promise<number> {
  const env = Deno.env.toObject();
  if (env[WORKER_ENV.role] === "worker") return await runWorker(env);
  let cli;
  try {
    cli = await loadSettings(args, env, Deno.cwd());
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    write(Deno.stderr, `Error: ${e.message}`);
    return USAGE_ERROR;
  }
  if (cli.action !== "run") {
    write(Deno.stdout, cli.text);
    return 0;
  }
  const settings = cli.settings;
  applyEnvironment(settings);
  if (settings.print_config) write(Deno.stdout, printConfig(settings));
  if (settings.check_config) return await checkConfig(settings);
  if (settings.print_config) return 0;
  await setupLogging({
    loglevel: settings.loglevel,
    errorlog: settings.errorlog,
    accesslog: settings.accesslog,
    accessLogFormat: settings.access_log_format,
    procName: settings.proc_name,
  });
  return await new Arbiter(settings).run();
}

if (import.meta.main) Deno.exit(await main(Deno.args));
