/**
 * @module The arbiter: owns the listening sockets, spawns and supervises workers, and turns
 * signals into actions through one loop (signal handlers only queue).
 */

import { closeListeners, type Listener, listenerUrl, openListeners } from "../address.ts";
import { type Settings, VERSION } from "../config/mod.ts";
import { APP_LOAD_ERROR, WORKER_BOOT_ERROR } from "../exit_codes.ts";
import { log } from "../log.ts";
import { WORKER_ENV } from "../workers/env.ts";
import { describeExit, murderPlan, retirePlan, spawnCount, type WorkerState } from "./plan.ts";
import { spawnSelf } from "./spawn.ts";

/** Signals the arbiter handles; each maps to a `handle<Name>` step of the loop. */
const SIGNALS = [
  "SIGTERM",
  "SIGINT",
  "SIGQUIT",
  "SIGHUP",
  "SIGTTIN",
  "SIGTTOU",
  "SIGWINCH",
] as const;
type ArbiterSignal = typeof SIGNALS[number];

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
}

function heartbeatDir(): string {
  try {
    if (Deno.statSync("/dev/shm").isDirectory) {
      return Deno.makeTempDirSync({ dir: "/dev/shm", prefix: "denocorn-" });
    }
  } catch { /* no /dev/shm */ }
  return Deno.makeTempDirSync({ prefix: "denocorn-" });
}

/** The supervisor process. */
export class Arbiter {
  #settings: Settings;
  #listeners: Listener[] = [];
  #workers = new Map<number, Worker>();
  #numWorkers: number;
  #age = 0;
  #queue: ArbiterSignal[] = [];
  #wake: (() => void) | null = null;
  #tmpDir = "";
  #halt: HaltServer | null = null;
  #stopping = false;

  /** Creates an arbiter for the effective settings. */
  constructor(settings: Settings) {
    this.#settings = settings;
    this.#numWorkers = settings.workers;
  }

  /** Runs until stopped; resolves with the process exit status. */
  async run(): Promise<number> {
    log.info(`Starting denocorn ${VERSION}`);
    try {
      this.#listeners = await openListeners(this.#settings.bind, this.#settings.backlog);
    } catch (e) {
      log.error((e as Error).message);
      return 1;
    }
    for (const l of this.#listeners) log.info(`Listening at: ${listenerUrl(l.fd)} (${Deno.pid})`);
    log.info(`Using worker: ${this.#settings.worker_class}`);
    this.#tmpDir = heartbeatDir();
    for (const s of SIGNALS) Deno.addSignalListener(s, () => this.#signal(s));
    try {
      this.#manageWorkers();
      while (this.#halt === null) {
        await this.#sleep(1000);
        this.#handleSignals();
        if (this.#halt !== null) break;
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

  #signal(s: ArbiterSignal): void {
    if (this.#queue.length < 5) this.#queue.push(s);
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

  #handleSignals(): void {
    for (let s = this.#queue.shift(); s !== undefined; s = this.#queue.shift()) {
      log.info(`Handling signal: ${s.slice(3).toLowerCase()}`);
      switch (s) {
        case "SIGTERM":
          this.#halt = new HaltServer("", 0);
          this.#stopping = true;
          return;
        case "SIGINT":
        case "SIGQUIT":
          this.#halt = new HaltServer("", 0);
          return;
        case "SIGTTIN":
          this.#numWorkers++;
          break;
        case "SIGTTOU":
          if (this.#numWorkers > 1) this.#numWorkers--;
          break;
        case "SIGWINCH":
        case "SIGHUP":
          log.info(`Ignoring ${s} (not supported yet)`);
          break;
      }
    }
  }

  #spawnWorker(): void {
    const age = ++this.#age;
    const heartbeat = `${this.#tmpDir}/worker-${age}`;
    Deno.writeTextFileSync(heartbeat, "");
    const child = spawnSelf({
      [WORKER_ENV.role]: "worker",
      [WORKER_ENV.fds]: this.#listeners.map((l) => l.fd).join(","),
      [WORKER_ENV.settings]: JSON.stringify(this.#settings),
      [WORKER_ENV.heartbeat]: heartbeat,
      [WORKER_ENV.age]: String(age),
      [WORKER_ENV.ppid]: String(Deno.pid),
    });
    const w: Worker = {
      pid: child.pid,
      age,
      lastBeat: Date.now(),
      aborted: false,
      retiring: false,
      child,
      heartbeat,
    };
    this.#workers.set(child.pid, w);
    log.info(`Booting worker with pid: ${child.pid}`);
    child.status.then((st) => this.#reap(w, st.code, st.signal ?? null));
  }

  #reap(w: Worker, code: number, signal: string | null): void {
    this.#workers.delete(w.pid);
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
    this.#wakeUp();
  }

  #murderWorkers(): void {
    for (const w of this.#workers.values()) {
      try {
        w.lastBeat = Deno.statSync(w.heartbeat).mtime?.getTime() ?? w.lastBeat;
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
    for (const pid of retirePlan(this.#workers.values(), this.#numWorkers)) {
      const w = this.#workers.get(pid)!;
      w.retiring = true;
      this.#kill(pid, "SIGTERM");
    }
    for (let n = spawnCount(this.#workers.values(), this.#numWorkers); n > 0; n--) {
      this.#spawnWorker();
    }
  }

  #kill(pid: number, sig: Deno.Signal): void {
    try {
      Deno.kill(pid, sig);
    } catch { /* already gone */ }
  }

  async #shutdown(halt: HaltServer): Promise<number> {
    const graceful = this.#stopping;
    if (halt.message !== "") {
      log.info("Shutting down: Master");
      log.info(`Reason: ${halt.message}`);
    } else {
      log.info("Shutting down: Master");
    }
    closeListeners(this.#listeners);
    await this.#stopWorkers(graceful);
    try {
      Deno.removeSync(this.#tmpDir, { recursive: true });
    } catch { /* gone */ }
    return halt.exitCode;
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
