/** @module Listening and connected sockets over libc: the only place that handles raw fds. */

import { AF, ERRNO, F, MSG, O, SHUT, SO, SOCK, SOL, TCP } from "./constants.ts";
import { check, SysError } from "./errors.ts";
import { errno, libc } from "./libc.ts";
import {
  decodeSockAddr,
  encodeInet,
  encodeUnix,
  type SockAddr,
  SOCKADDR_STORAGE,
} from "./sockaddr.ts";

/** Passes a size_t: Deno's FFI accepts a number for 64-bit parameters (no BigInt allocation). */
function sz(n: number): bigint {
  return n as unknown as bigint;
}

function intArg(v: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setInt32(0, v, true);
  return b;
}

function setIntOpt(fd: number, level: number, name: number, value: number): void {
  check("setsockopt", libc().setsockopt(fd, level, name, intArg(value), 4));
}

function bindAndListen(fd: number, addr: Uint8Array, backlog: number, what: string): void {
  try {
    check(`bind ${what}`, libc().bind(fd, addr, addr.byteLength));
    check(`listen ${what}`, libc().listen(fd, backlog));
  } catch (e) {
    libc().close(fd);
    throw e;
  }
}

/**
 * Creates a TCP listening socket on an IP literal with SO_REUSEADDR, left inheritable (no
 * close-on-exec) so worker processes receive it, and non-blocking (shared by every holder).
 */
export function listenTcp(host: string, port: number, backlog: number): number {
  const addr = encodeInet(host, port);
  const family = addr.byteLength === 16 ? AF.INET : AF.INET6;
  const fd = check("socket", libc().socket(family, SOCK.STREAM | SOCK.NONBLOCK, 0));
  setIntOpt(fd, SOL.SOCKET, SO.REUSEADDR, 1);
  bindAndListen(fd, addr, backlog, `${host}:${port}`);
  return fd;
}

/** Creates a unix-domain listening socket at `path` (inheritable, non-blocking). */
export function listenUnix(path: string, backlog: number): number {
  const addr = encodeUnix(path);
  const fd = check("socket", libc().socket(AF.UNIX, SOCK.STREAM | SOCK.NONBLOCK, 0));
  bindAndListen(fd, addr, backlog, path);
  return fd;
}

/** The local address a socket is bound to. */
export function localAddr(fd: number): SockAddr {
  const buf = new Uint8Array(SOCKADDR_STORAGE);
  const len = intArg(SOCKADDR_STORAGE);
  check("getsockname", libc().getsockname(fd, buf, len));
  return decodeSockAddr(buf, new DataView(len.buffer).getInt32(0, true));
}

/**
 * The raw address of the peer a connected socket `fd` talks to, as a string to compare (not to
 * show); null when it has none (not connected, or `fd` is closed).
 */
export function peerKey(fd: number): string | null {
  return peerBytes(fd)?.join(",") ?? null;
}

/** The address of the peer a connected socket `fd` talks to; null when it has none. */
export function peerAddr(fd: number): SockAddr | null {
  const raw = peerBytes(fd);
  return raw === null ? null : decodeSockAddr(raw, raw.length);
}

function peerBytes(fd: number): Uint8Array | null {
  const buf = new Uint8Array(SOCKADDR_STORAGE);
  const len = intArg(SOCKADDR_STORAGE);
  if (libc().getpeername(fd, buf, len) < 0) return null;
  return buf.subarray(0, new DataView(len.buffer).getInt32(0, true));
}

/** True when `fd` is an open socket in listening state. */
export function isListeningSocket(fd: number): boolean {
  const val = new Uint8Array(4), len = intArg(4);
  // SO_ACCEPTCONN = 30
  if (libc().getsockopt(fd, SOL.SOCKET, 30, val, len) < 0) return false;
  return new DataView(val.buffer).getInt32(0, true) === 1;
}

/** Sets or clears O_NONBLOCK (on the open file description: every process sharing it sees it). */
export function setNonBlocking(fd: number, on: boolean): void {
  const flags = check("fcntl", libc().fcntl(fd, F.GETFL, 0));
  check("fcntl", libc().fcntl(fd, F.SETFL, on ? flags | O.NONBLOCK : flags & ~O.NONBLOCK));
}

/** Sets or clears FD_CLOEXEC on this process's descriptor. */
export function setInheritable(fd: number, inheritable: boolean): void {
  check("fcntl", libc().fcntl(fd, F.SETFD, inheritable ? 0 : F.FD_CLOEXEC));
}

/** An accepted connection: its fd and the peer address. */
export interface Accepted {
  fd: number;
  remote: SockAddr;
}

const acceptAddr = new Uint8Array(SOCKADDR_STORAGE);
const acceptLen = new Uint8Array(4);
const acceptLenView = new DataView(acceptLen.buffer);

