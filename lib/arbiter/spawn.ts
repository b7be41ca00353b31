/**
 * @module Starting child processes: workers (denocorn's entry point under the app's own Deno
 * project, or the embedding program), and this program again (USR2, --daemon).
 */

import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { appModulePath } from "../app.ts";
import type { Settings } from "../config/mod.ts";
import { log } from "../log.ts";
import {
  ensureOwnNodeModules,
  forwardedFlags,
  ownCommandLine,
  ownMain,
  projectFlags,
  runFlags,
} from "../project/command.ts";
import { type DenoProject, findProject, NO_PROJECT, projectOfConfig } from "../project/find.ts";
import { describeLock, writeWorkerLock } from "../project/lock.ts";
import { WORKER_ENV } from "../workers/env.ts";
import { workerOwner } from "./worker_setup.ts";

/** A program and its arguments. */
export interface Command {
  cmd: string;
  args: string[];
}

/** What workers run: denocorn's entry point (the command), or the program that called serve(). */
let workersRun: "denocorn" | "program" = "denocorn";

/** Makes workers re-execute this program (serve() from an embedding program) with its args. */
export function workersRunThisProgram(): void {
  workersRun = "program";
}

/** True when running as a `deno compile` executable (its execPath is the program itself). */
export function isCompiled(): boolean {
  const exe = Deno.execPath().split("/").pop() ?? "";
  return Deno.mainModule.includes("/deno-compile-") || !/^deno(\.exe)?$/.test(exe);
}

function mainModulePath(): string {
  return Deno.mainModule.startsWith("file:") ? fileURLToPath(Deno.mainModule) : Deno.mainModule;
}

/**
 * The command that starts this program again, with the Deno flags it was started with (so a
 * `--config`, `--unstable-*` or `--frozen` given to it holds for the new process too).
 */
export function selfCommand(): Command {
  if (isCompiled()) return { cmd: Deno.execPath(), args: [] };
  return { cmd: Deno.execPath(), args: ["run", ...ownRunFlags(), mainModulePath()] };
}

/** The `deno run` flags this process was started with, or `-A` where they cannot be read. */
function ownRunFlags(): string[] {
  const line = ownCommandLine();
  return (line === null ? null : runFlags(line, Deno.args)) ?? ["-A"];
}

/** The project the app of `settings` belongs to: --deno-config, or found from the app module. */
export function appProject(settings: Settings, cwd: string): DenoProject {
  if (settings.deno_config !== null) return projectOfConfig(resolve(cwd, settings.deno_config));
  const path = settings.app === null ? null : appModulePath(settings.app, cwd);
  return findProject(path === null ? cwd : dirname(path));
}

/** One-line description of a project for the error log. */
export function describeProject(p: DenoProject): string {
  const what = p.config ?? p.packageJson ?? "no Deno config";
  const lock = describeLock(p);
  const npm = p.nodeModules === "none" ? "" : `, ${p.nodeModules} node_modules`;
  return `${what}${lock}${npm}`;
}

let lockDir: string | null = null;
/** One worker lock file per project seen (a HUP may point at another app). */
const lockNames = new Map<string, string>();

function workerLockDir(settings: Settings): string {
  if (lockDir !== null) return lockDir;
  const base = settings.worker_tmp_dir;
  const dir = Deno.makeTempDirSync(
    base === null ? { prefix: "denocorn-lock-" } : { dir: base, prefix: "denocorn-lock-" },
  );
  lockDir = dir;
  globalThis.addEventListener("unload", () => {
    try {
      Deno.removeSync(dir, { recursive: true });
    } catch { /* gone */ }
  });
  const owner = workerOwner(settings);
  if (owner !== null) Deno.chownSync(dir, owner.uid, owner.gid);
  return dir;
}

/**
 * The command a worker starts with. From the `denocorn` command: denocorn's main.ts run under the
 * app's own project (see docs/architecture.md, "Spawning workers"), with a private copy of the
 * app's lock. From serve() in an embedding program: that program again. In a compiled binary:
 * the binary.
 */
export function workerCommand(settings: Settings, cwd = Deno.cwd(), quiet = false): Command {
  if (isCompiled()) return { cmd: Deno.execPath(), args: [...Deno.args] };
  if (workersRun === "program") {
    const self = selfCommand();
    return { cmd: self.cmd, args: [...self.args, ...Deno.args] };
  }
  let project: DenoProject;
  try {
    project = appProject(settings, cwd);
  } catch (e) {
    // Checked at startup; a deno.json broken since (HUP) is Deno's to report in the worker.
    log.error((e as Error).message);
    project = { ...NO_PROJECT, config: settings.deno_config };
  }
  const key = describeProject(project);
  let name = lockNames.get(key);
  if (name === undefined) {
    name = `project-${lockNames.size + 1}`;
    lockNames.set(key, name);
    if (!quiet) log.info(`Loading the app with ${key}`);
  }
  try {
    if (project.nodeModules === "manual") ensureOwnNodeModules();
  } catch (e) {
    log.error((e as Error).message); // checked at startup; the worker will say what it lacks
  }
  const lock = writeWorkerLock(project, workerLockDir(settings), name);
  const owner = workerOwner(settings);
  if (lock !== null && owner !== null) Deno.chownSync(lock, owner.uid, owner.gid);
  const args = ["run", "-A", ...forwardedFlags(ownRunFlags()), ...projectFlags(project, lock)];
  return { cmd: Deno.execPath(), args: [...args, ownMain()] };
}

/**
 * Spawns a child process with extra environment, stdin closed and output inherited (stderr
 * piped with `opts.stderr`): a worker when `env` says so (see {@link workerCommand}), else this
 * program again with `extraArgs`.
 */
export function spawnSelf(
  env: Record<string, string>,
  extraArgs: string[] = [],
  opts: { stderr?: "inherit" | "piped" } = {},
): Deno.ChildProcess {
  const role = env[WORKER_ENV.role];
  const { cmd, args } = role === undefined ? selfCommand() : workerCommand(
    JSON.parse(env[WORKER_ENV.settings] ?? "null") as Settings,
    Deno.cwd(),
    role !== "worker",
  );
  return new Deno.Command(cmd, {
    args: [...args, ...extraArgs],
    env,
    stdin: "null",
    stdout: "inherit",
    stderr: opts.stderr ?? "inherit",
  }).spawn();
}
