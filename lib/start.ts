/**
 * @module Starting a server from resolved settings, shared by the `denocorn` command and serve():
 * environment, `--check-config`, the app's project, logging, then the arbiter's loop.
 */

import { resolve } from "node:path";
import { closeListeners, inheritedFds, openListener } from "./address.ts";
import { AppLoadError, EMBEDDED_APP, loadApp } from "./app.ts";
import { Arbiter, type ArbiterOptions } from "./arbiter/arbiter.ts";
import { appProject, selfCommand, spawnSelf } from "./arbiter/spawn.ts";
import {
  ConfigError,
  loadSettings,
  parseAddress,
  printConfig,
  type Settings,
} from "./config/mod.ts";
import { USAGE_ERROR } from "./exit_codes.ts";
import { setupLogging } from "./log.ts";
import { ensureOwnNodeModules } from "./project/command.ts";
import * as sys from "./sys/mod.ts";
import { WORKER_ENV } from "./workers/env.ts";

const DAEMON_ENV = "DENOCORN_DAEMONIZED";

const encoder = new TextEncoder();

/** Writes one line (adding the newline) to stdout or stderr. */
export function writeLine(stream: { writeSync(p: Uint8Array): number }, text: string): void {
  const bytes = encoder.encode(text.endsWith("\n") ? text : text + "\n");
  let off = 0;
  while (off < bytes.length) off += stream.writeSync(bytes.subarray(off));
}

/** `--env` and `--chdir`: applied in the arbiter, so workers inherit them. */
export function applyEnvironment(settings: Settings): void {
  for (const kv of settings.raw_env) {
    const i = kv.indexOf("=");
    Deno.env.set(kv.slice(0, i), kv.slice(i + 1));
  }
  if (settings.chdir !== null) Deno.chdir(settings.chdir);
}

/** Makes `--deno-config` absolute (relative to where the command ran, as `--config` is). */
export function resolveDenoConfig(settings: Settings, cwd: string): Settings {
  const given = settings.deno_config;
  return given === null ? settings : { ...settings, deno_config: resolve(cwd, given) };
}

/** Why a bind failed (`e` carries an errno name as `code`), in words, with the fix. */
function bindReason(e: unknown, unix: boolean): string {
  const code = (e as { code?: unknown }).code;
  return code === "EADDRINUSE"
    ? "address in use (a server already listens there: stop it, or choose another address)"
    : code === "EACCES"
    ? unix
      ? "permission denied (choose a directory this user may write)"
      : "permission denied (ports below 1024 need root or CAP_NET_BIND_SERVICE)"
    : code === "EADDRNOTAVAIL"
    ? "address not available (no interface of this machine has it)"
    : (e as Error).message;
}

/**
 * What is in the way at a `unix:` bind path, which the arbiter's bind would meet: a file that is
 * not a socket (never replaced), or a socket a server answers on (left alone here); else null.
 */
async function unixPathProblem(path: string): Promise<string | null> {
  let st;
  try {
    st = Deno.lstatSync(path);
  } catch {
    return null; // nothing there
  }
  if (!st.isSocket) {
    return "a file that is not a socket is there (remove it, or choose another path)";
  }
  try {
    (await Deno.connect({ transport: "unix", path })).close();
  } catch {
    return null; // a stale socket: the arbiter replaces it
  }
  return bindReason({ code: "EADDRINUSE" }, true);
}

/**
 * `--check-config`: binds each --bind address as the arbiter does, once, and closes it at once;
 * returns the first problem in one line, or null. A unix socket a server answers on is reported
 * in use and left alone (the arbiter would replace it). Nothing is bound when the listeners are
 * inherited (USR2, systemd socket activation), as the arbiter adopts them.
 */
export async function checkBinds(
  settings: Settings,
  env: Record<string, string>,
): Promise<string | null> {
  if (inheritedFds(env, Deno.pid) !== null) return null;
  for (const bind of settings.bind) {
    const addr = parseAddress(bind);
    let why = addr.kind === "unix" ? await unixPathProblem(addr.path) : null;
    try {
      if (why === null) closeListeners([await openListener(bind, settings.backlog)]);
    } catch (e) {
      why = bindReason(e, addr.kind === "unix");
    }
    if (why !== null) return `Cannot bind --bind "${bind}": ${why}`;
  }
  return null;
}

