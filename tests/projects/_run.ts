/**
 * @module Test helper: runs any command that starts denocorn (main.ts, an installed `denocorn`, an
 * embedding program) from a fixture project's directory, waits for "Listening at", stops by pid.
 */

/** The repository root. */
export const ROOT = new URL("../../", import.meta.url).pathname.replace(/\/$/, "");
/** denocorn's entry point. */
export const MAIN = `${ROOT}/main.ts`;
/** The fixture projects' directory. */
export const APPS = `${ROOT}/tests/projects/apps`;

/** A running server started by {@link start}. */
export interface Running {
  pid: number;
  /** `http://127.0.0.1:PORT` from the first "Listening at" line. */
  url: string;
  /** Every output line so far (stderr and stdout). */
  lines: string[];
  /** Resolves with the first line, seen or future, that matches `re`. */
  waitFor(re: RegExp, timeoutMs?: number): Promise<string>;
  /** TERM, then KILL after 10 s; resolves with the exit status once output is read. */
  stop(): Promise<Deno.CommandStatus>;
}

/** Options for {@link start} and {@link run}. */
export interface RunOptions {
  cwd: string;
  env?: Record<string, string>;
}

function collect(child: Deno.ChildProcess) {
  const lines: string[] = [];
  const waiters: Array<{ re: RegExp; resolve: (line: string) => void }> = [];
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    let rest = "";
    for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
      const parts = (rest + chunk).split("\n");
      rest = parts.pop() ?? "";
      for (const line of parts) {
        lines.push(line);
        for (const w of waiters.filter((w) => w.re.test(line))) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(line);
        }
      }
    }
  };
  const done = Promise.all([pump(child.stdout), pump(child.stderr)]);
  const waitFor = (re: RegExp, timeoutMs = 30000) => {
    const seen = lines.find((l) => re.test(l));
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise<string>((resolve, reject) => {
      const waiter = { re, resolve: (l: string) => (clearTimeout(t), resolve(l)) };
      const t = setTimeout(() => {
        waiters.splice(waiters.indexOf(waiter), 1);
        reject(new Error(`Timed out waiting for ${re} in:\n${lines.join("\n")}`));
      }, timeoutMs);
      waiters.push(waiter);
    });
  };
  return { lines, waitFor, done };
}

/** Starts `cmd args` and waits until it listens; throws with its output if it exits first. */
export async function start(cmd: string, args: string[], opts: RunOptions): Promise<Running> {
  const child = new Deno.Command(cmd, {
    args,
    cwd: opts.cwd,
    env: opts.env ?? {},
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const { lines, waitFor, done } = collect(child);
  const status = child.status.then(async (s) => (await done, s));
  const stop = async () => {
    const kill = (sig: Deno.Signal) => {
      try {
        Deno.kill(child.pid, sig);
      } catch { /* exited */ }
    };
    kill("SIGTERM");
    const t = setTimeout(() => kill("SIGKILL"), 10000);
    const s = await status;
    clearTimeout(t);
    return s;
  };
  let line: string;
  try {
    line = await Promise.race([
      waitFor(/Listening at: http:\/\/\S+:\d+/),
      status.then((s) => {
        throw new Error(`Exited with ${s.code} before listening:\n${lines.join("\n")}`);
      }),
    ]);
  } catch (e) {
    await stop();
    throw e;
  }
  const url = /Listening at: (http:\/\/\S+:\d+)/.exec(line)![1]!;
  return { pid: child.pid, url, lines, waitFor, stop };
}

/** Runs `deno run -A main.ts ...args` to completion; returns its exit code and output. */
export async function run(
  args: string[],
  opts: RunOptions,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: opts.cwd,
    env: opts.env ?? {},
    stdin: "null",
  }).output();
  const text = new TextDecoder();
  return { code: out.code, stdout: text.decode(out.stdout), stderr: text.decode(out.stderr) };
}

/** GETs (or POSTs) `url` and returns status and body text. */
export async function get(url: string, method = "GET"): Promise<{ status: number; body: string }> {
  const res = await fetch(url, { method });
  return { status: res.status, body: await res.text() };
}

/** Every file under `dir` with its bytes, to show a run left a project untouched. */
export async function snapshot(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (d: string): Promise<void> => {
    for await (const e of Deno.readDir(d)) {
      const p = `${d}/${e.name}`;
      if (e.isDirectory) await walk(p);
      else out.set(p, e.isFile ? await Deno.readTextFile(p) : "(link)");
    }
  };
  await walk(dir);
  return out;
}
