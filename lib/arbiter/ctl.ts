/**
 * @module The control socket (`--ctl-socket`, like gunicorn's): a unix socket, mode 0600, owned
 * by the arbiter. A client sends one line (`status`, `workers`, `reload`, `scale N`) and reads
 * one JSON line back.
 */

import * as net from "node:net";

/** The arbiter's side: answers a parsed command with a JSON-serialisable value. */
export type CtlHandler = (command: string, args: string[]) => Promise<unknown> | unknown;

/** A listening control socket. */
export interface CtlServer {
  close(): void;
}

const MAX_LINE = 1024;

/** Listens on `path` (an old socket file is replaced) and serves `handler`. */
export async function startCtlServer(path: string, handler: CtlHandler): Promise<CtlServer> {
  try {
    Deno.removeSync(path);
  } catch { /* none */ }
  const server = net.createServer((sock) => serveClient(sock, handler));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(path, () => resolve());
  });
  Deno.chmodSync(path, 0o600);
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
