/**
 * @module The control commands (`denocorn ctl status|workers|stats|reload|scale N`) as a table of
 * handlers: what each one asks of the arbiter and how its reply reads. The socket that carries
 * them is ctl.ts.
 */

/**
 * A worker's state as `ctl workers` shows it: `booting` (its app is loading), `serving`,
 * `retiring` (asked to stop, or stopping at --max-requests: finishing what it holds), `timed out`
 * (no heartbeat for --timeout: SIGABRT sent), `killed` (SIGKILL sent, not yet reaped).
 */
export type WorkerStateName = "booting" | "serving" | "retiring" | "timed out" | "killed";

/** One worker as the control socket reports it. */
export interface WorkerReport {
  pid: number;
  age: number;
  /** Seconds since the worker was spawned. */
  uptime: number;
  /** Requests served so far. */
  requests: number;
  /** Requests inside the app right now. */
  active: number;
  state: WorkerStateName;
}

/** What the control commands act on: the arbiter, seen through what they need. */
export interface CtlTarget {
  status(): unknown;
  workers(): WorkerReport[];
  /** The /metrics figures as `name{labels}` → value. */
  stats(): unknown;
  /** Queues a reload (HUP). */
  reload(): void;
  /** Queues reopening the log files of the arbiter and its workers. */
  reopen(): void;
  /** Queues a new number of workers. */
  scale(n: number): void;
  /** The most workers `scale` may ask for (plan.ts `maxWorkers`). */
  maxWorkers(): number;
}

/** One control command: its usage line and its handler (returns a JSON-serialisable reply). */
interface CtlCommand {
  usage: string;
  run(args: string[], target: CtlTarget): unknown;
}

/** Every control command by name; a new command is one row here. */
export const CTL_COMMANDS: Readonly<Record<string, CtlCommand>> = {
  status: { usage: "status", run: (_, t) => t.status() },
  workers: { usage: "workers", run: (_, t) => t.workers() },
  stats: { usage: "stats", run: (_, t) => t.stats() },
  reload: {
    usage: "reload",
    run: (_, t) => {
      t.reload();
      return "reloading";
    },
  },
  reopen: {
    usage: "reopen",
    run: (_, t) => {
      t.reopen();
      return "reopening log files";
    },
  },
  scale: {
    usage: "scale N",
    run: (args, t) => {
      const arg = args[0] ?? "";
      const n = /^\d{1,6}$/.test(arg) ? Number(arg) : NaN; // not "", "1e3", "0x10" or "-1"
      const max = t.maxWorkers();
      if (n === 0) {
        // TTOU's floor: no worker would accept, and requests would wait in the backlog.
        throw new RangeError(
          `Cannot scale to "${arg}": expected a number from 1 to ${max} (WINCH stops every worker)`,
        );
      }
      if (!(n <= max)) {
        throw new RangeError(`Cannot scale to "${arg}": expected a number from 1 to ${max}`);
      }
      t.scale(n);
      return `scaling to ${n}`;
    },
  },
};

/** Runs one control command; throws for an unknown one, naming those that exist. */
export function ctlCommand(command: string, args: string[], target: CtlTarget): unknown {
  const c = Object.hasOwn(CTL_COMMANDS, command) ? CTL_COMMANDS[command] : undefined;
  if (c === undefined) {
    const usages = Object.values(CTL_COMMANDS).map((x) => x.usage);
    const list = `${usages.slice(0, -1).join(", ")} or ${usages.at(-1)}`;
    throw new Error(`Unknown command "${command}": expected ${list}`);
  }
  return c.run(args, target);
}

/** Formats the `stats` reply as Prometheus sample lines, as /metrics gives them. */
export function formatStats(samples: Readonly<Record<string, number>>): string {
  return Object.entries(samples).map(([k, v]) => `${k} ${v}`).join("\n");
}

/** Formats the `workers` reply as a table. */
export function formatWorkers(workers: readonly WorkerReport[]): string {
  const rows = [["PID", "AGE", "UPTIME", "REQUESTS", "ACTIVE", "STATE"]];
  for (const w of workers) {
    rows.push([
      String(w.pid),
      String(w.age),
      `${w.uptime.toFixed(0)}s`,
      String(w.requests),
      String(w.active),
      w.state,
    ]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd()).join("\n");
}
