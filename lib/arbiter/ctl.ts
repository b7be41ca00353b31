/**
 * @module The control socket (`--ctl-socket`, like gunicorn's): a unix socket, mode 0600, owned
 * by the arbiter. A client sends one line (`status`, `workers`, `reload`, `reopen`, `scale N`)
 * and reads one JSON line back.
 */

import * as net from "node:net";
import { dirname } from "node:path";
import { USAGE_ERROR } from "../exit_codes.ts";

/** The arbiter's side: answers a parsed command with a JSON-serialisable value. */
export type CtlHandler = (command: string, args: string[]) => Promise<unknown> | unknown;

/** A listening control socket. */
export interface CtlServer {
  close(): void;
}

const MAX_LINE = 1024;

/** A `--ctl-socket` path the arbiter refuses to use (it exits 2, as for a bad setting). */
export class CtlPathError extends Error {
  /** The arbiter's exit status: a usage error. */
  readonly exitCode = USAGE_ERROR;
}

/**
 * Refuses a socket path whose directory anyone may write to without the sticky bit: any local
 * user could then rename the socket away and put their own in its place, and receive the
 * commands (or answer them). Refuses a path that holds anything but a (stale) socket: the
 * socket never replaces a file.
 */
export function checkCtlPath(path: string, flag = "--ctl-socket"): void {
  const dir = dirname(path);
  let mode: number;
  try {
    mode = Deno.statSync(dir).mode ?? 0;
  } catch (e) {
    throw new CtlPathError(`Cannot use ${flag} "${path}": ${(e as Error).message}`);
  }
  if ((mode & 0o002) !== 0 && (mode & 0o1000) === 0) {
    throw new CtlPathError(
      `Cannot use ${flag} "${path}": directory "${dir}" is writable by every user and ` +
        "not sticky (chmod +t it, or choose a directory only this user can write)",
    );
  }
  let there: Deno.FileInfo | null = null;
  try {
    there = Deno.lstatSync(path);
  } catch { /* nothing there yet */ }
  if (there !== null && !there.isSocket) {
    // preflight.ts says so before the start; this covers a file put there since.
    throw new CtlPathError(
      `Cannot use ${flag} "${path}": not a socket, which it never replaces`,
    );
  }
}

/**
 * Listens on `path` and serves `handler`. The socket is never reachable by another user, not even
 * for a moment: it is bound inside a fresh 0700 directory next to `path`, set to 0600 there, and
 * only then renamed into place (rename(2) is atomic and replaces an old socket file). A umask set
 * around bind() would do the same but is process-wide, so files created meanwhile by Deno's other
 * threads would get it too.
 */
export async function startCtlServer(path: string, handler: CtlHandler): Promise<CtlServer> {
  checkCtlPath(path);
  const server = net.createServer((sock) => serveClient(sock, handler));
  const dir = Deno.makeTempDirSync({ dir: dirname(path), prefix: ".ctl" });
  try {
    Deno.chmodSync(dir, 0o700); // makeTempDir's 0700 minus the umask: restore what we need
    const tmp = `${dir}/s`;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(tmp, () => resolve());
    });
    Deno.chmodSync(tmp, 0o600);
    Deno.renameSync(tmp, path);
  } catch (e) {
    server.close();
    throw e;
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
  server.unref();
  return {
    close() {
      server.close();
      try {
        Deno.removeSync(path);
      } catch { /* gone */ }
    },
  };
}

function serveClient(sock: net.Socket, handler: CtlHandler): void {
  let buf = "";
  sock.setEncoding("utf8");
  sock.on("error", () => sock.destroy());
  sock.on("data", async (chunk: string) => {
    buf += chunk;
    const nl = buf.indexOf("\n");
    if (nl < 0) {
      if (buf.length > MAX_LINE) sock.end(`${JSON.stringify({ error: "command too long" })}\n`);
      return;
    }
    sock.removeAllListeners("data");
    const [command = "", ...args] = buf.slice(0, nl).trim().split(/\s+/);
    let reply: unknown;
    try {
      reply = { ok: await handler(command, args) };
    } catch (e) {
      reply = { error: (e as Error).message };
    }
    sock.end(`${JSON.stringify(reply)}\n`);
  });
}

/** The client's side: sends `command` and returns the decoded reply, or throws its error. */
export async function ctlRequest(path: string, command: string[]): Promise<unknown> {
  const text = await new Promise<string>((resolve, reject) => {
    const sock = net.createConnection(path);
    let out = "";
    sock.setEncoding("utf8");
    sock.on("connect", () => sock.write(`${command.join(" ")}\n`));
    sock.on("data", (c: string) => out += c);
    sock.on("end", () => resolve(out));
    sock.on(
      "error",
      (e) => reject(new Error(`Cannot reach the control socket "${path}": ${e.message}`)),
    );
  });
  const reply = JSON.parse(text) as { ok?: unknown; error?: string };
  if (reply.error !== undefined) throw new Error(reply.error);
  return reply.ok;
}
