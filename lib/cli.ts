/**
 * @module The `denocorn` command: the arbiter from the command line, a worker or an app check
 * when the arbiter re-executes it, or the control client with `denocorn ctl ...`.
 */

import { parseArgs } from "node:util";
import { ctlRequest } from "./arbiter/ctl.ts";
import { formatStats, formatWorkers, type WorkerReport } from "./arbiter/commands.ts";
import { ConfigError, resolveCtlSocket } from "./config/mod.ts";
import { USAGE_ERROR } from "./exit_codes.ts";
import { runAppCheck, startFromArgs, writeLine as write } from "./start.ts";
import { runWorker } from "./workers/mod.ts";
import { WORKER_ENV } from "./workers/env.ts";

const CTL_USAGE = "usage: denocorn ctl [-c CONFIG] [--ctl-socket PATH] [-j|--json] " +
  "status|workers|stats|reload|reopen|scale N";

/**
 * The control socket `denocorn ctl` talks to: `--ctl-socket` (or DENOCORN_CTL_SOCKET), else the
 * one a server started here would use (DENOCORN_CMD_ARGS, the config file's `ctl_socket`).
 */
async function ctlSocket(
  values: { config?: string; "ctl-socket"?: string },
  env: Record<string, string>,
): Promise<string | null> {
  const given = values["ctl-socket"] ?? env.DENOCORN_CTL_SOCKET;
  if (given !== undefined) return given; // no config file to read (or to fail on)
  const argv = values.config === undefined ? [] : ["--config", values.config];
  return await resolveCtlSocket(argv, env, Deno.cwd());
}

/** `denocorn ctl ...`: talks to a running arbiter's control socket. */
async function ctl(args: string[], env: Record<string, string>): Promise<number> {
  let parsed, path;
  try {
    parsed = parseArgs({
      args,
      options: {
        "ctl-socket": { type: "string", short: "s" },
        config: { type: "string", short: "c" },
        json: { type: "boolean", short: "j" },
      },
      allowPositionals: true,
    });
    path = await ctlSocket(parsed.values, env);
  } catch (e) {
    const usage = e instanceof ConfigError ? "" : `\n${CTL_USAGE}`;
    write(Deno.stderr, `Error: ${(e as Error).message}${usage}`);
    return USAGE_ERROR;
  }
  if (path === null || parsed.positionals.length === 0) {
    write(
      Deno.stderr,
      `Error: ${
        path === null
          ? "No control socket: pass --ctl-socket PATH, or -c CONFIG whose ctl_socket is set " +
            "(what the arbiter was started with)"
          : "No command given"
      }\n${CTL_USAGE}`,
    );
    return USAGE_ERROR;
  }
  try {
    const reply = await ctlRequest(path, parsed.positionals);
    const command = parsed.positionals[0];
    const text = parsed.values.json
      ? JSON.stringify(reply)
      : command === "workers"
      ? formatWorkers(reply as WorkerReport[])
      : command === "stats"
      ? formatStats(reply as Record<string, number>)
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
  return await startFromArgs(args, args, env);
}
