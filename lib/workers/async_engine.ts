/**
 * @module The seam between the async worker's loop (lib/workers/async.ts) and its HTTP engines
 * (lib/workers/strict/, lib/workers/deno/): an engine serves the sockets the loop accepts and
 * gives back a {@linkcode Tracked} connection, which the loop sheds, sweeps and drains.
 */

import type { Accepted } from "../sys/mod.ts";
import type { Sheddable } from "./shed.ts";

/** Where the worker's stop stands, passed to each connection by each sweep. */
export interface SweepState {
  now: number;
  /** True once the worker was told to stop (TERM, HUP, max-requests). */
  stopping: boolean;
  /** When idle connections must be closed at the latest (Infinity while running). */
  stopDeadline: number;
  /**
   * The sweep runs late (the event loop was blocked): requests that arrived meanwhile may not be
   * read yet, so no connection is closed as idle by this sweep.
   */
  late?: boolean;
}

/** One connection an engine serves, as the async loop tracks it. */
export interface Tracked extends Sheddable {
  /** Resolves once the connection is closed (and anything it was upgraded to). */
  readonly closed: Promise<void>;
  /** Closes what a deadline or the stop says must close; called by every sweep. */
  sweep(state: SweepState): void;
  /** Closes at once, whatever is in flight (shedding). */
  kill(): void;
}

/**
 * An engine's own accept on one shared listening fd, used by the loop instead of poll + accept4
 * (the loop still calls it only while there is room, and sheds as before).
 */
export interface Acceptor {
  /**
   * The next connection, served: null when it could not be served, "exhausted" when out of
   * descriptors, "closed" once {@linkcode Acceptor.close} ran (a connection accepted just before
   * still comes first: nothing accepted is dropped).
   */
  accept(): Promise<Tracked | null | "exhausted" | "closed">;
  /** Stops accepting (the worker stops); never closes the shared fd itself. */
  close(): void;
}

/** An HTTP engine of the async worker: what serves the sockets the loop accepts. */
export interface AsyncEngine {
  /** Starts serving an accepted socket; null when it could not (the socket is then closed). */
  serve(accepted: Accepted, listener: number): Tracked | null;
  /**
   * Its own acceptors, one per fd of `fds` (in order), or null: the loop then polls and accepts
   * itself. Optional.
   */
  acceptors?(fds: readonly number[]): Acceptor[] | null;
}
