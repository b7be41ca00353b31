/**
 * @module The arbiter: owns the listening sockets, spawns and supervises workers, and turns
 * signals into actions through one loop (signal handlers only queue).
 */

import {
  adoptListeners,
  closeListeners,
  INHERIT_ENV,
  inheritedFds,
  type Listener,
  listenerUrl,
  openListeners,
} from "../address.ts";
import { type Hooks, type Settings, VERSION } from "../config/mod.ts";
import { APP_LOAD_ERROR, WORKER_BOOT_ERROR } from "../exit_codes.ts";
import { runFatalHook, runHook } from "../hooks.ts";
import { log, reopenLogFiles } from "../log.ts";
import * as sys from "../sys/mod.ts";
import { WORKER_ENV } from "../workers/env.ts";
import { ctlCommand, type CtlServer, startCtlServer, type WorkerReport } from "./ctl.ts";
import { Pidfile } from "./pidfile.ts";
import { Reloader, watchTargets } from "../reloader.ts";
import { describeExit, murderPlan, retirePlan, spawnCount, type WorkerState } from "./plan.ts";
import { spawnSelf } from "./spawn.ts";
import { heartbeatDir, workerOwner, workerV8Flags } from "./worker_setup.ts";
import { startStatsd, type StatsdClient, workersGauge } from "../statsd.ts";

/** Signals the arbiter handles; each maps to a step of the loop. */
const SIGNALS = [
  "SIGTERM",
  "SIGINT",
  "SIGQUIT",
  "SIGHUP",
  "SIGTTIN",
  "SIGTTOU",
  "SIGWINCH",
  "SIGUSR2",
] as const;
type ArbiterSignal = typeof SIGNALS[number];
/** What the loop can be asked to do: a signal, or the same actions from the control socket. */
type Command = ArbiterSignal | "reload" | "reopen" | { scale: number };

/** Environment variable naming the arbiter that started this one with USR2. */
export const OLD_ARBITER_ENV = "DENOCORN_OLD_ARBITER";

/** Thrown inside the loop to stop the server with a reason and an exit status. */
export class HaltServer extends Error {
  /** The arbiter's exit status. */
  readonly exitCode: number;
  /** Creates the halt with its `reason` and `exitCode`. */
  constructor(reason: string, exitCode: number) {
    super(reason);
    this.exitCode = exitCode;
  }
}

interface Worker extends WorkerState {
  child: Deno.ChildProcess;
  heartbeat: string;
  spawnedAt: number;
  /** True once the worker has written its first heartbeat (its app is loaded). */
  booted: boolean;
  requests: number;
}

/** What the arbiter is started with. */
export interface ArbiterOptions {
  settings: Settings;
  hooks: Hooks;
  /** Reads the configuration again (HUP). */
  reload: () => Promise<{ settings: Settings; hooks: Hooks }>;
  /** The command-line arguments, to start a new arbiter with on USR2. */
  argv: string[];
  env: Record<string, string>;
}

/** The supervisor process. */
export class Arbiter {
  #opts: ArbiterOptions;
  #settings: Settings;
  #hooks: Hooks;
  #listeners: Listener[] = [];
  /** The --bind list the listeners stand for (inherited ones keep the list they started with). */
  #boundFrom: string[] = [];
  #workers = new Map<number, Worker>();
  #numWorkers: number;
  #age = 0;
  #queue: Command[] = [];
  #wake: (() => void) | null = null;
  #tmpDir = "";
  #halt: HaltServer | null = null;
  #graceful = false;
  #pidfile: Pidfile | null = null;
  #ctl: CtlServer | null = null;
  /** Workers to retire once their replacements have booted (HUP). */
  #replacing = new Set<number>();
  #replaceDeadline = 0;
  #reexec: Deno.ChildProcess | null = null;
  #oldArbiter = 0;
  #statsd: StatsdClient | null = null;
  #reloader: Reloader | null = null;
  /** The --user/--group the workers switch to: their heartbeat files must be theirs. */
  #owner: { uid: number | null; gid: number | null } | null = null;

