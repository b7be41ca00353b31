/**
 * @module Signal settings Deno has no API for: SIGUSR1 ignored (so Deno's inspector never opens)
 * and the parent-death signal of a worker.
 */

import { PR, SIG } from "./constants.ts";
import { check, SysError } from "./errors.ts";
import { errno, libc } from "./libc.ts";

const SIG_IGN = 1;
const SIG_ERR = 0xffffffffffffffffn;

/**
 * Makes this process ignore SIGUSR1, for good.
 *
 * Deno ≥ 2.9.2 starts a V8 inspector on 127.0.0.1:9229 when a `deno run` process receives SIGUSR1
 * (`cli/worker.rs` `spawn_sigusr1_inspector_listener`): no flag or variable turns it off, and a
 * JavaScript listener cannot stop it, because Deno calls every listener of a signal. What stops it
 * is the kernel discarding the signal: the disposition SIG_IGN. Deno sets a signal's disposition
 * only when its own signal table sees that signal for the first time (the inspector's listener
 * registers 500 ms after start), which would replace SIG_IGN; so a listener is added and removed
 * first, leaving SIGUSR1 in that table, and only then is SIG_IGN set. Later listeners for SIGUSR1
 * (Deno's, the app's) then never fire. An ignored signal stays ignored across execve(2), so
 * processes started from here inherit it until their runtime installs a handler.
 *
 * Returns true when /proc/self/status confirms that SIGUSR1 is ignored.
 *
 * @example
 * ```ts ignore
 * import { ignoreInspectorSignal } from "./signals.ts";
 * ignoreInspectorSignal(); // `kill -USR1 <pid>` no longer opens port 9229
 * ```
 */
export function ignoreInspectorSignal(): boolean {
  const noop = () => {};
  Deno.addSignalListener("SIGUSR1", noop);
  Deno.removeSignalListener("SIGUSR1", noop);
  const prev = libc().signal(SIG.USR1, SIG_IGN as unknown as bigint);
  if (BigInt(prev) === SIG_ERR) throw new SysError("signal", errno());
  return signalIgnored(SIG.USR1);
}

/** True when this process ignores signal `signo` (the SigIgn mask of /proc/self/status). */
export function signalIgnored(signo: number): boolean {
  const m = /^SigIgn:\s*([0-9a-f]+)$/m.exec(Deno.readTextFileSync("/proc/self/status"));
  return m !== null && ((BigInt(`0x${m[1]}`) >> BigInt(signo - 1)) & 1n) === 1n;
}

/**
 * Asks the kernel to send this process `signal` when its parent dies (PR_SET_PDEATHSIG).
 *
 * Linux sends it when the *thread* that created this process exits. Deno spawns children from the
 * thread that calls `Deno.Command.spawn()`, the arbiter's main thread (a synchronous op; checked
 * in /proc/PID/task/TID/children), which lives as long as the arbiter does. The setting survives
 * execve(2) but is cleared when the process changes its user or group, so call this after
 * dropping privileges. It does not fire when the parent died before the call: compare
 * `Deno.ppid` with the expected parent afterwards ({@linkcode parentChanged}).
 *
 * @example
 * ```ts ignore
 * import { setParentDeathSignal } from "./signals.ts";
 * setParentDeathSignal("SIGTERM");
 * ```
 */
export function setParentDeathSignal(signal: "SIGTERM" | "SIGINT" | "SIGQUIT"): void {
  const signo = signal === "SIGTERM" ? SIG.TERM : signal === "SIGINT" ? SIG.INT : SIG.QUIT;
  const zero = 0 as unknown as bigint;
  check("prctl", libc().prctl(PR.SET_PDEATHSIG, signo as unknown as bigint, zero, zero, zero));
}

/** The parent-death signal number of this process (0 when none is set). */
export function parentDeathSignal(): number {
  const out = new Int32Array(1);
  const zero = 0 as unknown as bigint;
  check("prctl", libc().prctl_get(PR.GET_PDEATHSIG, new Uint8Array(out.buffer), zero, zero, zero));
  return out[0]!;
}

/**
 * True when this process's parent is no longer `expected` (it died and the process was
 * reparented, to pid 1 or a subreaper): gunicorn's "Parent changed" check.
 *
 * @example
 * ```ts
 * import { parentChanged } from "./signals.ts";
 * console.assert(!parentChanged(Deno.ppid));
 * ```
 */
export function parentChanged(expected: number): boolean {
  return Deno.ppid !== expected;
}
