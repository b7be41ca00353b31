/** @module Turns --bind addresses into listening sockets (with gunicorn's retries) and names them. */

import { parseAddress, resolveBindHost } from "./config/mod.ts";
import { log } from "./log.ts";
import * as sys from "./sys/mod.ts";

/** A listening socket the arbiter owns. */
export interface Listener {
  fd: number;
  /** The --bind text it came from. */
  bind: string;
  /** Unix socket path to unlink on exit, when this process created it. */
  unlinkPath: string | null;
}

/** How many times a bind in use is retried, a second apart (gunicorn's 5). */
export const BIND_RETRIES = 5;

/** A human form of a listener's local address: `127.0.0.1:8000`, `[::1]:8000`, `unix:/run/x.sock`. */
export function localAddrText(fd: number): string {
  const a = sys.localAddr(fd);
  if (a.transport === "unix") return `unix:${a.path}`;
  return a.hostname.includes(":") ? `[${a.hostname}]:${a.port}` : `${a.hostname}:${a.port}`;
}

/** The URL form logged as `Listening at: ...`: `https://` when `tls` (`--certfile`). */
export function listenerUrl(fd: number, tls = false): string {
  const text = localAddrText(fd);
  if (text.startsWith("unix:")) return text;
  return `${tls ? "https" : "http"}://${text}`;
}

function removeStaleSocket(path: string): void {
  try {
    if (Deno.lstatSync(path).isSocket) Deno.removeSync(path);
  } catch { /* nothing there */ }
}

/**
 * Opens one --bind address, once (no retry): a TCP or unix socket bound and listening (a stale
 * unix socket file is replaced), or an inherited `fd://N` checked. Throws a SysError from bind(2).
 */
export async function openListener(bind: string, backlog: number): Promise<Listener> {
  const addr = parseAddress(bind);
  if (addr.kind === "fd") {
    if (!sys.isListeningSocket(addr.fd)) {
      throw new TypeError(`Cannot use --bind ${bind}: fd ${addr.fd} is not a listening socket`);
    }
    sys.setNonBlocking(addr.fd, true);
    sys.setInheritable(addr.fd, true);
    return { fd: addr.fd, bind, unlinkPath: null };
  }
  if (addr.kind === "unix") {
    removeStaleSocket(addr.path);
    return { fd: sys.listenUnix(addr.path, backlog), bind, unlinkPath: addr.path };
  }
  const host = await resolveBindHost(bind, addr.host);
  return { fd: sys.listenTcp(host, addr.port, backlog), bind, unlinkPath: null };
}

/**
 * Opens every --bind address. An address in use is logged `Connection in use: ADDR` and
 * retried BIND_RETRIES times a second apart; then the error is thrown.
 */
export async function openListeners(
  binds: readonly string[],
  backlog: number,
  retryDelayMs = 1000,
): Promise<Listener[]> {
  const out: Listener[] = [];
  try {
    for (const bind of binds) {
      for (let attempt = 1;; attempt++) {
        try {
          out.push(await openListener(bind, backlog));
          break;
        } catch (e) {
          if (!(e instanceof sys.SysError) || e.code !== "EADDRINUSE") throw e;
          log.error(`Connection in use: ${bind}`);
          if (attempt >= BIND_RETRIES) throw new Error(`Can't connect to ${bind}`);
          log.error(`Retrying in 1 second.`);
          await new Promise((r) => setTimeout(r, retryDelayMs));
        }
      }
    }
  } catch (e) {
    closeListeners(out);
    throw e;
  }
  return out;
}

/** Environment variable through which a re-executed arbiter (USR2) inherits the listeners. */
export const INHERIT_ENV = "DENOCORN_FD";

/**
 * Listening fds handed over by a previous arbiter (`DENOCORN_FD=3,4`) or by systemd socket
 * activation (`LISTEN_FDS=N` with `LISTEN_PID` = this pid, fds from 3), or null when neither.
 */
export function inheritedFds(
  env: Record<string, string | undefined>,
  pid: number,
): number[] | null {
  const own = env[INHERIT_ENV];
  if (own !== undefined && own !== "") return own.split(",").map(Number);
  const n = Number(env.LISTEN_FDS ?? "");
  if (Number.isInteger(n) && n > 0 && Number(env.LISTEN_PID) === pid) {
    return Array.from({ length: n }, (_, i) => 3 + i);
  }
  return null;
}

/**
 * Adopts inherited listening fds: checks each is a listening socket and shares it with workers.
 * With `ownUnixPaths` (a USR2 hand-over) this arbiter unlinks unix socket files on exit.
 */
export function adoptListeners(fds: readonly number[], ownUnixPaths: boolean): Listener[] {
  return fds.map((fd) => {
    if (!sys.isListeningSocket(fd)) {
      throw new TypeError(`Cannot use inherited fd ${fd}: it is not a listening socket`);
    }
    sys.setNonBlocking(fd, true);
    sys.setInheritable(fd, true);
    const bind = localAddrText(fd);
    const unix = bind.startsWith("unix:") ? bind.slice(5) : null;
    return { fd, bind, unlinkPath: ownUnixPaths ? unix : null };
  });
}

/** Closes listeners and unlinks the unix socket files this process created. */
export function closeListeners(listeners: readonly Listener[], unlink = true): void {
  for (const l of listeners) {
    sys.close(l.fd);
    if (unlink && l.unlinkPath !== null) {
      try {
        Deno.removeSync(l.unlinkPath);
      } catch { /* already gone */ }
    }
  }
}
