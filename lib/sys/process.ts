/** @module Process identity over libc: new session, user and group switch, systemd notify. */

import { AF, SOCK } from "./constants.ts";
import { check } from "./errors.ts";
import { libc } from "./libc.ts";

/** Starts a new session (detaches from the controlling terminal), as `--daemon` needs. */
export function setsid(): void {
  check("setsid", libc().setsid());
}

/** The effective user id. */
export function geteuid(): number {
  return libc().geteuid();
}

/** Switches to `gid` (supplementary groups reset to it) and then `uid`; order matters. */
export function setOwner(uid: number | null, gid: number | null): void {
  if (gid !== null) {
    const groups = new Uint32Array([gid]);
    check("setgroups", libc().setgroups(1 as unknown as bigint, new Uint8Array(groups.buffer)));
    check("setgid", libc().setgid(gid));
  }
  if (uid !== null) check("setuid", libc().setuid(uid));
}

/**
 * Sends `state` (e.g. `READY=1`) to systemd's `NOTIFY_SOCKET` (a path, or `@name` in the
 * abstract namespace). Returns false when the variable is unset.
 */
export function sdNotify(state: string, socketPath: string | undefined): boolean {
  if (socketPath === undefined || socketPath === "") return false;
  const name = new TextEncoder().encode(socketPath);
  const addr = new Uint8Array(2 + name.length + (socketPath.startsWith("@") ? 0 : 1));
  new DataView(addr.buffer).setUint16(0, AF.UNIX, true);
  addr.set(name, 2);
  if (socketPath.startsWith("@")) addr[2] = 0; // abstract namespace: leading NUL, no terminator
  const fd = check("socket", libc().socket(AF.UNIX, SOCK.DGRAM | SOCK.CLOEXEC, 0));
  try {
    const msg = new TextEncoder().encode(state);
    check("sendto", libc().sendto(fd, msg, msg.length as unknown as bigint, 0, addr, addr.length));
  } finally {
    libc().close(fd);
  }
  return true;
}

/** RLIMIT_NOFILE on Linux (x86_64 and aarch64). */
const RLIMIT_NOFILE = 7;

/**
 * The soft limit on open file descriptors (RLIMIT_NOFILE) of this process, the one open(),
 * socket() and accept() fail at with EMFILE; Infinity when unlimited.
 */
export function openFileLimit(): number {
  const buf = new BigUint64Array(2);
  check("getrlimit", libc().getrlimit(RLIMIT_NOFILE, new Uint8Array(buf.buffer)));
  const soft = buf[0]!;
  return soft >= BigInt(Number.MAX_SAFE_INTEGER) ? Infinity : Number(soft);
}

/** Sets the process umask, returning the previous one. */
export function umask(mask: number): number {
  return libc().umask(mask);
}
