/** @module Starting worker processes: re-run this program (deno or a compiled binary) as a worker. */

import { fileURLToPath } from "node:url";

/** True when running as a `deno compile` executable (its execPath is the program itself). */
export function isCompiled(): boolean {
  const exe = Deno.execPath().split("/").pop() ?? "";
  return Deno.mainModule.includes("/deno-compile-") || !/^deno(\.exe)?$/.test(exe);
}

/** The command and arguments that start this program again, with all permissions. */
export function selfCommand(): { cmd: string; args: string[] } {
  if (isCompiled()) return { cmd: Deno.execPath(), args: [] };
  const main = Deno.mainModule.startsWith("file:")
    ? fileURLToPath(Deno.mainModule)
    : Deno.mainModule;
  return { cmd: Deno.execPath(), args: ["run", "-A", main] };
}

/** Spawns a child process with extra environment, stdin closed and output inherited. */
export function spawnSelf(
  env: Record<string, string>,
  extraArgs: string[] = [],
): Deno.ChildProcess {
  const { cmd, args } = selfCommand();
  return new Deno.Command(cmd, {
    args: [...args, ...extraArgs],
    env,
    stdin: "null",
    stdout: "inherit",
    stderr: "inherit",
  }).spawn();
}
