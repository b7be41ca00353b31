/**
 * @module The graft: a Deno listener on a shared listening socket (docs/research/deno_accept.md
 * F2), so Deno's own accept op takes connections (about half the CPU per new connection of
 * accept4 + tcp_wrap). `Deno.listen` on 127.0.0.1:0 makes a listener whose fd N tokio's epoll
 * watches under a token; dup3 puts the shared socket at N, and epoll_ctl(ADD) registers it with
 * the same events and token (read from /proc/self/fdinfo). Linux only, undocumented ground: it is
 * checked afterwards, and any failure leaves the poll + accept4 path in charge.
 *
 * Memory safety: N is closed only by `listener.close()` (tokio deregisters N, then closes it).
 * Anything else closing or dup2-ing over N would leave an epoll entry with a freed token behind.
 * N is never in `boot.fds` (lib/workers/release.ts dup2s over those).
 */

import * as sys from "../../sys/mod.ts";
import { errno, libc, strerror } from "../../sys/libc.ts";

/** Set to 0 to keep the poll + accept4 path on Deno's engine. */
export const GRAFT_ENV = "DENOCORN_DENO_GRAFT";

const O_CLOEXEC = 0o2000000;
const EPOLL_CTL_ADD = 1;

interface EpollEntry {
  ep: number;
  events: number;
  data: bigint;
  ino: number;
}

function fds(): number[] {
  try {
    return [...Deno.readDirSync("/proc/self/fd")].map((e) => Number(e.name));
  } catch {
    return [];
  }
}

function link(fd: number): string {
  try {
    return Deno.readLinkSync(`/proc/self/fd/${fd}`);
  } catch {
    return "";
  }
}

/** The inode of socket `fd` (from its /proc link), -1 when it is no socket. */
function socketIno(fd: number): number {
  const m = /^socket:\[(\d+)\]$/.exec(link(fd));
  return m === null ? -1 : Number(m[1]);
}

/** The fd of the TCP socket bound to 127.0.0.1:`port`, -1 when there is none. */
function fdOfPort(port: number, exclude: readonly number[]): number {
  for (const fd of fds()) {
    if (exclude.includes(fd) || socketIno(fd) < 0) continue;
    try {
      const a = sys.localAddr(fd);
      if (a.transport === "tcp" && a.port === port && a.hostname === "127.0.0.1") return fd;
    } catch { /* closed meanwhile */ }
  }
  return -1;
}

/** Accepted TCP sockets by "peer host:port>local port", as last read from /proc/self/fd. */
const peerFds = new Map<string, number>();

/** The key of accepted TCP socket `fd` in {@link peerFds}, null when it is none (or closed). */
function peerFdKey(fd: number): string | null {
  try {
    const p = sys.peerAddr(fd);
    if (p === null || p.transport !== "tcp") return null;
    const l = sys.localAddr(fd);
    return l.transport === "tcp" ? `${p.hostname}:${p.port}>${l.port}` : null;
  } catch {
    return null; // no socket
  }
}

/**
 * The fd of the accepted TCP socket whose peer is `peer` and whose local port is `localPort`, -1
 * when there is none: for a connection whose fd Deno does not tell (a TLS one). A miss reads every
 * fd of the process once and remembers them all, so cutting many stalled handshakes in one sweep
 * costs one scan, and a hit is checked (two syscalls) before it is trusted.
 */
export function fdOfPeer(peer: Deno.NetAddr, localPort: number): number {
  const key = `${peer.hostname}:${peer.port}>${localPort}`;
  const hit = peerFds.get(key);
  if (hit !== undefined && peerFdKey(hit) === key) return hit;
  peerFds.clear();
  for (const fd of fds()) {
    const k = peerFdKey(fd);
    if (k !== null) peerFds.set(k, fd);
  }
  return peerFds.get(key) ?? -1;
}

/** The epoll entry that watches fd number `fd`, null when none does. */
function epollEntry(fd: number): EpollEntry | null {
  const re = new RegExp(
    `^tfd:\\s+${fd}\\s+events:\\s+([0-9a-f]+)\\s+data:\\s+([0-9a-f]+)\\s+pos:\\d+\\s+ino:([0-9a-f]+)`,
    "m",
  );
  for (const ep of fds()) {
    if (link(ep) !== "anon_inode:[eventpoll]") continue;
    let info = "";
    try {
      info = Deno.readTextFileSync(`/proc/self/fdinfo/${ep}`);
    } catch {
      continue;
    }
    const m = re.exec(info);
    if (m === null) continue;
    return {
      ep,
      events: parseInt(m[1]!, 16),
      data: BigInt(`0x${m[2]}`),
      ino: parseInt(m[3]!, 16),
    };
  }
  return null;
}

function epollEvent(events: number, data: bigint): Uint8Array {
  const ev = new Uint8Array(12); // struct epoll_event is packed on x86_64
  const dv = new DataView(ev.buffer);
  dv.setUint32(0, events, true);
  dv.setBigUint64(4, data, true);
  return ev;
}

function closeQuietly(l: Deno.Listener): void {
  try {
    l.close();
  } catch { /* closed */ }
}

/** A Deno listener on 127.0.0.1:0: plain TCP by default, TLS for HTTPS (lib/workers/deno/tls.ts). */
export type ListenerOpener<L extends Deno.Listener> = () => L;

const tcpOpener: ListenerOpener<Deno.TcpListener> = () =>
  Deno.listen({ hostname: "127.0.0.1", port: 0 });

/**
 * A Deno listener (made by `open` on 127.0.0.1:0, plain TCP by default) that accepts from the
 * shared listening socket `shared`, or why there is none (then nothing was changed: the ephemeral
 * listener is closed again, `shared` untouched). A TLS listener grafted so handshakes each
 * connection it accepts with Deno's own TLS.
 */
export function graftListener<L extends Deno.Listener = Deno.TcpListener>(
  shared: number,
  open: ListenerOpener<L> = tcpOpener as unknown as ListenerOpener<L>,
): L | string {
  if (Deno.build.os !== "linux" || Deno.build.arch !== "x86_64") {
    return `${Deno.build.os}/${Deno.build.arch} (Linux x86_64 only)`;
  }
  const ino = socketIno(shared);
  if (ino < 0 || !sys.isListeningSocket(shared)) return `fd ${shared} is no listening socket`;
  let listener: L;
  try {
    listener = open();
  } catch (e) {
    return `cannot listen on 127.0.0.1:0 (${(e as Error).message})`;
  }
  const fd = fdOfPort((listener.addr as Deno.NetAddr).port, [shared]);
  const entry = fd < 0 ? null : epollEntry(fd);
  if (entry === null) {
    closeQuietly(listener);
    return fd < 0 ? "the listener's fd was not found in /proc/self/fd" : "no epoll entry";
  }
  // On failure `listener.close()` deregisters N (ENOENT is ignored) and closes it: the shared
  // socket stays open at `shared`.
  const fail = (why: string): string => {
    closeQuietly(listener);
    return why;
  };
  if (libc().dup3(shared, fd, O_CLOEXEC) !== fd) return fail(`dup3: ${strerror(errno())}`);
  const ev = epollEvent(entry.events, entry.data);
  if (libc().epoll_ctl(entry.ep, EPOLL_CTL_ADD, fd, ev) !== 0) {
    return fail(`epoll_ctl: ${strerror(errno())}`);
  }
  const after = epollEntry(fd);
  const ok = after !== null && after.ep === entry.ep && after.ino === ino &&
    after.events === entry.events && after.data === entry.data;
  return ok ? listener : fail("the epoll entry does not check out after the graft");
}
