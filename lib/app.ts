/** @module Loads the application from a `MODULE:ATTR` spec, as gunicorn's `import_app` does. */

import { resolve } from "node:path";
import { pathToFileURL } from "node:url";

/** A web-standard fetch handler: what every worker calls once per request. */
export type FetchHandler = (
  request: Request,
  info: Deno.ServeHandlerInfo,
) => Response | Promise<Response>;

/** The parts of an app spec; see {@link parseAppSpec}. */
export interface AppSpec {
  /** The module path as given (`examples/hello`, `main.ts`). */
  module: string;
  /** The dotted attribute path, or `null` for the default export. */
  attr: string | null;
  /** Set when the attribute is a factory call: the attribute path and its literal arguments. */
  call: { name: string; args: unknown[] } | null;
}

/**
 * A one-line reason why the app could not be loaded; the worker exits with APP_LOAD_ERROR. When
 * the app's own code threw (while its module was imported, or in its factory), `cause` holds
 * that error, so the error log can show its stack below the line.
 */
export class AppLoadError extends Error {
  override name = "AppLoadError";
}

/** The extensions tried, in order, after the module name as given. */
export const MODULE_EXTENSIONS = [".ts", ".tsx", ".js", ".mjs", ".jsx"] as const;

const IDENT = "[A-Za-z_$][A-Za-z0-9_$]*";
const ATTR_RE = new RegExp(`^${IDENT}(?:\\.${IDENT})*$`);
const CALL_RE = new RegExp(`^(${IDENT}(?:\\.${IDENT})*)\\s*\\(([\\s\\S]*)\\)$`);
const URL_RE = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/|^(?:jsr|npm):/;
const DRIVE_RE = /^[A-Za-z]$/;
const SPEC_HINT = 'expected MODULE:ATTR such as main:app or main:create_app("prod")';

function specError(spec: string, detail = SPEC_HINT): AppLoadError {
  return new AppLoadError(`Cannot parse app spec ${JSON.stringify(spec)}: ${detail}`);
}

/** Splits `spec` at the last ":" that is outside a factory call's argument list. */
function splitSpec(spec: string): [string, string | null] {
  const paren = spec.endsWith(")") ? spec.indexOf("(") : -1;
  const colon = spec.lastIndexOf(":", paren < 0 ? spec.length : paren);
  if (colon < 0) return [spec, null];
  const module = spec.slice(0, colon), attr = spec.slice(colon + 1);
  // `C:\srv\app.ts` is a Windows path, not module "C" with attribute "\srv\app.ts".
  if (DRIVE_RE.test(module) && /^[\\/]/.test(attr)) return [spec, null];
  return [module, attr];
}

function parseArgs(spec: string, text: string): unknown[] {
  if (text.trim() === "") return [];
  try {
    return JSON.parse(`[${text}]`) as unknown[];
  } catch {
    throw specError(
      spec,
      'factory arguments must be JSON literals such as "prod", 2, true or null',
    );
  }
}

/**
 * Parses an app spec without touching the file system. Never evaluates code: factory arguments
 * are JSON literals.
 *
 * @example
 * ```ts
 * import { parseAppSpec } from "./app.ts";
 * const spec = parseAppSpec('main:create_app("prod", 2)');
 * if (spec.call?.args[1] !== 2) throw new Error("unexpected");
 * ```
 */
export function parseAppSpec(spec: string): AppSpec {
  const trimmed = spec.trim();
  if (trimmed === "") {
    throw new AppLoadError("Cannot load an app: no APP_MODULE given; pass one such as main:app");
  }
  if (URL_RE.test(trimmed)) {
    throw specError(
      spec,
      "URL and jsr:/npm: specifiers are not supported; give a file path relative to the working directory such as main:app",
    );
  }
  const [module, attrText] = splitSpec(trimmed);
  if (module === "") throw specError(spec);
  if (attrText === null) return { module, attr: null, call: null };
  if (ATTR_RE.test(attrText)) return { module, attr: attrText, call: null };
  const m = CALL_RE.exec(attrText);
  if (m === null) throw specError(spec);
  const name = m[1] as string;
  return { module, attr: name, call: { name, args: parseArgs(spec, m[2] ?? "") } };
}

function firstLine(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return text.split("\n", 1)[0] ?? "";
}

function isFile(path: string, shown: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound || e instanceof Deno.errors.NotADirectory) return false;
    throw new AppLoadError(`Cannot read module ${JSON.stringify(shown)}: ${firstLine(e)}`);
  }
}

/** Finds the module file: the name as given, then with each of {@link MODULE_EXTENSIONS}. */
function findModule(name: string, cwd: string): { path: string; shown: string } {
  const hasExt = MODULE_EXTENSIONS.some((ext) => name.endsWith(ext));
  const tried = hasExt ? [name] : [name, ...MODULE_EXTENSIONS.map((ext) => name + ext)];
  for (const shown of tried) {
    const path = resolve(cwd, shown);
    if (isFile(path, shown)) return { path, shown };
  }
  throw new AppLoadError(
    `Cannot find module ${JSON.stringify(name)}: tried ${tried.join(", ")} in ${cwd}`,
  );
}

