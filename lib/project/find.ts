/**
 * @module Finds the Deno project an app module belongs to, as `deno run app.ts` would: its
 * deno.json or deno.jsonc, workspace root, package.json, lock file and node_modules mode.
 */

import { dirname, join, resolve } from "node:path";

/** How npm packages resolve in a project (Deno's `nodeModulesDir`). */
export type NodeModulesMode = "none" | "auto" | "manual";

/** What Deno would use to load an app module. */
export interface DenoProject {
  /** The deno.json or deno.jsonc that applies to the module; null when there is none. */
  config: string | null;
  /** The nearest package.json when no deno.json is nearer; null otherwise. */
  packageJson: string | null;
  /** The directory that holds the lock file and node_modules: the workspace root. */
  root: string | null;
  /** The lock file Deno would read and write, or null when locking is off. */
  lock: string | null;
  /** True when the config asks for a frozen lock (`"lock": { "frozen": true }`). */
  frozen: boolean;
  /** How npm packages resolve. */
  nodeModules: NodeModulesMode;
}

const CONFIG_NAMES = ["deno.json", "deno.jsonc"] as const;

/** A project with no configuration at all (`deno run --no-config`). */
export const NO_PROJECT: DenoProject = {
  config: null,
  packageJson: null,
  root: null,
  lock: null,
  frozen: false,
  nodeModules: "none",
};

/**
 * Parses JSON with comments and trailing commas, as deno.jsonc (and deno.json) allow.
 *
 * @example
 * ```ts
 * import { parseJsonc } from "./find.ts";
 * const v = parseJsonc('{ "a": [1, 2,], /* note *\/ "b": "//x" // end\n}');
 * if (JSON.stringify(v) !== '{"a":[1,2],"b":"//x"}') throw new Error(JSON.stringify(v));
 * ```
 */
export function parseJsonc(text: string): unknown {
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      const end = stringEnd(text, i);
      out += text.slice(i, end);
      i = end - 1;
    } else if (c === "/" && text[i + 1] === "/") {
      while (i < text.length && text[i] !== "\n") i++;
      out += "\n";
    } else if (c === "/" && text[i + 1] === "*") {
      const end = text.indexOf("*/", i + 2);
      i = end < 0 ? text.length : end + 1;
      out += " ";
    } else {
      out += c;
    }
  }
  return JSON.parse(out.replace(/,(\s*[}\]])/g, "$1"));
}

/** The index just past the string literal that starts at `start`. */
function stringEnd(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    if (text[i] === "\\") i++;
    else if (text[i] === '"') return i + 1;
  }
  return text.length;
}

function isFile(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

/** Reads a config file; throws Error (SyntaxError when it does not parse) naming the file. */
export function readConfig(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = Deno.readTextFileSync(path);
  } catch (e) {
    const why = e instanceof Deno.errors.NotFound ? "file not found" : (e as Error).message;
    throw new Error(`Cannot read Deno config "${path}": ${why}`);
  }
  let value: unknown;
  try {
    value = parseJsonc(text);
  } catch (e) {
    throw new SyntaxError(`Cannot parse Deno config "${path}": ${(e as Error).message}`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new SyntaxError(`Cannot parse Deno config "${path}": expected a JSON object`);
  }
  return value as Record<string, unknown>;
}

function configIn(dir: string): string | null {
  for (const name of CONFIG_NAMES) {
    if (isFile(join(dir, name))) return join(dir, name);
  }
  return null;
}

function globToRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(
    /\*\*?/g,
    (m) => m === "**" ? ".*" : "[^/]*",
  );
  return new RegExp(`^${body}$`);
}

/** True when `root`'s "workspace" field lists `member` (a directory), globs included. */
function listsMember(rootDir: string, config: Record<string, unknown>, member: string): boolean {
  const field = config.workspace;
  const list = Array.isArray(field) ? field : (field as { members?: unknown } | undefined)?.members;
  if (!Array.isArray(list)) return false;
  return list.some((m) =>
    typeof m === "string" && globToRegExp(resolve(rootDir, m).replace(/\/$/, "")).test(member)
  );
}

/** The workspace root config that lists the config in `memberDir`, if any. */
function workspaceRoot(
  memberDir: string,
): { path: string; config: Record<string, unknown> } | null {
  for (let dir = dirname(memberDir); dir !== memberDir; dir = dirname(dir)) {
    const path = configIn(dir);
    if (path !== null) {
      const config = readConfig(path);
      if (listsMember(dir, config, memberDir)) return { path, config };
    }
    if (dir === dirname(dir)) break;
  }
  return null;
}

function lockOf(rootDir: string, field: unknown): { lock: string | null; frozen: boolean } {
  if (field === false) return { lock: null, frozen: false };
  if (typeof field === "string") return { lock: resolve(rootDir, field), frozen: false };
  if (typeof field === "object" && field !== null) {
    const { path, frozen } = field as { path?: unknown; frozen?: unknown };
    const file = typeof path === "string" ? resolve(rootDir, path) : join(rootDir, "deno.lock");
    return { lock: file, frozen: frozen === true };
  }
  return { lock: join(rootDir, "deno.lock"), frozen: false };
}

function nodeModulesOf(field: unknown, hasPackageJson: boolean): NodeModulesMode {
  if (field === "auto" || field === "manual" || field === "none") return field;
  if (field === true) return "auto";
  if (field === false) return "none";
  return hasPackageJson ? "manual" : "none";
}

/** The project of a given deno.json/deno.jsonc, with its workspace root's lock settings. */
export function projectOfConfig(config: string): DenoProject {
  const memberDir = dirname(config);
  const ws = workspaceRoot(memberDir);
  const rootDir = ws === null ? memberDir : dirname(ws.path);
  const rootConfig = ws?.config ?? readConfig(config);
  const hasPackageJson = isFile(join(memberDir, "package.json")) ||
    isFile(join(rootDir, "package.json"));
  return {
    config,
    packageJson: null,
    root: rootDir,
    ...lockOf(rootDir, rootConfig.lock),
    nodeModules: nodeModulesOf(rootConfig.nodeModulesDir, hasPackageJson),
  };
}

/**
 * Finds the project of a module directory as Deno does: walks up to the first directory that
 * holds a deno.json, deno.jsonc or package.json. A deno.json wins over a package.json beside it
 * (Deno reads both; the package.json then only changes the default node_modules mode).
 */
export function findProject(startDir: string): DenoProject {
  for (let dir = resolve(startDir);; dir = dirname(dir)) {
    const config = configIn(dir);
    if (config !== null) return projectOfConfig(config);
    const pkg = join(dir, "package.json");
    if (isFile(pkg)) {
      return {
        config: null,
        packageJson: pkg,
        root: dir,
        ...lockOf(dir, undefined),
        nodeModules: "manual",
      };
    }
    if (dir === dirname(dir)) return NO_PROJECT;
  }
}
