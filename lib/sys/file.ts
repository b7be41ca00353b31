/** @module Files created without following links: a new name, exclusive create, exact mode. */

import { ERRNO, MMAP, O } from "./constants.ts";
import { check, SysError } from "./errors.ts";
import { errno, libc } from "./libc.ts";

/**
 * Creates the file `path` with exactly `mode` and writes `data` to it. Opened with
 * O_CREAT|O_EXCL|O_NOFOLLOW: an existing file or a symlink planted at `path` makes it fail (EEXIST)
 * rather than being written through. The mode is set on the descriptor (fchmod) before any byte
 * is written, whatever the umask. The file is removed again when writing fails.
 *
 * @example
 * ```ts ignore
 * import { writeNewFile } from "./file.ts";
 * writeNewFile("/run/app.pid.x1y2", new TextEncoder().encode("42\n"), 0o644);
 * ```
 */
export function writeNewFile(path: string, data: Uint8Array, mode: number): void {
  const cpath = new TextEncoder().encode(`${path}\0`);
  const flags = O.WRONLY | O.CREAT | O.EXCL | O.NOFOLLOW | O.CLOEXEC;
  const fd = check(`open "${path}"`, libc().open(cpath, flags, mode));
  try {
    check("fchmod", libc().fchmod(fd, mode));
    writeFd(fd, data);
    check("fsync", libc().fsync(fd));
  } catch (e) {
    libc().close(fd);
    try {
      Deno.removeSync(path);
    } catch { /* already gone */ }
    throw e;
  }
  check("close", libc().close(fd));
}

function writeFd(fd: number, data: Uint8Array): void {
  let off = 0;
  while (off < data.byteLength) {
    const chunk = data.subarray(off);
    const n = Number(libc().write(fd, chunk, chunk.byteLength as unknown as bigint));
    if (n < 0) {
      const e = errno();
      if (e !== ERRNO.EINTR) throw new SysError("write", e);
      continue;
    }
    off += n;
  }
}

/** A random file name component: `bytes` random bytes as hex. */
export function randomName(bytes = 8): string {
  const b = crypto.getRandomValues(new Uint8Array(bytes));
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

/** Opens a file for reading (close-on-exec); the caller closes the fd. */
export function openRead(path: string): number {
  const cpath = new TextEncoder().encode(`${path}\0`);
  return check(`open "${path}"`, libc().open(cpath, O.RDONLY | O.CLOEXEC, 0));
}

/**
 * Creates the file `path` (exclusive, not through a symlink, with exactly `mode`) of `size` zero
 * bytes and maps it shared into memory: what is written to the returned bytes is in the file at
 * once, for another process to read even after this one is killed. The mapping lives as long as
 * the process.
 */
export function mapNewFile(path: string, size: number, mode: number): Uint8Array {
  const cpath = new TextEncoder().encode(`${path}\0`);
  const flags = O.RDWR | O.CREAT | O.EXCL | O.NOFOLLOW | O.CLOEXEC;
  const fd = check(`open "${path}"`, libc().open(cpath, flags, mode));
  try {
    check("fchmod", libc().fchmod(fd, mode));
    check("ftruncate", libc().ftruncate(fd, BigInt(size)));
    const prot = MMAP.PROT_READ | MMAP.PROT_WRITE;
    const p = libc().mmap(null, BigInt(size), prot, MMAP.SHARED, fd, 0n);
    if (p === null || Deno.UnsafePointer.value(p) === 2n ** 64n - 1n) {
      throw new SysError("mmap", errno());
    }
    return new Uint8Array(Deno.UnsafePointerView.getArrayBuffer(p, size));
  } catch (e) {
    try {
      Deno.removeSync(path);
    } catch { /* already gone */ }
    throw e;
  } finally {
    libc().close(fd);
  }
}