async function importModule(path: string, shown: string): Promise<Record<string, unknown>> {
  try {
    return await import(pathToFileURL(path).href) as Record<string, unknown>;
  } catch (e) {
    // Deno's parse errors put the source excerpt and `at file:///…:LINE:COL` on later lines.
    const at = /^\s*at file:\/\/\S*?:(\d+:\d+)\s*$/m.exec(e instanceof Error ? e.message : "");
    const where = at === null ? "" : ` (at ${shown}:${at[1]})`;
    throw new AppLoadError(`Cannot import ${JSON.stringify(shown)}: ${firstLine(e)}${where}`, {
      cause: e,
    });
  }
}

function listKeys(obj: object): string {
  const keys = Object.keys(obj);
  return keys.length === 0 ? "nothing" : keys.join(", ");
}

/** Walks a dotted path; returns the value and the object that holds it (for `this`). */
function lookup(mod: Record<string, unknown>, attr: string, shown: string) {
  let holder: unknown = undefined, value: unknown = mod;
  const parts = attr.split(".");
  for (const [i, part] of parts.entries()) {
    const isObj = value !== null && (typeof value === "object" || typeof value === "function");
    if (!isObj || !(part in (value as object))) {
      const where = i === 0 ? "it exports" : `"${parts.slice(0, i).join(".")}" has`;
      const has = isObj ? listKeys(value as object) : `no properties (it is ${describe(value)})`;
      const hint = attr === "default" ? `; name one as ${shown}:ATTR` : "";
      throw new AppLoadError(
        `Cannot find attribute ${JSON.stringify(attr)} in ${
          JSON.stringify(shown)
        }: ${where} ${has}${hint}`,
      );
    }
    holder = value;
    value = (value as Record<string, unknown>)[part];
  }
  return { holder, value };
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "function" && /^class\b/.test(Function.prototype.toString.call(value))) {
    return "a class (export an instance of it instead)";
  }
  if (typeof value === "object") {
    const ctor = (value as object).constructor?.name;
    const kind = ctor && ctor !== "Object" ? `object ${ctor}` : "object";
    return `${kind} without a fetch method (keys: ${listKeys(value as object)})`;
  }
  return typeof value;
}

async function callFactory(
  found: { holder: unknown; value: unknown },
  call: { name: string; args: unknown[] },
  shown: string,
): Promise<unknown> {
  const prefix = `Cannot call factory ${JSON.stringify(call.name)} in ${JSON.stringify(shown)}`;
  if (typeof found.value !== "function") {
    throw new AppLoadError(`${prefix}: it is ${describe(found.value)}, not a function`);
  }
  try {
    return await (found.value as (...a: unknown[]) => unknown).apply(found.holder, call.args);
  } catch (e) {
    throw new AppLoadError(`${prefix}: it threw: ${firstLine(e)}`, { cause: e });
  }
}

/** Turns the loaded value into a handler: functions as they are, `{ fetch }` objects bound. */
function toHandler(value: unknown, label: string): FetchHandler {
  const kind = describe(value);
  if (typeof value === "function" && kind === "function") return value as FetchHandler;
  if (value !== null && typeof value === "object") {
    const fetch = (value as { fetch?: unknown }).fetch;
    if (typeof fetch === "function") return fetch.bind(value) as FetchHandler;
  }
  throw new AppLoadError(
    `Cannot use ${
      JSON.stringify(label)
    } as an app: expected a fetch handler function or an object with a fetch method, got ${kind}`,
  );
}

/** The app spec that names the handler an embedding program passed to serve(). */
export const EMBEDDED_APP = "denocorn:embedded";

let embedded: FetchHandler | null = null;

/** Registers the handler that {@link EMBEDDED_APP} names (serve() in a worker process). */
export function setEmbeddedApp(app: FetchHandler | { fetch: FetchHandler }): void {
  embedded = toHandler(app, "serve({ app })");
}

/**
 * The file the module part of `spec` names, resolved as {@link loadApp} does, or null when the
 * spec does not parse or names no file (the worker then reports why).
 *
 * @example
 * ```ts
 * import { appModulePath } from "./app.ts";
 * if (appModulePath("no/such/module:app", "/") !== null) throw new Error("found a ghost");
 * ```
 */
export function appModulePath(spec: string, cwd: string): string | null {
  if (spec === EMBEDDED_APP) return null;
  try {
    return findModule(parseAppSpec(spec).module, cwd).path;
  } catch {
    return null;
  }
}

/**
 * Loads the app named by `spec` ("module:attr" or "module"), resolving the module relative to
 * `cwd`. Returns the callable handler; objects with a `fetch` method are bound to themselves.
 * Every failure is an {@link AppLoadError} with a one-line message.
 *
 * @example
 * ```ts ignore
 * import { loadApp } from "./app.ts";
 * const app = await loadApp("examples/hello.ts:app", Deno.cwd());
 * ```
 */
export async function loadApp(spec: string, cwd: string): Promise<FetchHandler> {
  if (spec === EMBEDDED_APP) {
    if (embedded !== null) return embedded;
    throw new AppLoadError("Cannot load the embedded app: serve() was not called with an app");
  }
  const parsed = parseAppSpec(spec);
  const { path, shown } = findModule(parsed.module, cwd);
  const mod = await importModule(path, shown);
  const attr = parsed.attr ?? "default";
  const found = lookup(mod, attr, shown);
  const value = parsed.call === null ? found.value : await callFactory(found, parsed.call, shown);
  return toHandler(value, parsed.attr === null ? shown : `${shown}:${parsed.attr}`);
}