/**
 * Accepts one connection (close-on-exec). Returns null when another process won the race or the
 * peer went away first (EAGAIN, ECONNABORTED, EPROTO, EINTR, and EPERM: a firewall rule), as
 * gunicorn does. Throws SysError otherwise (EMFILE/ENFILE: out of descriptors).
 */
export function accept(fd: number): Accepted | null {
  acceptLenView.setInt32(0, SOCKADDR_STORAGE, true);
  const cfd = libc().accept4(fd, acceptAddr, acceptLen, SOCK.CLOEXEC);
  if (cfd < 0) {
    const e = errno();
    if (
      e === ERRNO.EAGAIN || e === ERRNO.ECONNABORTED || e === ERRNO.EPROTO ||
      e === ERRNO.EINTR || e === ERRNO.EPERM
    ) return null;
    throw new SysError("accept", e);
  }
  return { fd: cfd, remote: decodeSockAddr(acceptAddr, acceptLenView.getInt32(0, true)) };
}

/** Bounds every blocking read and write on `fd` to `seconds` (SO_RCVTIMEO / SO_SNDTIMEO). */
export function setIoTimeout(fd: number, seconds: number): void {
  const tv = new Uint8Array(16);
  const dv = new DataView(tv.buffer);
  const whole = Math.floor(seconds);
  dv.setBigInt64(0, BigInt(whole), true);
  dv.setBigInt64(8, BigInt(Math.round((seconds - whole) * 1e6)), true);
  check("setsockopt", libc().setsockopt(fd, SOL.SOCKET, SO.RCVTIMEO, tv, 16));
  check("setsockopt", libc().setsockopt(fd, SOL.SOCKET, SO.SNDTIMEO, tv, 16));
}

/**
 * Sets TCP_DEFER_ACCEPT on a TCP listener: accept() then mostly returns connections whose first
 * bytes have arrived (waiting up to `seconds`). Not a guarantee: a connection still silent when
 * the time runs out, or completed by a SYN cookie, is accepted empty. A no-op on unix sockets.
 */
export function setDeferAccept(fd: number, seconds: number): void {
  if (localAddr(fd).transport !== "tcp") return;
  setIntOpt(fd, SOL.TCP, TCP.DEFER_ACCEPT, Math.max(1, Math.round(seconds)));
}

/**
 * Sets TCP_NODELAY on a TCP socket (a no-op on unix sockets). Set on a listener, every socket
 * accepted from it inherits it (Linux), so a response's later writes (streamed chunks) leave at
 * once instead of waiting behind the peer's delayed ACK.
 */
export function setNoDelay(fd: number): void {
  if (localAddr(fd).transport !== "tcp") return;
  setIntOpt(fd, SOL.TCP, TCP.NODELAY, 1);
}

/** Whether TCP_NODELAY is set on `fd` (false on unix sockets). */
export function noDelay(fd: number): boolean {
  const val = new Uint8Array(4), len = intArg(4);
  if (libc().getsockopt(fd, SOL.TCP, TCP.NODELAY, val, len) < 0) return false;
  return new DataView(val.buffer).getInt32(0, true) !== 0;
}

/** Reads into `buf`; returns the byte count, 0 at end of stream. Throws SysError (EAGAIN = timed out). */
export function read(fd: number, buf: Uint8Array): number {
  for (;;) {
    const n = Number(libc().read(fd, buf, sz(buf.byteLength)));
    if (n >= 0) return n;
    const e = errno();
    if (e !== ERRNO.EINTR) throw new SysError("read", e);
  }
}

/**
 * Reads what is already waiting, without blocking (recv with MSG_DONTWAIT): the byte count, 0 at
 * end of stream, or null when nothing is waiting. Throws SysError (ECONNRESET).
 */
export function readNow(fd: number, buf: Uint8Array): number | null {
  for (;;) {
    const n = Number(libc().recv(fd, buf, sz(buf.byteLength), MSG.DONTWAIT));
    if (n >= 0) return n;
    const e = errno();
    if (e === ERRNO.EAGAIN) return null;
    if (e !== ERRNO.EINTR) throw new SysError("recv", e);
  }
}

const peekBuf = new Uint8Array(1);

/**
 * True when bytes the peer sent wait unread in the socket (recv with MSG_PEEK | MSG_DONTWAIT:
 * nothing is consumed). False at end of stream, on an error, or when nothing is waiting.
 */
export function hasUnread(fd: number): boolean {
  return Number(libc().recv(fd, peekBuf, sz(1), MSG.PEEK | MSG.DONTWAIT)) > 0;
}

