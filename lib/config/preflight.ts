/**
 * @module Checks settings against the machine before a server starts: a bind host that does not
 * resolve, a log file that cannot be opened or a missing directory becomes one usage error that
 * names its flag, instead of a failure (or a stack trace) later.
 */

import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import { dirname, resolve } from "node:path";
import { checkTlsSettings } from "../workers/tls/client_certs.ts";
import type { Settings } from "./table.ts";
import { ConfigError, parseAddress } from "./validators.ts";

/** An OS error's reason without Deno's decorations: `permission denied`. */
function reason(e: unknown): string {
  const text = String((e as Error).message ?? e).replace(/ \(os error \d+\).*$/s, "");
  return text.charAt(0).toLowerCase() + text.slice(1);
}

/**
 * Resolves the host of a TCP `bind` address (IP literals are returned as they are); a host that
 * does not resolve is a ConfigError naming --bind.
 */
export async function resolveBindHost(bind: string, host: string): Promise<string> {
  if (isIP(host) !== 0) return host;
  try {
    return (await lookup(host)).address;
  } catch (e) {
    const code = (e as { code?: string }).code;
    const why = code === "ENOTFOUND" ? `no such host "${host}"` : `cannot look up "${host}"`;
    throw new ConfigError(
      `Cannot resolve --bind "${bind}": ${why}; bind an IP address (e.g. 0.0.0.0:8000) or a ` +
        "host name that resolves",
    );
  }
}

/** Opens `path` for appending as the logger will, without leaving a new file behind. */
function checkLogFile(flag: string, path: string, base: string): void {
  if (path === "-") return;
  const full = resolve(base, path);
  const fail = (why: string) => new ConfigError(`Cannot open ${flag} "${path}": ${why}`);
  let exists = true;
  try {
    const st = Deno.statSync(full);
    if (st.isDirectory) throw fail("it is a directory");
    if (!st.isFile) return; // a device or a FIFO: opened as given, not probed
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e instanceof ConfigError ? e : fail(reason(e));
    exists = false;
  }
  try {
    Deno.openSync(full, exists ? { append: true } : { append: true, createNew: true }).close();
    if (!exists) Deno.removeSync(full);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw fail(`directory "${dirname(full)}" does not exist`);
    }
    throw fail(reason(e));
  }
}

/**
 * Why `dir` is not a directory (with `writable`, one this process can create entries in): "not a
 * directory", "no such directory" or the OS's reason; null when it is.
 */
function directoryProblem(dir: string, writable: boolean): string | null {
  try {
    if (!Deno.statSync(dir).isDirectory) return "not a directory";
    if (writable) Deno.removeSync(Deno.makeTempDirSync({ dir, prefix: "denocorn-check-" }));
    return null;
  } catch (e) {
    return e instanceof Deno.errors.NotFound ? "no such directory" : reason(e);
  }
}

/** Checks that `path` is a directory (with `writable`, one this process can create entries in). */
function checkDirectory(flag: string, path: string, base: string, writable: boolean): void {
  const why = directoryProblem(resolve(base, path), writable);
  if (why !== null) throw new ConfigError(`Cannot use ${flag} "${path}": ${why}`);
}

/**
 * Checks the file `path` the arbiter will create (`--pid`, `--ctl-socket`): its directory exists
 * and takes new entries, and with `socket`, nothing but a stale socket is in the way (a control
 * socket never replaces another kind of file, as `-b unix:` does not).
 */
function checkNewFile(flag: string, path: string, base: string, socket: boolean): void {
  const full = resolve(base, path);
  const dir = dirname(full);
  const fail = (why: string) => new ConfigError(`Cannot use ${flag} "${path}": ${why}`);
  const why = directoryProblem(dir, true);
  if (why === "no such directory") {
    throw fail(`directory "${dir}" does not exist (create it, or choose another path)`);
  }
  if (why !== null) throw fail(`directory "${dir}": ${why}`);
  if (!socket) return;
  let st;
  try {
    st = Deno.lstatSync(full);
  } catch {
    return; // nothing there yet
  }
  if (!st.isSocket) {
    const what = st.isFile ? "a regular file" : st.isDirectory ? "a directory" : "not a socket";
    throw fail(`it is ${what}, which a socket never replaces (remove it, or choose another path)`);
  }
}

/**
 * Checks what the server will need from the machine: `--chdir` and `--worker-tmp-dir` are
 * directories, the directories of `--pid` and `--ctl-socket` take new files (and nothing but a
 * stale socket sits at the socket's path), the log files can be opened, every `--bind` host
 * resolves, the TLS certificate and key load and match. Relative paths are taken from `--chdir` (or `cwd`), as the server will. Throws
 * ConfigError.
 */
export async function preflight(settings: Settings, cwd: string): Promise<void> {
  if (settings.chdir !== null) checkDirectory("--chdir", settings.chdir, cwd, false);
  const base = resolve(cwd, settings.chdir ?? ".");
  if (settings.worker_tmp_dir !== null) {
    checkDirectory("--worker-tmp-dir", settings.worker_tmp_dir, base, true);
  }
  if (settings.pidfile !== null) checkNewFile("--pid", settings.pidfile, base, false);
  if (settings.ctl_socket !== null) checkNewFile("--ctl-socket", settings.ctl_socket, base, true);
  checkLogFile("--error-logfile", settings.errorlog, base);
  if (settings.accesslog !== null) checkLogFile("--access-logfile", settings.accesslog, base);
  try {
    checkTlsSettings(settings, base);
  } catch (e) {
    throw new ConfigError((e as Error).message);
  }
  for (const bind of settings.bind) {
    const addr = parseAddress(bind);
    if (addr.kind === "tcp") await resolveBindHost(bind, addr.host);
  }
}
