/**
 * @module The pieces of a worker's `deno run` command: the flags that load an app under its own
 * project, the flags this process was started with, and denocorn's own npm packages.
 */

import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { log } from "../log.ts";
import type { DenoProject } from "./find.ts";
import { OWN_LOCK_ENTRIES } from "./lock.ts";

/**
 * The `deno run` flags that load an app the way `deno run <app module>` would: its deno.json
 * (workspace, imports, scopes, unstable, compilerOptions, nodeModulesDir, links), or, for a
 * package.json project, its node_modules; and `lock` (the worker's copy of the app's lock).
 *
 * @example
 * ```ts
 * import { projectFlags } from "./command.ts";
 * import { NO_PROJECT } from "./find.ts";
 * const flags = projectFlags({ ...NO_PROJECT, config: "/srv/app/deno.json" }, "/tmp/w.lock");
 * if (flags.join(" ") !== "--config=/srv/app/deno.json --lock=/tmp/w.lock") throw new Error();
 * ```
 */
export function projectFlags(project: DenoProject, lock: string | null): string[] {
  const flags = project.config !== null ? [`--config=${project.config}`] : ["--no-config"];
  // Without a deno.json Deno would only find the package.json from the main module's directory,
  // which is denocorn's: resolve bare specifiers through node_modules as it would for the app.
  if (project.config === null && project.packageJson !== null) {
    flags.push("--node-modules-dir=manual");
  }
  flags.push(lock === null ? "--no-lock" : `--lock=${lock}`);
  return flags;
}

/** Flags that must not be repeated in a re-executed process. */
const NOT_REPEATED = /^--(watch|hmr|inspect|inspect-brk|inspect-wait)(=|$)|^--watch-exclude=/;

/**
 * The `deno` flags of a process started as `deno [run] FLAGS SCRIPT ARGS`, read from its
 * command line (`/proc/self/cmdline` split on NUL) given its `Deno.args`; `-A` is added when
 * missing and `--watch`/`--inspect` flags are dropped. Null when the line has another shape.
 *
 * @example
 * ```ts
 * import { runFlags } from "./command.ts";
 * const line = ["deno", "run", "--unstable-kv", "-A", "server.ts", "--port", "1"];
 * const flags = runFlags(line, ["--port", "1"]);
 * if (flags?.join(" ") !== "--unstable-kv -A") throw new Error(String(flags));
 * ```
 */
export function runFlags(cmdline: string[], args: string[]): string[] | null {
  const script = cmdline.length - args.length - 1;
  if (script < 1) return null;
  if (cmdline.slice(script + 1).some((a, i) => a !== args[i])) return null;
  let flags = cmdline.slice(1, script);
  if (flags[0] === "run") flags = flags.slice(1);
  else if (flags.length > 0 && !flags[0]!.startsWith("-")) return null;
  flags = flags.filter((f) => !NOT_REPEATED.test(f));
  const all = flags.some((f) => f === "-A" || f === "--allow-all");
  return all ? flags : ["-A", ...flags];
}

/** Flags of the arbiter's own `deno run` that change how code runs, and so hold for workers. */
const FORWARDED = /^--(unstable(-[\w-]+)?|cached-only|frozen(=\w+)?|location=\S+|seed=\d+)$/;

/**
 * The flags of this process's `deno run` that workers get too (`--unstable-*`, `--cached-only`,
 * `--frozen`, `--location=`, `--seed=`): a worker loads the app as the arbiter was asked to.
 *
 * @example
 * ```ts
 * import { forwardedFlags } from "./command.ts";
 * const flags = forwardedFlags(["-A", "--unstable-kv", "--config", "x.json", "--frozen"]);
 * if (flags.join(" ") !== "--unstable-kv --frozen") throw new Error(flags.join(" "));
 * ```
 */
export function forwardedFlags(flags: string[]): string[] {
  return flags.filter((f) => FORWARDED.test(f));
}

/** This process's command line, or null where /proc is not available. */
export function ownCommandLine(): string[] | null {
  try {
    const text = Deno.readTextFileSync("/proc/self/cmdline");
    return text.endsWith("\0") ? text.slice(0, -1).split("\0") : text.split("\0");
  } catch {
    return null;
  }
}

/** denocorn's own directory (that of its deno.json), or null for a remote or compiled copy. */
export function ownRoot(): string | null {
  const url = new URL("../../", import.meta.url);
  if (url.protocol !== "file:") return null;
  const dir = fileURLToPath(url).replace(/\/$/, "");
  try {
    return Deno.statSync(join(dir, "deno.json")).isFile ? dir : null;
  } catch {
    return null;
  }
}

/** denocorn's entry point, as a path when it is a local file. */
export function ownMain(): string {
  const url = new URL("../../main.ts", import.meta.url);
  return url.protocol === "file:" ? fileURLToPath(url) : url.href;
}

/** `name@version` pairs of denocorn's npm dependencies, from its lock entries. */
function ownPackages(): Array<{ name: string; version: string }> {
  return Object.keys(OWN_LOCK_ENTRIES.npm).map((key) => {
    const at = key.lastIndexOf("@");
    return { name: key.slice(0, at), version: key.slice(at + 1) };
  });
}

function installedVersion(dir: string, name: string): string | null {
  try {
    const pkg = JSON.parse(Deno.readTextFileSync(join(dir, "node_modules", name, "package.json")));
    return typeof pkg.version === "string" ? pkg.version : null;
  } catch {
    return null;
  }
}

/** True when a node_modules at or above `dir` holds every one of denocorn's npm packages. */
function ownPackagesFound(dir: string): boolean {
  return ownPackages().every(({ name, version }) => {
    for (let d = dir;; d = dirname(d)) {
      if (installedVersion(d, name) === version) return true;
      if (d === dirname(d)) return false;
    }
  });
}

/**
 * In a project whose npm packages come from its own node_modules (`manual`), Deno resolves the
 * `npm:` imports of denocorn's files from the nearest node_modules above those files. Makes sure
 * one holds them, installing into `<denocorn>/node_modules` once (never into the app's).
 * Throws Error with a one-line reason when that is not possible.
 */
export function ensureOwnNodeModules(): void {
  const root = ownRoot();
  const wanted = ownPackages().map((p) => `npm:${p.name}@${p.version}`).join(", ");
  if (root === null) {
    throw new Error(
      `Cannot resolve denocorn's own npm packages in a project with a manual node_modules: ` +
        `add ${wanted} to the project's dependencies`,
    );
  }
  if (ownPackagesFound(root)) return;
  log.info(`Installing ${wanted} into ${root}/node_modules (the app's node_modules is manual)`);
  const out = new Deno.Command(Deno.execPath(), {
    args: ["install", "--node-modules-dir=auto", "--config", join(root, "deno.json")].concat(
      ["--entrypoint", join(root, "main.ts")],
    ),
    cwd: root,
    env: { NO_COLOR: "1" },
    stdin: "null",
  }).outputSync();
  if (!out.success || !ownPackagesFound(root)) {
    const why = new TextDecoder().decode(out.stderr).trim();
    throw new Error(
      `Cannot install ${wanted} into ${root}/node_modules: ${why.split("\n")[0] ?? ""}`,
    );
  }
}
