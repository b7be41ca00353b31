/**
 * @module denocorn's command: `deno run -A main.ts [OPTIONS] APP_MODULE`. Runs as the arbiter,
 * as a worker when the arbiter re-executes it with DENOCORN_ROLE=worker, or as the control
 * client with `main.ts ctl ...`.
 */

import { parseArgs } from "node:util";
import { Arbiter } from "./lib/arbiter/arbiter.ts";
import { ctlRequest, formatWorkers, type WorkerReport } from "./lib/arbiter/ctl.ts";
import { selfCommand } from "./lib/arbiter/spawn.ts";
import { ConfigError, loadSettings, printConfig, type Settings } from "./lib/config/mod.ts";
import { loadApp } from "./lib/app.ts";
import { USAGE_ERROR } from "./lib/exit_codes.ts";
import { setupLogging } from "./lib/log.ts";
import * as sys from "./lib/sys/mod.ts";
import { runWorker } from "./lib/workers/mod.ts";
import { WORKER_ENV } from "./lib/workers/env.ts";

const encoder = new TextEncoder();
const DAEMON_ENV = "DENOCORN_DAEMONIZED";

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

const CTL_USAGE = "usage: denocorn ctl [--ctl-socket PATH] status|workers|reload|reopen|scale N";

/** `main.ts ctl ...`: talks to a running arbiter's control socket. */
async function ctl(args: string[], env: Record<string, string>): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: { "ctl-socket": { type: "string", short: "s" } },
      allowPositionals: true,
    });
  } catch (e) {
    write(Deno.stderr, `Error: ${(e as Error).message}\n${CTL_USAGE}`);
    return USAGE_ERROR;
  }
  const path = parsed.values["ctl-socket"] ?? env.DENOCORN_CTL_SOCKET;
  if (path === undefined || parsed.positionals.length === 0) {
    write(
      Deno.stderr,
      `Error: ${
        path === undefined
          ? "No control socket: pass --ctl-socket PATH (the arbiter's --ctl-socket)"
          : "No command given"
      }\n${CTL_USAGE}`,
    );
    return USAGE_ERROR;
  }
  try {
    const reply = await ctlRequest(path, parsed.positionals);
    const text = parsed.positionals[0] === "workers"
      ? formatWorkers(reply as WorkerReport[])
      : typeof reply === "string"
      ? reply
      : JSON.stringify(reply, null, 2);
    write(Deno.stdout, text);
    return 0;
  } catch (e) {
    write(Deno.stderr, `Error: ${(e as Error).message}`);
    return 1;
  }
}

/** --daemon: start this program again detached (new session, no stdio), and return. */
function daemonize(args: string[]): boolean {
  if (Deno.env.get(DAEMON_ENV) === "1") {
    Deno.env.delete(DAEMON_ENV);
    sys.setsid();
    return false;
  }
  const self = selfCommand();
  const child = new Deno.Command(self.cmd, {
    args: [...self.args, ...args],
    env: { [DAEMON_ENV]: "1" },
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  child.unref();
  return true;
}

async function main(args: string[]): Promise<number> {
  // Deno opens an unauthenticated inspector on SIGUSR1: every denocorn process ignores it.
  sys.ignoreInspectorSignal();
  const env = Deno.env.toObject();
  if (env[WORKER_ENV.role] === "worker") return await runWorker(env);
  if (args[0] === "ctl") return await ctl(args.slice(1), env);
  const cwd = Deno.cwd();
  let cli;
  try {
    cli = await loadSettings(args, env, cwd);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    write(Deno.stderr, `Error: ${e.message}`);
    return USAGE_ERROR;
  }
  if (cli.action !== "run") {
    write(Deno.stdout, cli.text);
    return 0;
  }
  const { settings, hooks } = cli;
  if (settings.print_config) write(Deno.stdout, printConfig(settings));
  applyEnvironment(settings);
  if (settings.check_config) return await checkConfig(settings);
  if (settings.print_config) return 0;
  if (settings.daemon && daemonize(args)) return 0;
  await setupLogging({
    loglevel: settings.loglevel,
    errorlog: settings.errorlog,
    accesslog: settings.accesslog,
    accessLogFormat: settings.access_log_format,
    procName: settings.proc_name,
  });
  const reload = async () => {
    const again = await loadSettings(args, { ...env, ...Deno.env.toObject() }, cwd);
    if (again.action !== "run") {
      throw new ConfigError("Cannot reload: the command line asks for no server");
    }
    return { settings: again.settings, hooks: again.hooks };
  };
  return await new Arbiter({ settings, hooks, reload, argv: args, env }).run();
}

if (import.meta.main) Deno.exit(await main(Deno.args));
