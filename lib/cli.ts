/**
 * @module The `denocorn` command: the arbiter from the command line, a worker or an app check
 * when the arbiter re-executes it, or the control client with `denocorn ctl ...`.
 */

import { parseArgs } from "node:util";
import { ctlRequest } from "./arbiter/ctl.ts";
import { formatWorkers, type WorkerReport } from "./arbiter/commands.ts";
import { USAGE_ERROR } from "./exit_codes.ts";
import { runAppCheck, startFromArgs, writeLine as write } from "./start.ts";
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
  return await startFromArgs(args, args, env);
}
