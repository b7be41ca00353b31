/**
 * @module The `denocorn` command: the arbiter from the command line, a worker or an app check
 * when the arbiter re-executes it, or the control client with `denocorn ctl ...`.
 */

import { parseArgs } from "node:util";
import { ctlRequest } from "./arbiter/ctl.ts";
import { formatWorkers, type WorkerReport } from "./arbiter/commands.ts";
import { ConfigError, loadSettings, printConfig } from "./config/mod.ts";
import { USAGE_ERROR } from "./exit_codes.ts";
import {
  applyEnvironment,
  checkApp,
  daemonize,
  resolveDenoConfig,
  runAppCheck,
  runServer,
  writeLine as write,
} from "./start.ts";
import { runWorker } from "./workers/mod.ts";
import { WORKER_ENV } from "./workers/env.ts";

const CTL_USAGE = "usage: denocorn ctl [--ctl-socket PATH] status|workers|reload|reopen|scale N";

/** `denocorn ctl ...`: talks to a running arbiter's control socket. */
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

/** Runs the command with `args` (Deno.args); resolves with the exit status. */
export async function main(args: string[]): Promise<number> {
  const env = Deno.env.toObject();
  if (env[WORKER_ENV.role] === "worker") return await runWorker(env);
  if (env[WORKER_ENV.role] === "check") return await runAppCheck(env);
  if (args[0] === "ctl") return await ctl(args.slice(1), env);
  const cwd = Deno.cwd();
  const load = async (environment: Record<string, string>) => {
    const cli = await loadSettings(args, environment, cwd);
    return cli.action === "run" ? { ...cli, settings: resolveDenoConfig(cli.settings, cwd) } : cli;
  };
  let cli;
  try {
    cli = await load(env);
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
  if (settings.check_config) return await checkApp(settings);
  if (settings.print_config) return 0;
  if (settings.daemon && daemonize(args)) return 0;
  const reload = async () => {
    const again = await load({ ...env, ...Deno.env.toObject() });
    if (again.action !== "run") {
      throw new ConfigError("Cannot reload: the command line asks for no server");
    }
    return { settings: again.settings, hooks: again.hooks };
  };
  return await runServer({ settings, hooks, reload, argv: args, env });
}
