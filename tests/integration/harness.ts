/** @module Test harness: start the real denocorn (arbiter and workers) on a free port and stop it by pid. */

const ROOT = new URL("../../", import.meta.url).pathname;
const MAIN = `${ROOT}main.ts`;

/** A running denocorn under test. */
export interface Server {
  /** The arbiter's pid. */
  pid: number;
  /** The first TCP port it listens on. */
  port: number;
  /** `http://127.0.0.1:PORT`. */
  url: string;
  /** Every stderr line so far. */
  lines: string[];
  /** Resolves with the first line (already seen or future) that matches. */
  waitFor(re: RegExp, timeoutMs?: number): Promise<string>;
  /** Sends a signal to the arbiter. */
  signal(sig: Deno.Signal): void;
  /** Resolves with the arbiter's exit status once its output is read to the end. */
  status: Promise<Deno.CommandStatus>;
  /** Resolves with the arbiter's exit status as soon as it exits (a USR2 child may keep its pipes). */
  exited: Promise<Deno.CommandStatus>;
  /** Stops the arbiter (TERM, then KILL after a while) and waits for it. */
  stop(): Promise<Deno.CommandStatus>;
  /** Pids from `Booting worker with pid: N` lines. */
  workerPids(): number[];
}

/** Options for {@link startServer}. */
export interface StartOptions {
  /** Extra environment. */
  env?: Record<string, string>;
  /** Working directory (default: the repo root). */
  cwd?: string;
  /** Wait for this many `Booting worker` lines (default: --workers or 1). */
  wait?: boolean;
  /** Runs the server under this hard and soft RLIMIT_NOFILE (`ulimit -n`). */
  nofile?: number;
}

/** Runs `main.ts` with `args`; adds `--bind 127.0.0.1:0` unless a --bind/-b is given. */
export async function startServer(args: string[], opts: StartOptions = {}): Promise<Server> {
  const hasBind = args.some((a) => a === "-b" || a.startsWith("--bind"));
  const full = hasBind ? args : ["--bind", "127.0.0.1:0", ...args];
  const argv = [Deno.execPath(), "run", "-A", MAIN, ...full];
  const limited = opts.nofile === undefined
    ? argv
    : ["sh", "-c", `ulimit -n ${opts.nofile} && exec "$@"`, "sh", ...argv];
  const child = new Deno.Command(limited[0]!, {
    args: limited.slice(1),
    cwd: opts.cwd ?? ROOT,
    env: opts.env ?? {},
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const lines: string[] = [];
  const waiters: Array<{ re: RegExp; resolve: (l: string) => void }> = [];
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    let rest = "";
    for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
      rest += chunk;
      const parts = rest.split("\n");
      rest = parts.pop() ?? "";
      for (const line of parts) {
        lines.push(line);
        for (const w of [...waiters]) {
          if (w.re.test(line)) {
            waiters.splice(waiters.indexOf(w), 1);
            w.resolve(line);
          }
        }
      }
    }
  };
  const pumps = Promise.all([pump(child.stderr), pump(child.stdout)]);
  const status = child.status.then(async (s) => {
    await pumps;
    return s;
  });
  const waitFor = (re: RegExp, timeoutMs = 15000): Promise<string> => {
    const seen = lines.find((l) => re.test(l));
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        waiters.splice(waiters.findIndex((w) => w.re === re), 1);
        reject(new Error(`Timed out waiting for ${re} in:\n${lines.join("\n")}`));
      }, timeoutMs);
      waiters.push({
        re,
        resolve: (l) => {
          clearTimeout(t);
          resolve(l);
        },
      });
    });
  };
  const server: Server = {
    pid: child.pid,
    port: 0,
    url: "",
    lines,
    waitFor,
    status,
    exited: child.status,
    signal: (sig) => {
      try {
        Deno.kill(child.pid, sig);
      } catch { /* exited */ }
    },
    stop: async () => {
      server.signal("SIGTERM");
      const t = setTimeout(() => server.signal("SIGKILL"), 10000);
      const s = await status;
      clearTimeout(t);
      return s;
    },
    workerPids: () =>
      lines.flatMap((l) => {
        const m = l.match(/Booting worker with pid: (\d+)/);
        return m ? [Number(m[1])] : [];
      }),
  };
  if (opts.wait === false) return server;
  try {
    const line = await Promise.race([
      waitFor(/Listening at: https?:\/\/[^ ]+:\d+/),
      status.then((s) => {
        throw new Error(`denocorn exited with ${s.code} before listening:\n${lines.join("\n")}`);
      }),
    ]);
    const m = line.match(/Listening at: (https?:\/\/[^ ]+:(\d+))/)!;
    server.url = m[1]!;
    server.port = Number(m[2]);
  } catch (e) {
    await server.stop();
    throw e;
  }
  return server;
}

/** Runs main.ts to completion (for CLI errors); returns exit code and output. */
export async function runCli(
  args: string[],
  opts: { cwd?: string; env?: Record<string, string> } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, ...args],
    cwd: opts.cwd ?? ROOT,
    env: opts.env ?? {},
    stdin: "null",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/** Sends raw bytes over TCP and returns everything the server sends back before closing. */
export async function rawRequest(
  port: number,
  bytes: string | Uint8Array,
  timeoutMs = 5000,
): Promise<string> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const timer = setTimeout(() => conn.close(), timeoutMs);
  try {
    await conn.write(typeof bytes === "string" ? new TextEncoder().encode(bytes) : bytes);
    const chunks: Uint8Array[] = [];
    const buf = new Uint8Array(65536);
    for (;;) {
      let n: number | null;
      try {
        n = await conn.read(buf);
      } catch {
        break;
      }
      if (n === null) break;
      chunks.push(buf.slice(0, n));
    }
    return new TextDecoder().decode(concatBytes(chunks));
  } finally {
    clearTimeout(timer);
    try {
      conn.close();
    } catch { /* closed by timer */ }
  }
}

function concatBytes(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.byteLength;
  }
  return out;
}

/** The repo root, for fixtures. */
export const REPO_ROOT = ROOT;

/** True while process `pid` exists and is not a zombie. */
export function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(Deno.readTextFileSync(`/proc/${pid}/stat`));
  } catch {
    return false;
  }
}
