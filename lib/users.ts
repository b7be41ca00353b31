/** @module Resolves `--user` and `--group` names or ids from /etc/passwd and /etc/group. */

/** A resolved user: its uid and primary gid. */
export interface UserIds {
  uid: number;
  gid: number;
}

function readTable(path: string): string[][] {
  try {
    return Deno.readTextFileSync(path).split("\n").filter((l) => l !== "" && !l.startsWith("#"))
      .map((l) => l.split(":"));
  } catch {
    return [];
  }
}

/**
 * Resolves a user name or numeric uid (`passwd` is the text of /etc/passwd).
 *
 * @example
 * ```ts
 * import { resolveUser } from "./users.ts";
 * console.assert(resolveUser("root", "root:x:0:0:root:/root:/bin/sh\n").uid === 0);
 * ```
 */
export function resolveUser(spec: string, passwd?: string): UserIds {
  const rows = passwd === undefined
    ? readTable("/etc/passwd")
    : passwd.split("\n").map((l) => l.split(":"));
  const byId = /^\d+$/.test(spec);
  const row = rows.find((r) => (byId ? r[2] === spec : r[0] === spec));
  if (row !== undefined) return { uid: Number(row[2]), gid: Number(row[3]) };
  if (byId) return { uid: Number(spec), gid: Number(spec) };
  throw new RangeError(
    `Cannot find user "${spec}": no such entry in /etc/passwd, pass a name or a numeric uid`,
  );
}

/**
 * Resolves a group name or numeric gid (`group` is the text of /etc/group).
 *
 * @example
 * ```ts
 * import { resolveGroup } from "./users.ts";
 * console.assert(resolveGroup("wheel", "wheel:x:10:\n") === 10);
 * ```
 */
export function resolveGroup(spec: string, group?: string): number {
  if (/^\d+$/.test(spec)) return Number(spec);
  const rows = group === undefined
    ? readTable("/etc/group")
    : group.split("\n").map((l) => l.split(":"));
  const row = rows.find((r) => r[0] === spec);
  if (row !== undefined) return Number(row[2]);
  throw new RangeError(
    `Cannot find group "${spec}": no such entry in /etc/group, pass a name or a numeric gid`,
  );
}
