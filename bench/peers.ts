/**
 * @module The peer table: every server the benchmark compares, how to start it on a port and
 * how to stop it again. Also the process plumbing the peers share: spawn with drained output,
 * wait until a port answers HTTP, stop by pid (SIGTERM, then SIGKILL after a grace period,
 * including any worker processes the server forked).
 */

/** An external program a peer needs, and how to get it when it is missing. */
export interface Requirement {
  bin: string;
  versionArgs: string[];
  /** What the version output must match (a program that is there but lacks a module fails it). */
  expect?: RegExp;
  install: string;
}

/** Which app a peer runs; a scenario names one app per family (see scenarios.ts). */
export type AppFamily = "denocorn" | "wsgi" | "asgi" | "deno" | "serve" | "node" | "nginx";

/** The throwaway certificate of an HTTPS scenario (bench/machine.ts makes it). */
export interface TlsFiles {
  certFile: string;
  keyFile: string;
  /** The certificate itself (PEM): the readiness probe trusts it and nothing else. */
  certPem: string;
}

/** What a peer gets when it is started. */
export interface StartContext {
  /** Repository root; the working directory of every server. */
  root: string;
  /** A free port on 127.0.0.1. */
  port: number;
  /** Worker processes to run. */
  workers: number;
  /** Aborting makes a pending start reject (the processes already spawned are stopped). */
  signal: AbortSignal;
  /** Set for an HTTPS scenario: serve HTTPS with this certificate (only peers with `https`). */
  tls?: TlsFiles;
}

/** A running server. `stop` is idempotent and never rejects. */
export interface Server {
  pids: number[];
  stop(): Promise<void>;
}

/** One row of the peer table. */
export interface Peer {
  /** CLI name (`--only`), e.g. `denocorn-sync`. */
  name: string;
  /** What the report calls it. */
  label: string;
  family: AppFamily;
  requires: Requirement[];
  /** The command line, for the docs; `{port}`, `{workers}` and `{app}` are placeholders. */
  command: string;
  /**
   * How it serves HTTPS when the context has `tls`, for the docs (`{certfile}`, `{keyfile}` are
   * placeholders); a peer without it sits out the HTTPS scenarios.
   */
  https?: string;
  start(ctx: StartContext): Promise<Server>;
}

// ---------------------------------------------------------------------------------------------
// Processes

/** How long a server gets to exit after SIGTERM before it is killed. */
export const STOP_GRACE_MS = 5000;
/** How long a server gets to answer its first request. */
export const READY_TIMEOUT_MS = 30_000;

const TAIL_BYTES = 16 * 1024;
const live = new Set<ManagedProcess>();

/** A child process whose stdout/stderr are drained into a bounded tail buffer. */
export class ManagedProcess {
  readonly pid: number;
  readonly status: Promise<Deno.CommandStatus>;
  #child: Deno.ChildProcess;
  #exited: Deno.CommandStatus | null = null;
  #tail = "";
  #listeners: Array<(text: string) => void> = [];
  #stopping: Promise<void> | null = null;

  constructor(
    readonly label: string,
    cmd: string,
    args: string[],
    opts: { cwd: string; env?: Record<string, string> },
  ) {
    this.#child = new Deno.Command(cmd, {
      args,
      cwd: opts.cwd,
      ...(opts.env === undefined ? {} : { env: opts.env }),
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.pid = this.#child.pid;
    live.add(this);
    this.status = this.#child.status.then((s) => {
      this.#exited = s;
      return s;
    });
    this.#drain(this.#child.stdout);
    this.#drain(this.#child.stderr);
  }

  async #drain(stream: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    try {
      for await (const chunk of stream) {
        const text = decoder.decode(chunk, { stream: true });
        this.#tail = (this.#tail + text).slice(-TAIL_BYTES);
        for (const l of this.#listeners) l(this.#tail);
      }
    } catch { /* the pipe broke with the process; nothing to keep */ }
  }

  /** The last output (stdout and stderr interleaved), for error messages. */
  get output(): string {
    return this.#tail;
  }

  get exited(): Deno.CommandStatus | null {
    return this.#exited;
  }

  /** Resolves once the output (tail) matches `re`; rejects if the process exits first. */
  waitForOutput(re: RegExp, timeoutMs: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      let done = false;
      const finish = (err?: Error) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        signal.removeEventListener("abort", onAbort);
        this.#listeners = this.#listeners.filter((l) => l !== check);
        if (err === undefined) resolve();
        else reject(err);
      };
      const check = (text: string) => {
        if (re.test(text)) finish();
      };
      const onAbort = () => finish(new Error("aborted"));
      const timer = setTimeout(
        () => finish(new Error(`${this.label}: no ${re} in its output after ${timeoutMs} ms`)),
        timeoutMs,
      );
      signal.addEventListener("abort", onAbort, { once: true });
      this.#listeners.push(check);
      this.status.then((s) =>
        finish(new Error(`${this.label} exited (code ${s.code}) before it was ready`))
      );
      check(this.#tail);
    });
  }

  /**
   * SIGTERM, then SIGKILL after `graceMs`. Processes the server forked (its workers) are
   * recorded before the SIGTERM and get the same treatment if they outlive it.
   */
  stop(graceMs = STOP_GRACE_MS): Promise<void> {
    this.#stopping ??= this.#stop(graceMs).finally(() => live.delete(this));
    return this.#stopping;
  }

  async #stop(graceMs: number): Promise<void> {
    const family = descendants(this.pid);
    if (this.#exited === null) {
      signal(this.pid, "SIGTERM");
      if (!await settlesWithin(this.status, graceMs)) {
        signal(this.pid, "SIGKILL");
        for (const p of family) killIfSame(p, "SIGKILL");
        await this.status;
      }
    }
    // Workers whose parent is gone (or was killed) are orphans now; stop them by pid.
    const left = family.filter((p) => sameProcess(p));
    if (left.length === 0) return;
    for (const p of left) killIfSame(p, "SIGTERM");
    const deadline = Date.now() + graceMs;
    while (Date.now() < deadline && left.some((p) => sameProcess(p))) await sleep(50);
    for (const p of left) killIfSame(p, "SIGKILL");
  }
}

