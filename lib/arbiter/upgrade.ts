/**
 * @module USR2, the binary upgrade: start a new arbiter from the current program that adopts our
 * listening sockets, move the pidfile aside meanwhile, and know whether a parent or child arbiter
 * shares the sockets (then unix socket files are not ours alone to remove).
 */

import { INHERIT_ENV } from "../address.ts";
import { log } from "../log.ts";
import type { Pidfile } from "./pidfile.ts";
import { spawnSelf } from "./spawn.ts";

/** Environment variable naming the arbiter that started this one with USR2. */
export const OLD_ARBITER_ENV = "DENOCORN_OLD_ARBITER";

/** What a USR2 needs from the arbiter. */
export interface UpgradeRequest {
  /** The listening fds to hand over. */
  fds: readonly number[];
  /** The command line to start the new arbiter with. */
  argv: string[];
  /** The pidfile, moved to `<path>.oldbin` while the new arbiter runs. */
  pidfile: Pidfile | null;
  /** Runs the `pre_exec` hook. */
  preExec(): Promise<void>;
  /** True once this arbiter is stopping (then the pidfile is not moved back). */
  stopping(): boolean;
}

/** The arbiter's view of USR2: its child, if one runs, and its parent, if it was started so. */
export class Upgrade {
  #child: Deno.ChildProcess | null = null;
  #parent: number;

  /** Reads the parent arbiter's pid from `env` (set when this arbiter was started by USR2). */
  constructor(env: Record<string, string>) {
    this.#parent = Number(env[OLD_ARBITER_ENV] ?? 0);
  }

  /** True while a new arbiter started by USR2 runs, or the one that started us is alive. */
  get sharing(): boolean {
    this.checkParent();
    return this.#child !== null || this.#parent !== 0;
  }

  /** Forgets the parent arbiter once it is gone (this process has been reparented). */
  checkParent(): void {
    if (this.#parent !== 0 && Deno.ppid !== this.#parent) this.#parent = 0;
  }

  /** Starts the new arbiter, unless one runs already or this one is a USR2 child itself. */
  async start(req: UpgradeRequest): Promise<void> {
    if (this.#child !== null) return log.warning("USR2 signal ignored. Child exists.");
    if (this.#parent !== 0) return log.warning("USR2 signal ignored. Parent exists.");
    const { pidfile } = req;
    const pidPath = pidfile?.path ?? null;
    pidfile?.rename(`${pidPath}.oldbin`);
    await req.preExec();
    const child = spawnSelf({
      [INHERIT_ENV]: req.fds.join(","),
      [OLD_ARBITER_ENV]: String(Deno.pid),
    }, req.argv);
    this.#child = child;
    log.info(`Started new arbiter with pid: ${child.pid}`);
    child.status.then((st) => {
      this.#child = null;
      log.info(`New arbiter (pid:${child.pid}) exited with code ${st.code}`);
      if (pidPath !== null && !req.stopping()) pidfile?.rename(pidPath);
    });
  }
}
