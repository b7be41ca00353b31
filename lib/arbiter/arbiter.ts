/**
 * @module The arbiter, gunicorn's small reactive loop: signal listeners and control commands only
 * queue; one loop drains the queue through a table of handlers, then reads heartbeats, kills
 * silent workers and brings the workers to their target (supervise.ts). Decisions are pure
 * functions (plan.ts, exits.ts); processes are pool.ts's.
 */

import { type Hooks, type Settings, VERSION } from "../config/mod.ts";
import { runFatalHook, runHook } from "../hooks.ts";
import { log } from "../log.ts";
import { Reloader } from "../reloader.ts";
import { startStatsd, type StatsdClient, workersGauge } from "../statsd.ts";
import * as sys from "../sys/mod.ts";
import { ctlCommand, type WorkerReport } from "./commands.ts";
import { type CtlServer, startCtlServer } from "./ctl.ts";
import { type MetricsServer, startMetricsServer } from "../metrics/server.ts";
import { type ScrapeHost, scrapeSource, statsReply } from "./metrics.ts";
import { HaltServer } from "./exits.ts";
import { Pidfile } from "./pidfile.ts";
import { ttouTarget } from "./plan.ts";
import { readyGraceSeconds, readyStep } from "./ready.ts";
import { type ArbiterSignal, type Command, CommandQueue, SIGNALS } from "./queue.ts";
import { Sockets } from "./sockets.ts";
import { Supervisor } from "./supervise.ts";
import { Upgrade } from "./upgrade.ts";

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
  #sockets = new Sockets();
  #workers: Supervisor;
  #queue = new CommandQueue();
  #halt: HaltServer | null = null;
  #graceful = false;
  #upgrade: Upgrade;
  #pidfile: Pidfile | null = null;
  #ctl: CtlServer | null = null;
  #metrics: MetricsServer | null = null;
  #statsd: StatsdClient | null = null;
  #reloader: Reloader | null = null;
  /** Until `when_ready` has run: the workers it waits for and the deadline (ready.ts). */
  #ready: { wanted: number; graceS: number; deadline: number } | null = null;

  /** What each queued command does (gunicorn's `handle_<signal>`). */
  #actions: Record<ArbiterSignal | "reload" | "reopen", () => void | Promise<void>> = {
    SIGTERM: () => this.#stop(true),
    SIGINT: () => this.#stop(false),
    SIGQUIT: () => this.#stop(false),
    SIGHUP: () => this.#reload(),
    reload: () => this.#reload(),
    SIGTTIN: () => void (this.#workers.target += 1),
    SIGTTOU: () => void (this.#workers.target = ttouTarget(this.#workers.target)),
    SIGWINCH: () => {
      log.info("graceful stop of workers");
      this.#workers.target = 0;
    },
    reopen: () => this.#workers.reopenLogs(),
    SIGUSR2: () =>
      this.#upgrade.start({
        fds: this.#sockets.fds,
        argv: this.#opts.argv,
        pidfile: this.#pidfile,
        preExec: async () => void await runHook(this.#hooks, "pre_exec", this),
        stopping: () => this.#halt !== null,
      }),
  };

  /** Creates an arbiter for the effective settings. */
  constructor(opts: ArbiterOptions) {
    this.#opts = opts;
    this.#settings = opts.settings;
    this.#hooks = opts.hooks;
    this.#upgrade = new Upgrade(opts.env);
    this.#workers = new Supervisor({
      server: this,
      env: opts.env,
      settings: () => this.#settings,
      hooks: () => this.#hooks,
      fds: () => this.#sockets.fds,
      stopping: () => this.#halt !== null,
      halt: (reason, code) => this.#halt ??= new HaltServer(reason, code),
      wake: () => this.#queue.wake(),
    }, opts.settings.workers);
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
    return this.#workers.target;
  }
  /** The error log (gunicorn's `arbiter.log`), for hooks. */
  get log(): typeof log {
    return log;
  }
  /** The live workers as the control socket reports them. */
  get workers(): WorkerReport[] {
    return this.#workers.reports();
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
      const graceS = readyGraceSeconds(this.#settings.timeout);
      this.#ready = {
        wanted: this.#settings.workers,
        graceS,
        deadline: Date.now() + graceS * 1000,
      };
      this.#manage();
      while (this.#halt === null) {
        await this.#queue.sleep(this.#workers.replacing || this.#readySoon() ? 100 : 1000);
        await this.#handleCommands();
        if (this.#halt !== null) break;
        this.#upgrade.checkParent();
        this.#workers.murder(Date.now());
        this.#manage();
        await this.#whenReady();
      }
    } catch (e) {
      this.#halt = e instanceof HaltServer
        ? e
        : new HaltServer(`Unhandled exception in main loop: ${(e as Error).stack}`, 1);
    }
    return await this.#shutdown(this.#halt);
  }

  async #start(): Promise<void> {
    const s = this.#settings;
    await runFatalHook(this.#hooks, "on_starting", this);
    if (s.umask !== null) sys.umask(s.umask); // unset: the inherited mask stays
    this.#sockets.tls = s.certfile !== null;
    await this.#sockets.open(s.bind, s.backlog, this.#opts.env);
    if (s.pidfile !== null) {
      this.#pidfile = new Pidfile(s.pidfile);
      this.#pidfile.create(Deno.pid);
    }
    log.info(`Using worker: ${s.worker_class}`);
    this.#workers.open();
    this.#statsd = startStatsd(s);
    for (const sig of SIGNALS) Deno.addSignalListener(sig, () => this.#enqueue(sig));
    if (s.reload) this.#reloader = Reloader.forSettings(s, () => this.#enqueue("reload"));
    if (s.ctl_socket !== null) {
      this.#ctl = await startCtlServer(s.ctl_socket, (c, a) => this.#control(c, a));
    }
    if (s.metrics_bind !== null) {
      this.#metrics = startMetricsServer(s.metrics_bind, scrapeSource(this.#scrape()));
    }
  }

  #enqueue(c: Command): void {
    if (this.#halt === null) this.#queue.push(c); // stopping: later signals change nothing
  }

  /** Control socket commands: answered at once, actions queued for the loop like signals. */
  #control(command: string, args: string[]): unknown {
    return ctlCommand(command, args, {
      status: () => ({
        pid: Deno.pid,
        version: VERSION,
        worker_class: this.#settings.worker_class,
        num_workers: this.#workers.target,
        workers: this.#workers.size,
        listeners: this.#sockets.urls,
      }),
      workers: () => this.workers,
      stats: () => statsReply(this.#scrape()),
      reload: () => this.#enqueue("reload"),
      reopen: () => this.#enqueue("reopen"),
      scale: (n) => this.#enqueue({ scale: n }),
      maxWorkers: () => this.#workers.max,
    });
  }

  /** What /metrics, /healthz, /readyz and `ctl stats` read (lib/arbiter/metrics.ts). */
  #scrape(): ScrapeHost {
    const sup = this.#workers;
    const sockets = this.#sockets;
    return {
      metrics: sup.metrics,
      live: () => sup.live(),
      listeners: () => sockets.fds.map((fd, i) => ({ fd, name: sockets.urls[i]! })),
      stopping: () => this.#halt !== null,
      timeout: () => this.#settings.timeout,
    };
  }

  async #handleCommands(): Promise<void> {
    for (let c = this.#queue.shift(); c !== undefined; c = this.#queue.shift()) {
      if (typeof c === "object") {
        this.#workers.target = c.scale;
        continue;
      }
      if (c.startsWith("SIG")) log.info(`Handling signal: ${c.slice(3).toLowerCase()}`);
      await this.#actions[c]();
      if (this.#halt !== null) return;
    }
  }

  #stop(graceful: boolean): void {
    this.#halt = new HaltServer("", 0);
    this.#graceful = graceful;
  }

  /**
   * HUP: read the config again, start fresh workers, retire the old ones once those booted. A
   * configuration that no longer loads changes nothing: new workers would load the same broken
   * file (for its hooks) and fail to boot, so the current workers keep serving as they are.
   */
  async #reload(): Promise<void> {
    log.info("Hang up: Master");
    try {
      const next = await this.#opts.reload();
      this.#settings = next.settings;
      this.#hooks = next.hooks;
    } catch (e) {
      log.error(
        `Cannot reload the configuration: ${(e as Error).message}; nothing changed (the ` +
          "workers keep serving with the current one): fix it and send HUP again",
      );
      return;
    }
    await runHook(this.#hooks, "on_reload", this);
    this.#sockets.tls = this.#settings.certfile !== null;
    await this.#sockets.rebind(this.#settings.bind, this.#settings.backlog);
    this.#workers.target = this.#settings.workers;
    this.#workers.replaceAll();
  }

  /** True while `when_ready` waits for the first workers, until its deadline: look often. */
  #readySoon(): boolean {
    return this.#ready !== null && Date.now() < this.#ready.deadline;
  }

  /** systemd READY=1 and `when_ready`, once, when the first workers have booted (ready.ts). */
  async #whenReady(): Promise<void> {
    if (this.#ready === null) return;
    const booted = this.workers.filter((w) => w.state === "serving").length;
    const wanted = Math.min(this.#ready.wanted, this.#workers.target);
    const step = readyStep(booted, wanted, Date.now(), this.#ready.deadline);
    if (step === "wait") return;
    if (step === "run late") {
      const { graceS } = this.#ready;
      log.warning(`Running when_ready with ${booted} of ${wanted} workers booted after ${graceS}s`);
    }
    this.#ready = null;
    // systemd (Type=notify) counts the service as started once it can answer, as when_ready does.
    sys.sdNotify("READY=1", this.#opts.env.NOTIFY_SOCKET);
    await runHook(this.#hooks, "when_ready", this);
  }

  #manage(): void {
    this.#workers.manage(Date.now());
    this.#statsd?.send(workersGauge(this.#workers.size));
  }

  async #shutdown(halt: HaltServer): Promise<number> {
    this.#queue.clear();
    log.info("Shutting down: Master");
    if (halt.message !== "") log.info(`Reason: ${halt.message}`);
    sys.sdNotify("STOPPING=1", this.#opts.env.NOTIFY_SOCKET);
    // Before the workers drain: with their copies gone too, new connections are refused at once.
    this.#sockets.stopListening();
    const graceMs = this.#graceful ? this.#settings.graceful_timeout * 1000 : 2000;
    await this.#workers.stop(this.#graceful ? "SIGTERM" : "SIGQUIT", graceMs);
    this.#cleanup();
    await runHook(this.#hooks, "on_exit", this);
    this.#statsd?.close();
    return halt.exitCode;
  }

  #cleanup(): void {
    // gunicorn's rule: leave unix socket files to a USR2 child, or to a parent still running.
    this.#sockets.close(!this.#upgrade.sharing);
    this.#ctl?.close();
    void this.#metrics?.close();
    this.#reloader?.close();
    this.#pidfile?.unlink(Deno.pid);
    this.#workers.close();
  }
}