/**
 * Sends as much of `data` as the socket takes (no SIGPIPE) and returns that count: with
 * SO_SNDTIMEO set, a partial count when the timeout passed mid-way. Throws SysError (EAGAIN = the
 * timeout passed with nothing sent, EPIPE, ECONNRESET).
 */
export function send(fd: number, data: Uint8Array): number {
  for (;;) {
    const n = Number(libc().send(fd, data, sz(data.byteLength), MSG.NOSIGNAL));
    if (n >= 0) return n;
    const e = errno();
    if (e !== ERRNO.EINTR) throw new SysError("send", e);
  }
}

/** Parts one sendmsg() call takes at most (well under IOV_MAX). */
export const SENDV_MAX_PARTS = 64;
/** struct msghdr on 64-bit Linux: name, namelen, iov, iovlen, control, controllen, flags. */
const msghdr = new Uint8Array(56);
const msghdrView = new DataView(msghdr.buffer);
/** struct iovec[SENDV_MAX_PARTS]: base pointer and length, 16 bytes each. */
const iovecs = new Uint8Array(16 * SENDV_MAX_PARTS);
const iovecView = new DataView(iovecs.buffer);

/** The address of `part`'s bytes. */
function addressOf(part: Uint8Array): bigint {
  return BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(part)));
}

/**
 * Sends `parts` in order with one sendmsg() (a gather write, no SIGPIPE) and returns the bytes
 * the socket took: possibly fewer than the total (SO_SNDTIMEO passed mid-way, or more than
 * {@linkcode SENDV_MAX_PARTS} parts), ending anywhere inside any part. Empty parts are skipped.
 * Throws SysError like {@linkcode send}.
 */
export function sendv(fd: number, parts: readonly Uint8Array[]): number {
  // Reading `.buffer` moves a small typed array's bytes off V8's heap, where a garbage
  // collection (the BigInts below allocate) can no longer move them under a taken address.
  for (const part of parts) void part.buffer;
  let count = 0;
  for (const part of parts) {
    if (part.byteLength === 0) continue;
    if (count === SENDV_MAX_PARTS) break;
    iovecView.setBigUint64(count * 16, addressOf(part), true);
    iovecView.setBigUint64(count * 16 + 8, BigInt(part.byteLength), true);
    count++;
  }
  if (count === 0) return 0;
  msghdrView.setBigUint64(16, addressOf(iovecs), true);
  msghdrView.setBigUint64(24, BigInt(count), true);
  for (;;) {
    const n = Number(libc().sendmsg(fd, msghdr, MSG.NOSIGNAL));
    if (n >= 0) return n;
    const e = errno();
    if (e !== ERRNO.EINTR) throw new SysError("sendmsg", e);
  }
}

/** Writes all of `data` to a socket (no SIGPIPE). Throws SysError (EAGAIN = timed out, EPIPE). */
export function writeAll(fd: number, data: Uint8Array): void {
  let off = 0;
  while (off < data.byteLength) {
    const chunk = off === 0 ? data : data.subarray(off);
    const n = Number(libc().send(fd, chunk, sz(chunk.byteLength), MSG.NOSIGNAL));
    if (n < 0) {
      const e = errno();
      if (e === ERRNO.EINTR) continue;
      throw new SysError("send", e);
    }
    off += n;
  }
}

/** Duplicates a descriptor (close-on-exec); the copy shares the open file description. */
export function dup(fd: number): number {
  return check("fcntl", libc().fcntl(fd, F.DUPFD_CLOEXEC, 0));
}

/** Closes a descriptor, ignoring errors. */
export function close(fd: number): void {
  libc().close(fd);
}

/**
 * Makes `target` refer to what `source` refers to (dup2(2)), atomically: the file `target`
 * referred to loses this reference, and the number is never free for another open to take.
 */
export function dup2(source: number, target: number): void {
  check("dup2", libc().dup2(source, target));
}

/** Half-closes the sending side (lets the peer read everything before the close). */
export function shutdownWrite(fd: number): void {
  libc().shutdown(fd, SHUT.WR);
}

/**
 * Shuts the connection down both ways without closing the fd: whoever reads it sees end of file,
 * whoever writes it fails. Errors (already closed, not connected) are ignored.
 */
export function shutdownBoth(fd: number): void {
  libc().shutdown(fd, SHUT.RDWR);
}

/** Sends up to `count` bytes of file `inFd` from `offset` to socket `outFd`; returns bytes sent. */
export function sendfile(outFd: number, inFd: number, offset: bigint, count: number): number {
  const off = new Uint8Array(8);
  new DataView(off.buffer).setBigInt64(0, offset, true);
  for (;;) {
    const n = Number(libc().sendfile(outFd, inFd, off, sz(count)));
    if (n >= 0) return n;
    const e = errno();
    if (e !== ERRNO.EINTR) throw new SysError("sendfile", e);
  }
}
