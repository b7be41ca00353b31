/**
 * @module One connection served by Deno's engine, as the worker sees it: which requests are in
 * flight, how long it has been idle, and the deadlines Deno's engine does not enforce itself
 * (keep-alive idle time, a slow head, body or write), checked by the worker's sweep.
 */

import type { EngineServer } from "../internals.ts";
import { log } from "../log.ts";

/** One request in flight; `deadline` is set while it waits on the client (body read, write). */
export class Exchange {
  /** When the current wait on the client expires (ms, performance.now()); Infinity: not waiting. */
  deadline = Infinity;
  /** What the request is waiting for, for the log line when it expires. */
  waiting = "";
  /** Set when reading the request body failed (malformed or cut short by the client). */
  bodyFailed = false;

  /** Starts (`ms` given) or ends (null) a wait on the client. */
  wait(what: string, ms: number | null): void {
    this.deadline = ms === null ? Infinity : performance.now() + ms;
    this.waiting = what;
  }
}

/** The times a connection gets, in ms. */
export interface ConnectionLimits {
  /** Idle time allowed between requests (`--keep-alive`). */
  keepaliveMs: number;
  /** Extra time a new connection gets for its first request head. */
  headMs: number;
}

/** Where the worker's stop stands, passed to each sweep. */
export interface SweepState {
  now: number;
  /** True once the worker was told to stop (TERM, HUP, max-requests). */
  stopping: boolean;
  /** When idle connections must be closed at the latest (Infinity while running). */
  stopDeadline: number;
}

/** A socket handed to Deno's engine, tracked so the worker can enforce deadlines and drain. */
export class EngineConnection {
  /** The TCP peer. */
  readonly peer: Deno.NetAddr;
  /** Aborting it closes the connection at once (passed to the engine). */
  readonly abort: AbortController = new AbortController();
  #limits: ConnectionLimits;
  #server: EngineServer | null = null;
  #exchanges = new Set<Exchange>();
  #idleSince = performance.now();
  #served = 0;
  #upgraded = false;
  #ws: WebSocket | null = null;
  #wsClosed: Promise<void> | null = null;
  #closing = false;
  #closingAt = 0;

  constructor(peer: Deno.NetAddr, limits: ConnectionLimits) {
    this.peer = peer;
    this.#limits = limits;
  }

  /** Watches the engine's server for this connection; resolves once it (and its WebSocket) closed. */
  async run(server: EngineServer): Promise<void> {
    this.#server = server;
    const error = await server.finished;
    if (error !== null) log.debug(`Connection from ${this.peer.hostname} ended: ${error.message}`);
    await this.#wsClosed;
  }

  /** Registers a request that has reached the app. */
  begin(): Exchange {
    const ex = new Exchange();
    this.#exchanges.add(ex);
    return ex;
  }

  /** Registers the end of a request (its response sent, or its connection gone). */
  end(ex: Exchange, stopping: boolean): void {
    if (!this.#exchanges.delete(ex)) return;
    this.#served++;
    if (this.#exchanges.size === 0) this.#idleSince = performance.now();
    // Its response said `Connection: close` (HTTP/1.1); HTTP/2 needs the GOAWAY.
    if (stopping && this.#exchanges.size === 0 && !this.#upgraded) this.close();
  }

  /**
   * Hands the connection to the WebSocket of a 101 response: no idle deadline any more, and the
   * connection counts (against --worker-connections, for the drain) until the socket closes.
   */
  upgrade(response: Response): void {
    this.#upgraded = true;
    const ws = this.#server?.adoptWebSocket(response) ?? null;
    if (ws === null) return;
    this.#ws = ws;
    // An upgrade that never opens (the client left first) ends with "error" and no "close".
    this.#wsClosed = new Promise((resolve) => {
      ws.addEventListener("close", () => resolve());
      ws.addEventListener("error", () => resolve());
    });
  }

  /** Closes the connection if a deadline passed; called by the worker's sweep. */
  sweep(state: SweepState): void {
    if (this.#closing) {
      // A graceful close waits for a write the client may never let finish.
      if (state.now - this.#closingAt > this.#limits.headMs) this.kill();
      return;
    }
    if (this.#upgraded) {
      // A stopping worker cannot drain a WebSocket: Deno's shutdown sends 1001 Going Away.
      if (state.stopping) this.close();
      return;
    }
    if (this.#exchanges.size === 0) {
      const { keepaliveMs, headMs } = this.#limits;
      const allowed = this.#served === 0 ? keepaliveMs + headMs : keepaliveMs;
      if (state.now >= Math.min(this.#idleSince + allowed, state.stopDeadline)) this.close();
      return;
    }
    for (const ex of this.#exchanges) {
      if (state.now < Math.min(ex.deadline, state.stopDeadline)) continue;
      const what = state.now >= state.stopDeadline ? "--graceful-timeout" : ex.waiting;
      log.debug(`Closing connection from ${this.peer.hostname}: ${what} expired`);
      this.kill();
      return;
    }
  }

  /** Closes gracefully: idle HTTP/1.1 gets FIN, HTTP/2 GOAWAY, a WebSocket 1001 Going Away. */
  close(): void {
    if (this.#closing || this.#server === null) return;
    this.#closing = true;
    this.#closingAt = performance.now();
    this.#ws?.close(1001, "Going Away");
    void this.#server.shutdown();
  }

  /** Closes at once, whatever is in flight. */
  kill(): void {
    if (this.abort.signal.aborted) return;
    this.#closing = true;
    this.#closingAt = -Infinity;
    this.#ws?.close(1001, "Going Away");
    this.abort.abort();
  }
}
