/** @module Runs the server hooks of a config file: in the right process, never fatal unless told. */

import { type HookName, type Hooks, loadConfigFile } from "./config/mod.ts";
import { log } from "./log.ts";

export type { HookName };

/** The arguments hook `N` is called with (see {@link Hooks}). */
export type HookArgs<N extends HookName> = Parameters<NonNullable<Hooks[N]>>;

/**
 * Loads the hooks of a config file through the same loader (and checks) as the arbiter; workers
 * call this, because functions do not cross the process boundary.
 */
export async function loadHooks(configPath: string | null): Promise<Hooks> {
  if (configPath === null) return {};
  return (await loadConfigFile(configPath)).hooks;
}

function hookOf<N extends HookName>(hooks: Hooks, name: N) {
  return hooks[name] as ((...args: HookArgs<N>) => unknown) | undefined;
}

/**
 * Runs hook `name` with `args`; a throw or rejection is logged and swallowed, so a broken hook
 * never takes the server down. Returns false when the hook failed.
 */
export async function runHook<N extends HookName>(
  hooks: Hooks,
  name: N,
  ...args: HookArgs<N>
): Promise<boolean> {
  const fn = hookOf(hooks, name);
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
export async function runFatalHook<N extends HookName>(
  hooks: Hooks,
  name: N,
  ...args: HookArgs<N>
): Promise<void> {
  const fn = hookOf(hooks, name);
  if (fn !== undefined) await fn(...args);
}
