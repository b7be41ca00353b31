/**
 * @module The control socket (`--ctl-socket`, like gunicorn's): a unix socket, mode 0600, owned
 * by the arbiter. A client sends one line (`status`, `workers`, `reload`, `scale N`) and reads
 * one JSON line back.
 */

import * as net from "node:net";

/** One worker as the control socket reports it. */
export interface WorkerReport {
  pid: number;
  age: number;
  /** Seconds since the worker was spawned. */
  uptime: number;
  requests: number;
  state: "booting" | "running" | "retiring" | "timed out";
}

/** The arbiter's side: answers a parsed command with a JSON-serialisable value. */
export type CtlHandler = (command: string, args: string[]) => Promise<unknown> | unknown;

/** A listening control socket. */
export interface CtlServer {
  close(): void;
}

const MAX_LINE = 1024;

/** What the control commands act on. */
export interface CtlTarget {
  status(): unknown;
  workers(): WorkerReport[];
  reload(): void;
  scale(n: number): void;
}

/** Runs one control command: `status`, `workers`, `reload` or `scale N`. Throws for others. */
export function ctlCommand(command: string, args: string[], target: CtlTarget): unknown {
  switch (command) {
    case "status":
      return target.status();
    case "workers":
      return target.workers();
    case "reload":
      target.reload();
      return "reloading";
    case "scale": {
      const n = Number(args[0]);
      if (!Number.isInteger(n) || n < 0) {
        throw new Error(`Cannot scale to "${args[0] ?? ""}": expected N >= 0`);
      }
      target.scale(n);
      return `scaling to ${n}`;
    }
    default:
      throw new Error(`Unknown command "${command}": expected status, workers, reload or scale N`);
  }
}

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

/** Formats the `workers` reply as a table. */
export function formatWorkers(workers: readonly WorkerReport[]): string {
  const rows = [["PID", "AGE", "UPTIME", "REQUESTS", "STATE"]];
  for (const w of workers) {
    rows.push([
      String(w.pid),
      String(w.age),
      `${w.uptime.toFixed(0)}s`,
      String(w.requests),
      w.state,
    ]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd()).join("\n");
}
