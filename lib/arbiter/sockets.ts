/**
 * @module The arbiter's listening sockets: opened from --bind or adopted from a previous arbiter
 * or systemd, reopened when a HUP changes --bind, closed at exit.
 */

import {
  adoptListeners,
  closeListeners,
  INHERIT_ENV,
  inheritedFds,
  type Listener,
  listenerUrl,
  openListeners,
} from "../address.ts";
import { log } from "../log.ts";

function removeSocketFile(l: Listener): void {
  if (l.unlinkPath === null) return;
  try {
    Deno.removeSync(l.unlinkPath);
  } catch { /* already gone */ }
}

/** The listening sockets every worker inherits. */
export class Sockets {
  #listeners: Listener[] = [];
  /** Listeners whose fds {@linkcode stopListening} closed: their unix socket files remain. */
  #stopped: Listener[] = [];
  /** The --bind list the listeners stand for (inherited ones keep the list they started with). */
  #boundFrom: string[] = [];
  /** The workers serve HTTPS on them (`--certfile`): the URLs say `https://`. */
  tls = false;

  /** The fd numbers, in --bind order. */
  get fds(): number[] {
    return this.#listeners.map((l) => l.fd);
  }

  /** The addresses as URLs (`http://127.0.0.1:8000`, `https://...` with TLS, `unix:/run/app.sock`). */
  get urls(): string[] {
    return this.#listeners.map((l) => listenerUrl(l.fd, this.tls));
  }

  /** Opens `bind` (or adopts fds inherited through `env`) and logs `Listening at:` lines. */
  async open(bind: readonly string[], backlog: number, env: Record<string, string>): Promise<void> {
    const inherited = inheritedFds(env, Deno.pid);
    this.#listeners = inherited === null
      ? await openListeners(bind, backlog)
      : adoptListeners(inherited, env[INHERIT_ENV] !== undefined);
    this.#boundFrom = [...bind];
    this.#logListening();
  }

  /** Opens what a changed --bind adds and closes what it drops (workers keep their copies). */
  async rebind(bind: readonly string[], backlog: number): Promise<void> {
    const had = this.#boundFrom;
    if (bind.length === had.length && bind.every((b, i) => b === had[i])) return;
    // Listeners follow the order of the --bind list they were opened from.
    const bySpec = new Map(had.map((b, i) => [b, this.#listeners[i]!]));
    const opened = await openListeners(bind.filter((b) => !bySpec.has(b)), backlog);
    const fresh = bind.map((b) => bySpec.get(b) ?? opened.shift()!);
    closeListeners(this.#listeners.filter((l) => !fresh.includes(l)));
    this.#listeners = fresh;
    this.#boundFrom = [...bind];
    this.#logListening();
  }

  #logListening(): void {
    for (const url of this.urls) log.info(`Listening at: ${url} (${Deno.pid})`);
  }

  /**
   * Closes this process's copy of every listener, before the workers are stopped: once they have
   * closed theirs too, new connections are refused at once. Unix socket files stay until
   * {@linkcode close} (a USR2 child may still serve them). A USR2 child has its own copies.
   */
  stopListening(): void {
    closeListeners(this.#listeners, false);
    this.#stopped.push(...this.#listeners);
    this.#listeners = [];
  }

  /** Closes every listener; unix socket files are removed only with `unlink`. */
  close(unlink: boolean): void {
    closeListeners(this.#listeners, unlink);
    if (unlink) { for (const l of this.#stopped) removeSocketFile(l); }
    this.#listeners = [];
    this.#stopped = [];
  }
}
