/**
 * @module Waiting on fds over libc: poll(2) on the calling thread or on a helper thread (so the
 * event loop keeps turning), and the self-pipe a signal listener writes to wake such a wait.
 */

import { ERRNO, POLL, SOCK } from "./constants.ts";
import { check, SysError } from "./errors.ts";
import { errno, libc } from "./libc.ts";

/** Passes a size_t: Deno's FFI accepts a number for 64-bit parameters (no BigInt allocation). */
function sz(n: number): bigint {
  return n as unknown as bigint;
}

function pollBuffer(fds: readonly number[]): Uint8Array {
  const buf = new Uint8Array(8 * fds.length);
  const dv = new DataView(buf.buffer);
  fds.forEach((fd, i) => {
    dv.setInt32(i * 8, fd, true);
    dv.setInt16(i * 8 + 4, POLL.IN, true);
  });
  return buf;
}

function readyOf(fds: readonly number[], buf: Uint8Array): number[] {
  const dv = new DataView(buf.buffer);
  const out: number[] = [];
  for (let i = 0; i < fds.length; i++) if (dv.getInt16(i * 8 + 6, true) !== 0) out.push(fds[i]!);
  return out;
}

/** Blocks up to `timeoutMs` until one of `fds` is readable; returns the ready ones. */
export function pollIn(fds: readonly number[], timeoutMs: number): number[] {
  const buf = pollBuffer(fds);
  const rc = libc().poll(buf, BigInt(fds.length), timeoutMs);
  if (rc < 0) {
    if (errno() === ERRNO.EINTR) return [];
    throw new SysError("poll", errno());
  }
  return rc === 0 ? [] : readyOf(fds, buf);
}

/** Like pollIn but waits on a helper thread, so the event loop (signals, timers) keeps running. */
export async function pollInAsync(fds: readonly number[], timeoutMs: number): Promise<number[]> {
  const buf = pollBuffer(fds);
  const rc = await libc().poll_async(buf, BigInt(fds.length), timeoutMs);
  return rc <= 0 ? [] : readyOf(fds, buf);
}

/** Creates a close-on-exec pipe; returns [readFd, writeFd]. Both ends are non-blocking. */
export function pipe(): [number, number] {
  const fds = new Uint8Array(8);
  check("pipe2", libc().pipe2(fds, SOCK.CLOEXEC | SOCK.NONBLOCK));
  const dv = new DataView(fds.buffer);
  return [dv.getInt32(0, true), dv.getInt32(4, true)];
}

const ONE = new Uint8Array([1]);
const drainBuf = new Uint8Array(64);

/** Writes one byte to a non-blocking pipe (a wake-up); a full pipe is already awake. */
export function wake(fd: number): void {
  libc().write(fd, ONE, sz(1));
}

/** Empties a non-blocking pipe of wake-up bytes. */
export function drain(fd: number): void {
  while (Number(libc().read(fd, drainBuf, sz(drainBuf.byteLength))) > 0) { /* keep reading */ }
}
