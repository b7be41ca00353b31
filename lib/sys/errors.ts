/** @module errno → typed error for the socket layer. */

import { ERRNO } from "./constants.ts";
import { errno, strerror } from "./libc.ts";

const NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(ERRNO).map(([k, v]) => [v, k]),
);

/** An error from a libc call, carrying the errno value and its name. */
export class SysError extends Error {
  /** errno value. */
  readonly errno: number;
  /** errno name such as "EADDRINUSE" (or "E<n>"). */
  readonly code: string;
  /** Creates the error for a failed call named `op`. */
  constructor(op: string, code: number) {
    super(`${op} failed: ${strerror(code)}`);
    this.name = "SysError";
    this.errno = code;
    this.code = NAMES[code] ?? `E${code}`;
  }
}

/** Throws a SysError carrying the current errno when `rc` is negative; returns `rc` otherwise. */
export function check<T extends number | bigint>(op: string, rc: T): T {
  if (rc < 0) throw new SysError(op, errno());
  return rc;
}