/** Stops every process this module started and has not stopped yet. */
export async function stopAll(): Promise<void> {
  await Promise.all([...live].map((p) => p.stop()));
}

function signal(pid: number, sig: Deno.Signal): void {
  try {
    Deno.kill(pid, sig);
  } catch { /* already gone */ }
}

function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    p.then(() => true),
    new Promise<boolean>((r) => timer = setTimeout(() => r(false), ms)),
  ]).finally(() => clearTimeout(timer));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** A pid together with its start time, so a recycled pid is never signalled. */
interface Proc {
  pid: number;
  start: string;
}

function readStat(pid: number): { ppid: number; start: string } | null {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    // Fields after the parenthesised command name: state ppid ... (starttime is field 22).
    const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return { ppid: Number(rest[1]), start: rest[19] ?? "" };
  } catch {
    return null;
  }
}

export function descendants(root: number): Proc[] {
  if (Deno.build.os !== "linux") return [];
  const children = new Map<number, Proc[]>();
  for (const e of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(e.name)) continue;
    const pid = Number(e.name);
    const st = readStat(pid);
    if (st === null) continue;
    const list = children.get(st.ppid) ?? [];
    list.push({ pid, start: st.start });
    children.set(st.ppid, list);
  }
  const out: Proc[] = [];
  const queue = [root];
  while (queue.length > 0) {
    for (const c of children.get(queue.shift()!) ?? []) {
      out.push(c);
      queue.push(c.pid);
    }
  }
  return out;
}

function sameProcess(p: Proc): boolean {
  const st = readStat(p.pid);
  if (st === null || st.start !== p.start) return false;
  // A zombie waiting for its (new) parent to reap it is gone for our purposes.
  try {
    return !/\) Z /.test(Deno.readTextFileSync(`/proc/${p.pid}/stat`));
  } catch {
    return false;
  }
}

function killIfSame(p: Proc, sig: Deno.Signal): void {
  if (sameProcess(p)) signal(p.pid, sig);
}

/** A port on 127.0.0.1 that was free a moment ago. */
export function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/**
 * One `GET path` with `Connection: close`, over TLS when `certPem` is given (trusting that
 * certificate only, HTTP/1.1 without ALPN); resolves to the status code, or null on failure.
 */
export async function probe(port: number, path = "/", certPem?: string): Promise<number | null> {
  let conn: Deno.Conn | null = null;
  try {
    conn = certPem === undefined
      ? await Deno.connect({ hostname: "127.0.0.1", port })
      : await Deno.connectTls({ hostname: "127.0.0.1", port, caCerts: [certPem] });
    const req = `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`;
    await conn.write(new TextEncoder().encode(req));
    const buf = new Uint8Array(64);
    let got = 0;
    const deadline = Date.now() + 2000;
    while (got < 12 && Date.now() < deadline) {
      const n = await conn.read(buf.subarray(got));
      if (n === null) break;
      got += n;
    }
    const m = /^HTTP\/1\.[01] (\d{3})/.exec(new TextDecoder().decode(buf.subarray(0, got)));
    return m === null ? null : Number(m[1]);
  } catch {
    return null;
  } finally {
    try {
      conn?.close();
    } catch { /* closed */ }
  }
}

/**
 * Resolves once `port` answers with a 2xx (over TLS with `tls`); rejects if any of `procs` exits,
 * or on timeout.
 */
export async function waitHttp(
  port: number,
  procs: ManagedProcess[],
  signal: AbortSignal,
  tls?: TlsFiles,
  timeoutMs = READY_TIMEOUT_MS,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: number | null = null;
  while (true) {
    if (signal.aborted) throw new Error("aborted");
    for (const p of procs) {
      if (p.exited !== null) {
        throw new Error(`${p.label} exited (code ${p.exited.code}) before it answered`);
      }
    }
    last = await probe(port, "/", tls?.certPem);
    if (last !== null && last >= 200 && last < 300) return;
    if (Date.now() > deadline) {
      throw new Error(
        `no 2xx from 127.0.0.1:${port} after ${timeoutMs} ms (last status: ${last ?? "none"})`,
      );
    }
    await sleep(100);
  }
}

/** Adds the server's recent output to a start failure, so the report says why. */
function startFailure(procs: ManagedProcess[], e: unknown): Error {
  const why = e instanceof Error ? e.message : String(e);
  const out = procs.map((p) => p.output.trim()).filter((s) => s !== "").join("\n");
  const tail = out.split("\n").slice(-15).join("\n");
  return new Error(tail === "" ? why : `${why}\n--- server output (tail) ---\n${tail}`);
}

/** Starts processes, waits with `ready`, and returns them as one Server (stopped on failure). */
export async function startServer(
  spawn: () => ManagedProcess[],
  ready: (procs: ManagedProcess[]) => Promise<void>,
): Promise<Server> {
  const procs: ManagedProcess[] = [];
  const server: Server = {
    pids: [],
    stop: async () => {
      await Promise.all(procs.map((p) => p.stop()));
    },
  };
  try {
    procs.push(...spawn());
    server.pids = procs.map((p) => p.pid);
    await ready(procs);
    return server;
  } catch (e) {
    await server.stop();
    throw startFailure(procs, e);
  }
}