/**
 * `--check-config`: loads the app the way a worker does — in a child process under the app's
 * own Deno project — and returns 0, or 1 after the child printed why.
 */
export async function checkApp(settings: Settings): Promise<number> {
  if (settings.app === EMBEDDED_APP) return 0;
  const child = spawnSelf({
    [WORKER_ENV.role]: "check",
    [WORKER_ENV.settings]: JSON.stringify(settings),
  });
  return (await child.status).code === 0 ? 0 : 1;
}

/** The `check` role of {@link checkApp}'s child: loads the app, prints why it cannot. */
export async function runAppCheck(env: Record<string, string>): Promise<number> {
  const settings = JSON.parse(env[WORKER_ENV.settings] ?? "{}") as Partial<Settings>;
  try {
    await loadApp(settings.app ?? "", Deno.cwd());
    return 0;
  } catch (e) {
    const cause = e instanceof AppLoadError && e.cause instanceof Error ? e.cause : null;
    writeLine(Deno.stderr, `Error: ${(e as Error).message}`);
    if (cause?.stack !== undefined) writeLine(Deno.stderr, cause.stack);
    return 1;
  }
}

/**
 * --daemon: starts this program again detached (new session, no stdio) with `args` and returns
 * true; in that detached copy, starts the new session and returns false.
 */
export function daemonize(args: string[]): boolean {
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

/** What {@link runServer} starts the arbiter with. */
export type ServerOptions = ArbiterOptions;

/**
 * Checks that the app's Deno project can be read (exit 2) and, for a manual node_modules, that
 * denocorn's own npm package can be resolved (exit 1), then sets up logging and runs the arbiter
 * until it stops; resolves with the exit status.
 */
export async function runServer(opts: ServerOptions): Promise<number> {
  const s = opts.settings;
  if (s.app !== EMBEDDED_APP) {
    let project;
    try {
      project = appProject(s, Deno.cwd());
      if (project.nodeModules === "manual") ensureOwnNodeModules();
    } catch (e) {
      writeLine(Deno.stderr, `Error: ${(e as Error).message}`);
      return project === undefined ? USAGE_ERROR : 1;
    }
  }
  await setupLogging(s);
  return await new Arbiter(opts).run();
}

/**
 * Reads the settings from command-line style `argv` (with the environment and a config file) and
 * runs what they ask for: `--help` text, `--print-config`, `--check-config`, `--daemon`, or the
 * server. `selfArgs` are the arguments this program was started with, which `--daemon` and USR2
 * start it again with. Shared by the `denocorn` command and serve().
 */
export async function startFromArgs(
  argv: string[],
  selfArgs: string[],
  env: Record<string, string>,
): Promise<number> {
  const cwd = Deno.cwd();
  const load = async (environment: Record<string, string>) => {
    const cli = await loadSettings(argv, environment, cwd);
    return cli.action === "run" ? { ...cli, settings: resolveDenoConfig(cli.settings, cwd) } : cli;
  };
  let cli;
  try {
    cli = await load(env);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    writeLine(Deno.stderr, `Error: ${e.message}`);
    return USAGE_ERROR;
  }
  if (cli.action !== "run") {
    writeLine(Deno.stdout, cli.text);
    return 0;
  }
  const { settings, hooks } = cli;
  if (settings.print_config) writeLine(Deno.stdout, printConfig(settings));
  applyEnvironment(settings);
  if (settings.check_config) {
    const problem = await checkBinds(settings, env);
    if (problem !== null) writeLine(Deno.stderr, `Error: ${problem}`);
    return problem !== null ? USAGE_ERROR : await checkApp(settings);
  }
  if (settings.print_config) return 0;
  if (settings.daemon && daemonize(selfArgs)) return 0;
  const reload = async () => {
    const again = await load({ ...env, ...Deno.env.toObject() });
    if (again.action !== "run") {
      throw new ConfigError("Cannot reload: the command line asks for no server");
    }
    return { settings: again.settings, hooks: again.hooks };
  };
  return await runServer({ settings, hooks, reload, argv: selfArgs, env });
}