  /** Creates an arbiter for the effective settings. */
  constructor(opts: ArbiterOptions) {
    this.#opts = opts;
    this.#settings = opts.settings;
    this.#hooks = opts.hooks;
    this.#numWorkers = opts.settings.workers;
    this.#oldArbiter = Number(opts.env[OLD_ARBITER_ENV] ?? 0);
  }

  /** Process id, settings and workers: what hooks receive as `server`. */
  get pid(): number {
    return Deno.pid;
  }
  /** The effective settings (gunicorn's `arbiter.cfg`). */
  get cfg(): Settings {
    return this.#settings;
  }
  /** How many workers the arbiter keeps running. */
  get num_workers(): number {
    return this.#numWorkers;
  }
  /** The live workers as the control socket reports them. */
  get workers(): WorkerReport[] {
    const now = Date.now();
    return [...this.#workers.values()].sort((a, b) => a.age - b.age).map((w) => ({
      pid: w.pid,
      age: w.age,
      uptime: (now - w.spawnedAt) / 1000,
      requests: w.requests,
      state: w.aborted ? "timed out" : w.retiring ? "retiring" : w.booted ? "running" : "booting",
    }));
  }

  /** Runs until stopped; resolves with the process exit status. */
  async run(): Promise<number> {
    log.info(`Starting denocorn ${VERSION}`);
    try {
      await this.#start();
    } catch (e) {
      log.error((e as Error).message);
      this.#cleanup();
      return (e as { exitCode?: number }).exitCode ?? 1; // 2 from ctl.ts's CtlPathError
    }
    try {
      await runHook(this.#hooks, "when_ready", this);
      this.#manageWorkers();
      sys.sdNotify("READY=1", this.#opts.env.NOTIFY_SOCKET);
      while (this.#halt === null) {
        await this.#sleep(this.#replacing.size > 0 ? 100 : 1000);
        await this.#handleCommands();
        if (this.#halt !== null) break;
        this.#checkOldArbiter();
        this.#murderWorkers();
        this.#manageWorkers();
      }
    } catch (e) {
      this.#halt = e instanceof HaltServer
        ? e
        : new HaltServer(`Unhandled exception in main loop: ${(e as Error).stack}`, 1);
    }
    return await this.#shutdown(this.#halt);
  }

  async #start(): Promise<void> {
    await runFatalHook(this.#hooks, "on_starting", this);
    sys.umask(this.#settings.umask);
    const inherited = inheritedFds(this.#opts.env, Deno.pid);
    this.#listeners = inherited === null
      ? await openListeners(this.#settings.bind, this.#settings.backlog)
      : adoptListeners(inherited, this.#opts.env[INHERIT_ENV] !== undefined);
    this.#boundFrom = [...this.#settings.bind];
    if (this.#settings.pidfile !== null) {
      this.#pidfile = new Pidfile(this.#settings.pidfile);
      this.#pidfile.create(Deno.pid);
    }
    for (const l of this.#listeners) log.info(`Listening at: ${listenerUrl(l.fd)} (${Deno.pid})`);
    log.info(`Using worker: ${this.#settings.worker_class}`);
    this.#tmpDir = heartbeatDir(this.#settings.worker_tmp_dir);
    this.#owner = workerOwner(this.#settings);
    if (this.#owner !== null) Deno.chmodSync(this.#tmpDir, 0o711);
    this.#statsd = startStatsd(this.#settings);
    for (const s of SIGNALS) Deno.addSignalListener(s, () => this.#enqueue(s));
    if (this.#settings.reload) this.#watchCode();
    if (this.#settings.ctl_socket !== null) {
      this.#ctl = await startCtlServer(this.#settings.ctl_socket, (c, a) => this.#control(c, a));
    }
  }

  /** --reload: a changed source file, config file or extra file restarts the workers (as HUP). */
  #watchCode(): void {
    const s = this.#settings;
    const targets = watchTargets(s.app, s.config, s.reload_extra_files, Deno.cwd());
    this.#reloader = new Reloader(targets, (paths) => {
      log.info(`Reloading: ${paths.join(", ")} modified`);
      this.#enqueue("reload");
    });
    this.#reloader.start();
  }

  #enqueue(c: Command): void {
    if (this.#halt !== null) return; // stopping: later signals change nothing
    if (this.#queue.length < 5) this.#queue.push(c);
    this.#wakeUp();
  }

  #wakeUp(): void {
    const w = this.#wake;
    this.#wake = null;
    w?.();
  }

  #sleep(ms: number): Promise<void> {
    if (this.#queue.length > 0) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(() => this.#wakeUp(), ms);
      this.#wake = () => {
        clearTimeout(t);
        resolve();
      };
    });
  }

  /** Control socket commands: answered at once, actions queued for the loop like signals. */
  #control(command: string, args: string[]): unknown {
    return ctlCommand(command, args, {
      status: () => ({
        pid: Deno.pid,
        version: VERSION,
        worker_class: this.#settings.worker_class,
        num_workers: this.#numWorkers,
        workers: this.#workers.size,
        listeners: this.#listeners.map((l) => listenerUrl(l.fd)),
      }),
      workers: () => this.workers,
      reload: () => this.#enqueue("reload"),
      reopen: () => this.#enqueue("reopen"),
      scale: (n) => this.#enqueue({ scale: n }),
    });
  }

  async #handleCommands(): Promise<void> {
    for (let c = this.#queue.shift(); c !== undefined; c = this.#queue.shift()) {
      if (typeof c === "object") {
        this.#setWorkers(c.scale);
        continue;
      }
      if (c.startsWith("SIG")) log.info(`Handling signal: ${c.slice(3).toLowerCase()}`);
      switch (c) {
        case "SIGTERM":
          this.#halt = new HaltServer("", 0);
          this.#graceful = true;
          return;
        case "SIGINT":
        case "SIGQUIT":
          this.#halt = new HaltServer("", 0);
          return;
        case "SIGHUP":
        case "reload":
          await this.#reload();
          break;
        case "SIGTTIN":
          this.#setWorkers(this.#numWorkers + 1);
          break;
        case "SIGTTOU":
          if (this.#numWorkers > 1) this.#setWorkers(this.#numWorkers - 1);
          break;
        case "SIGWINCH":
          log.info("graceful stop of workers");
          this.#setWorkers(0);
          break;
        case "reopen": // `ctl reopen`; not USR1, which every denocorn process ignores
          log.info("Reopening log files");
          reopenLogFiles();
          for (const pid of this.#workers.keys()) this.#kill(pid, "SIGHUP");
          break;
        case "SIGUSR2":
          await this.#reexecute();
          break;
      }
    }
  }

  #setWorkers(n: number): void {
    const old = this.#numWorkers;
    if (n === old) return;
    this.#numWorkers = n;
    void runHook(this.#hooks, "nworkers_changed", this, n, old);
  }

  /** HUP: read the config again, start fresh workers, retire the old ones once those booted. */
  async #reload(): Promise<void> {
    log.info("Hang up: Master");
    try {
      const next = await this.#opts.reload();
      this.#settings = next.settings;
      this.#hooks = next.hooks;
    } catch (e) {
      log.error(
        `Cannot reload the configuration, keeping the current one: ${(e as Error).message}`,
      );
    }
    await runHook(this.#hooks, "on_reload", this);
    await this.#rebind();
    this.#setWorkers(this.#settings.workers);
    for (const w of this.#workers.values()) if (!w.retiring) this.#replacing.add(w.pid);
    this.#replaceDeadline = Date.now() + Math.max(10, this.#settings.timeout) * 1000;
    for (let i = 0; i < this.#numWorkers; i++) this.#spawnWorker();
  }

  /** Opens the listeners again when a HUP changed --bind (old workers keep their copies). */
  async #rebind(): Promise<void> {
    const want = this.#settings.bind;
    const had = this.#boundFrom;
    if (want.length === had.length && want.every((b, i) => b === had[i])) return;
    // Listeners follow the order of the --bind list they were opened from.
    const bySpec = new Map(had.map((b, i) => [b, this.#listeners[i]!]));
    const opened = await openListeners(want.filter((b) => !bySpec.has(b)), this.#settings.backlog);
    const fresh = want.map((b) => bySpec.get(b) ?? opened.shift()!);
    closeListeners(this.#listeners.filter((l) => !fresh.includes(l)));
    this.#listeners = fresh;
    this.#boundFrom = [...want];
    for (const l of fresh) log.info(`Listening at: ${listenerUrl(l.fd)} (${Deno.pid})`);
  }

  /** USR2: start a new arbiter from the current program and code, handing it the sockets. */
  async #reexecute(): Promise<void> {
    if (this.#reexec !== null) return log.warning("USR2 signal ignored. Child exists.");
    if (this.#oldArbiter !== 0) return log.warning("USR2 signal ignored. Parent exists.");
    const pidPath = this.#pidfile?.path ?? null;
    if (pidPath !== null) this.#pidfile!.rename(`${pidPath}.oldbin`);
    await runHook(this.#hooks, "pre_exec", this);
    const env: Record<string, string> = {
      [INHERIT_ENV]: this.#listeners.map((l) => String(l.fd)).join(","),
      [OLD_ARBITER_ENV]: String(Deno.pid),
    };
    const child = spawnSelf(env, this.#opts.argv);
    this.#reexec = child;
    log.info(`Started new arbiter with pid: ${child.pid}`);
    child.status.then((st) => {
      this.#reexec = null;
      log.info(`New arbiter (pid:${child.pid}) exited with code ${st.code}`);
      if (pidPath !== null && this.#halt === null) this.#pidfile!.rename(pidPath);
    });
  }

  /** A USR2 child notices when the arbiter that started it is gone (it has been reparented). */
  #checkOldArbiter(): void {
    if (this.#oldArbiter !== 0 && Deno.ppid !== this.#oldArbiter) this.#oldArbiter = 0;
  }

  #spawnWorker(): void {
    const age = ++this.#age;
    const heartbeat = `${this.#tmpDir}/worker-${age}`;
    Deno.writeTextFileSync(heartbeat, "");
    if (this.#owner !== null) Deno.chownSync(heartbeat, this.#owner.uid, this.#owner.gid);
    const view = { age, pid: 0, heartbeat };
    void runHook(this.#hooks, "pre_fork", this, view);
    const child = spawnSelf({
      [WORKER_ENV.role]: "worker",
      [WORKER_ENV.fds]: this.#listeners.map((l) => l.fd).join(","),
      [WORKER_ENV.settings]: JSON.stringify(this.#settings),
      [WORKER_ENV.heartbeat]: heartbeat,
      [WORKER_ENV.age]: String(age),
      [WORKER_ENV.ppid]: String(Deno.pid),
      ...workerV8Flags(this.#opts.env),
    });
    const now = Date.now();
    const w: Worker = {
      pid: child.pid,
      age,
      lastBeat: now,
      aborted: false,
      retiring: false,
      child,
      heartbeat,
      spawnedAt: now,
      booted: false,
      requests: 0,
    };
    this.#workers.set(child.pid, w);
    log.info(`Booting worker with pid: ${child.pid}`);
    child.status.then((st) => this.#reap(w, st.code, st.signal ?? null));
  }

  #reap(w: Worker, code: number, signal: string | null): void {
    this.#workers.delete(w.pid);
    this.#replacing.delete(w.pid);
    try {
      Deno.removeSync(w.heartbeat);
    } catch { /* gone */ }
    if (code === WORKER_BOOT_ERROR) {
      this.#halt ??= new HaltServer("Worker failed to boot.", WORKER_BOOT_ERROR);
    } else if (code === APP_LOAD_ERROR) {
      this.#halt ??= new HaltServer("App failed to load.", APP_LOAD_ERROR);
    } else if (!(this.#halt !== null && signal === "SIGKILL")) {
      const msg = describeExit(w.pid, code, signal);
      if (msg !== null) log.error(msg);
    }
    void runHook(this.#hooks, "child_exit", this, { pid: w.pid, age: w.age, requests: w.requests });
    this.#wakeUp();
  }

  /** Reads heartbeats (mtime = alive, content = requests served) and kills silent workers. */
  #murderWorkers(): void {
    for (const w of this.#workers.values()) {
      try {
        const st = Deno.statSync(w.heartbeat);
        w.lastBeat = st.mtime?.getTime() ?? w.lastBeat;
        if (st.size > 0) {
          w.booted = true;
          w.requests = Number(Deno.readTextFileSync(w.heartbeat)) || w.requests;
        }
      } catch { /* reaped meanwhile */ }
    }
    for (const a of murderPlan(this.#workers.values(), Date.now(), this.#settings.timeout)) {
      const w = this.#workers.get(a.pid);
      if (w === undefined) continue;
      if (a.kind === "abort") {
        log.critical(`WORKER TIMEOUT (pid:${a.pid})`);
        w.aborted = true;
        this.#kill(a.pid, "SIGABRT");
      } else {
        this.#kill(a.pid, "SIGKILL");
      }
    }
  }

  #manageWorkers(): void {
    this.#retireReplaced();
    const live = [...this.#workers.values()].filter((w) => !this.#replacing.has(w.pid));
    for (const pid of retirePlan(live, this.#numWorkers)) this.#retire(pid);
    for (let n = spawnCount(live, this.#numWorkers); n > 0; n--) this.#spawnWorker();
    this.#statsd?.send(workersGauge(this.#workers.size));
  }

  /** After a reload, the old workers stop once every new one is serving (or time is up). */
  #retireReplaced(): void {
    if (this.#replacing.size === 0) return;
    const fresh = [...this.#workers.values()].filter((w) =>
      !this.#replacing.has(w.pid) && !w.retiring
    );
    if (!fresh.every((w) => w.booted) && Date.now() < this.#replaceDeadline) return;
    for (const pid of this.#replacing) this.#retire(pid);
    this.#replacing.clear();
  }

  #retire(pid: number): void {
    const w = this.#workers.get(pid);
    if (w === undefined || w.retiring) return;
    w.retiring = true;
    this.#kill(pid, "SIGTERM");
  }

  #kill(pid: number, sig: Deno.Signal): void {
    try {
      Deno.kill(pid, sig);
    } catch { /* already gone */ }
  }

  async #shutdown(halt: HaltServer): Promise<number> {
    this.#queue.length = 0;
    log.info("Shutting down: Master");
    if (halt.message !== "") log.info(`Reason: ${halt.message}`);
    sys.sdNotify("STOPPING=1", this.#opts.env.NOTIFY_SOCKET);
    await this.#stopWorkers(this.#graceful);
    this.#cleanup();
    await runHook(this.#hooks, "on_exit", this);
    this.#statsd?.close();
    return halt.exitCode;
  }

  #cleanup(): void {
    // gunicorn's rule: leave unix socket files to a USR2 child, or to a parent still running.
    this.#checkOldArbiter();
    closeListeners(this.#listeners, this.#reexec === null && this.#oldArbiter === 0);
    this.#ctl?.close();
    this.#reloader?.close();
    this.#pidfile?.unlink(Deno.pid);
    if (this.#tmpDir !== "") {
      try {
        Deno.removeSync(this.#tmpDir, { recursive: true });
      } catch { /* gone */ }
    }
  }

  async #stopWorkers(graceful: boolean): Promise<void> {
    const sig = graceful ? "SIGTERM" : "SIGQUIT";
    for (const pid of this.#workers.keys()) this.#kill(pid, sig);
    const deadline = Date.now() + (graceful ? this.#settings.graceful_timeout * 1000 : 2000);
    while (this.#workers.size > 0 && Date.now() < deadline) await this.#sleep(100);
    const left = [...this.#workers.values()];
    for (const w of left) this.#kill(w.pid, "SIGKILL");
    await Promise.all(left.map((w) => w.child.status));
  }
}
