/** @module How the arbiter reads a worker's exit: halt the server, or log it and respawn (pure). */

import { APP_LOAD_ERROR, WORKER_BOOT_ERROR } from "../exit_codes.ts";
import { spawnBackoff } from "./plan.ts";

/** Thrown inside the loop to stop the server with a reason and an exit status. */
export class HaltServer extends Error {
  /** The arbiter's exit status. */
  readonly exitCode: number;
  /** Creates the halt with its `reason` and `exitCode`. */
  constructor(reason: string, exitCode: number) {
    super(reason);
    this.exitCode = exitCode;
  }
}

/** What the arbiter does about a worker that exited. */
export type ExitVerdict =
  /** Stop the server with this reason and exit status (respawning would only fail again). */
  | { kind: "halt"; reason: string; exitCode: number }
  /** Log `message` (null: a clean exit, nothing to say); the worker is replaced. */
  | { kind: "log"; message: string | null }
  /**
   * The worker could not boot or load the app, but the server keeps running: other workers
   * still serve, or --reload waits for the next change. No worker is spawned until a reload.
   */
  | { kind: "load-failed"; reason: string; exitCode: number };

/** What the arbiter knew when the worker exited. */
export interface ExitContext {
  /** True while the arbiter itself is stopping (its own KILLs are not news). */
  stopping: boolean;
  /** True when the arbiter had asked the worker to stop (a TERM before it could catch one). */
  retired?: boolean;
  /** True when a worker that cannot load must not stop the server (see "load-failed"). */
  keepServing?: boolean;
  /** Why the arbiter sent SIGKILL itself (`WORKER TIMEOUT`, --graceful-timeout), if it did. */
  killedFor?: string | null;
  /** The worker's V8 heap at its last heartbeat, in bytes, if it reported one. */
  heap?: { used: number; limit: number } | null;
}

const HALTS: Record<number, string> = {
  [WORKER_BOOT_ERROR]: "Worker failed to boot.",
  [APP_LOAD_ERROR]: "App failed to load.",
};

/** Decides on the exit of worker `pid` with `code` or `signal` (gunicorn's `reap_workers`). */
export function judgeExit(
  pid: number,
  code: number,
  signal: string | null,
  ctx: ExitContext,
): ExitVerdict {
  const halt = signal === null ? HALTS[code] : undefined;
  if (halt !== undefined) {
    return { kind: ctx.keepServing ? "load-failed" : "halt", reason: halt, exitCode: code };
  }
  if (ctx.stopping && signal === "SIGKILL") return { kind: "log", message: null };
  if (ctx.retired && signal === "SIGTERM") return { kind: "log", message: null };
  return { kind: "log", message: describeExit(pid, code, signal, ctx) };
}

/**
 * Signals that usually mean the worker ran out of memory: SIGKILL from the kernel's OOM killer,
 * SIGTRAP from V8, which stops a process whose heap hit its limit ("Fatal JavaScript out of memory:
 * Reached heap limit" on the worker's stderr).
 */
const OOM_SIGNALS = ["SIGKILL", "SIGTRAP"];

/** gunicorn's wording for how a worker ended, or null for a clean exit. */
export function describeExit(
  pid: number,
  code: number,
  signal: string | null,
  ctx: Omit<ExitContext, "stopping"> = {},
): string | null {
  if (signal === null) return code === 0 ? null : `Worker (pid:${pid}) exited with code ${code}.`;
  const msg = `Worker (pid:${pid}) was sent ${signal}!`;
  if (signal === "SIGKILL" && ctx.killedFor) {
    return `${msg} The arbiter killed it: ${ctx.killedFor}.`;
  }
  if (!OOM_SIGNALS.includes(signal)) return msg;
  const heap = ctx.heap ?? null;
  if (heap === null) return `${msg} Perhaps out of memory?`;
  const mib = (n: number) => (n / 2 ** 20).toFixed(1);
  return `${msg} Perhaps out of memory? V8 heap at its last heartbeat: ${mib(heap.used)} of ${
    mib(heap.limit)
  } MiB.`;
}

/**
 * What the arbiter logs when a new generation cannot load: who keeps serving, and what retries
 * (`serving` workers of the previous code are still up; `reload` is --reload).
 */
export function loadFailureMessage(reason: string, serving: number, reload: boolean): string {
  const what = reason.replace(/\.$/, "");
  const next = reload ? "the next change (--reload)" : "the next HUP (or denocorn ctl reload)";
  if (serving === 0) return `${what}: no worker is serving; waiting for ${next}`;
  const workers = serving === 1
    ? "1 worker of the previous code keeps"
    : `${serving} workers of the previous code keep`;
  return `${what}: ${workers} serving; no new worker starts until ${next}`;
}

/**
 * Workers in a row that die before their first heartbeat, with none ever booted, after which the
 * arbiter stops with exit 3 (gunicorn's `WORKER_BOOT_ERROR`) instead of respawning forever.
 */
export const BOOT_ATTEMPTS = 5;

/** A worker that died before its first heartbeat (other than with exit 3 or 4). */
export interface BootFailure {
  pid: number;
  /** Its exit status (when `signal` is null). */
  code: number;
  /** The signal that ended it, if one did. */
  signal: string | null;
  /** The line that names why, from what it printed (null: it printed nothing). */
  cause: string | null;
  /** Boot failures in a row, this one included (reset when a worker boots, and by a reload). */
  failures: number;
  /** True once any worker of this arbiter has booted: the server was healthy once. */
  everBooted: boolean;
  /** --reload: a failing app waits for the next change instead of stopping the server. */
  reload: boolean;
  /** True when it was a HUP's new worker and booted workers of the previous code serve. */
  previousServes?: boolean;
}

/** What the arbiter does about a boot failure. */
export type BootVerdict =
  /** Stop the server: the app never booted and would not boot now (one line: `reason`). */
  | { kind: "halt"; reason: string; exitCode: number }
  /** Log `message`, spawn the next worker `waitS` seconds from now (serving workers stay). */
  | { kind: "retry"; message: string; waitS: number }
  /** Log `message`; the new code is kept out like one that cannot load (see "load-failed"). */
  | { kind: "keep-previous"; message: string };

/**
 * Decides on a worker that died before booting. With no worker ever booted, BOOT_ATTEMPTS
 * failures in a row halt the server with exit 3 and the cause; respawns are immediate until
 * then (a transient failure gets a few tries). Once a worker has booted (or under --reload),
 * the server never halts for it: the next spawn waits 1, 2, 4 … 30 s and serving workers stay.
 * A HUP's new worker that dies so while the previous code serves keeps that code serving.
 */
export function judgeBootFailure(f: BootFailure): BootVerdict {
  const how = f.signal === null ? `exited with code ${f.code}` : `was sent ${f.signal}`;
  const cause = f.cause ?? "it printed nothing on stderr";
  const died = `Worker (pid:${f.pid}) ${how} before it booted: ${cause}`;
  if (f.previousServes) return { kind: "keep-previous", message: died };
  if (!f.everBooted && !f.reload && f.failures >= BOOT_ATTEMPTS) {
    const reason = `Worker failed to boot: ${f.failures} workers in a row ${
      how.replace("was", "were")
    } before their first heartbeat: ${cause}`;
    return { kind: "halt", reason, exitCode: WORKER_BOOT_ERROR };
  }
  const waitS = f.everBooted || f.reload ? spawnBackoff(f.failures) : 0;
  const next = waitS > 0 ? `; next worker in ${waitS}s` : "";
  return { kind: "retry", message: `${died}${next}`, waitS };
}
