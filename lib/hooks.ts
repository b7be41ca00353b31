/** @module Runs the server hooks of a config file: in the right process, never fatal unless told. */

import { pathToFileURL } from "node:url";
import { HOOK_NAMES, type Hooks } from "./config/mod.ts";
import { log } from "./log.ts";

/** The hook names (gunicorn's), e.g. `on_starting`. */
export type HookName = typeof HOOK_NAMES[number];

/**
 * Loads the hooks a config file exports (workers call this: functions do not cross the
 * process boundary, so each process imports the config file itself).
 */
export async function loadHooks(configPath: string | null): Promise<Hooks> {
  if (configPath === null) return {};
  const mod = await import(pathToFileURL(configPath).href);
  const config = (mod.default ?? {}) as Record<string, unknown>;
  const hooks: Hooks = {};
  for (const name of HOOK_NAMES) {
    const fn = config[name];
    if (typeof fn === "function") hooks[name] = fn as NonNullable<Hooks[HookName]>;
  }
  return hooks;
}

/**
 * Runs hook `name` with `args`; a throw or rejection is logged and swallowed, so a broken hook
 * never takes the server down. Returns false when the hook failed.
 */
export async function runHook(hooks: Hooks, name: HookName, ...args: unknown[]): Promise<boolean> {
  const fn = hooks[name];
  if (fn === undefined) return true;
  try {
    await fn(...args);
    return true;
  } catch (e) {
    log.error(`Exception in ${name} hook`, e);
    return false;
  }
}

/** Runs hook `name` and lets a throw propagate (the hooks that abort startup, like gunicorn's). */
export async function runFatalHook(
  hooks: Hooks,
  name: HookName,
  ...args: unknown[]
): Promise<void> {
  const fn = hooks[name];
  if (fn !== undefined) await fn(...args);
}
