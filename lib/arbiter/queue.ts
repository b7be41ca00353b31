/**
 * @module What the arbiter's loop is asked to do, queued: signal listeners and the control socket
 * only push here (gunicorn's SIG_QUEUE), and the loop sleeps until something arrives.
 */

/** Signals the arbiter handles; each has a handler in the loop's table. */
export const SIGNALS = [
  "SIGTERM",
  "SIGINT",
  "SIGQUIT",
  "SIGHUP",
  "SIGTTIN",
  "SIGTTOU",
  "SIGWINCH",
  "SIGUSR2",
] as const;

/** A signal the arbiter handles. */
export type ArbiterSignal = typeof SIGNALS[number];

/** A signal, or an action of the control socket: a reload, log reopening or a new number of workers. */
export type Command = ArbiterSignal | "reload" | "reopen" | { scale: number };

/** At most this many commands wait; more are dropped, as gunicorn drops signals. */
const MAX_PENDING = 5;

/** The loop's queue and its sleep, which a push or {@linkcode CommandQueue.wake} cuts short. */
export class CommandQueue {
  #pending: Command[] = [];
  #wake: (() => void) | null = null;

  /** Queues `c` (dropped when the queue is full) and wakes the loop. */
  push(c: Command): void {
    if (this.#pending.length < MAX_PENDING) this.#pending.push(c);
    this.wake();
  }

  /** The oldest command, removed from the queue. */
  shift(): Command | undefined {
    return this.#pending.shift();
  }

  /** Drops every pending command. */
  clear(): void {
    this.#pending.length = 0;
  }

  /** Ends the current sleep now. */
  wake(): void {
    const w = this.#wake;
    this.#wake = null;
    w?.();
  }

  /** Resolves after `ms`, or at once when a command is pending or arrives. */
  sleep(ms: number): Promise<void> {
    if (this.#pending.length > 0) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(() => this.wake(), ms);
      this.#wake = () => {
        clearTimeout(t);
        resolve();
      };
    });
  }
}
