/**
 * @module One connection served by Deno's engine, as the worker sees it: which requests are in
 * flight, how long it has waited for one, and the deadlines Deno's engine does not enforce itself
 * (head, keep-alive idle, body, blocked write; lib/workers/timeouts.ts), checked by the sweep.
 */

import type { EngineServer } from "./internals.ts";
import { log } from "../../log.ts";
import { BodyEndedError } from "../answers.ts";
import type { SweepState, Tracked } from "../async_engine.ts";
import type { Timeouts } from "../timeouts.ts";

/** One request in flight; `deadline` is set while it waits on the client (body read, write). */
export class Exchange {
  /** When the current wait on the client expires (ms, performance.now()); Infinity: not waiting. */
  deadline = Infinity;
  /** What the request is waiting for, for the log line when it expires. */
  waiting = "";
  /** The status reading the request body failed with (400 malformed or cut, 408 too slow). */
  bodyStatus: number | null = null;
  /** Set once the app returned its response: a failed body read can no longer become a 408. */
  responded = false;
  #fail: ((e: Error) => void) | null = null;

  /** Starts (`ms` given) or ends (null) a wait on the client. */
  wait(what: string, ms: number | null): void {
    this.deadline = ms === null ? Infinity : performance.now() + ms;
    this.waiting = what;
  }

  /** Waits for a request body read until `deadline`; past it the sweep fails the read (408). */
  read<T>(read: Promise<T>, deadline: number): Promise<T> {
    this.deadline = deadline;
    this.waiting = "request body read";
    return new Promise<T>((resolve, reject) => {
      const settle = () => {
        if (this.#fail !== reject) return; // expired: the sweep set the next deadline
        this.#fail = null;
        this.wait("", null);
      };
      this.#fail = reject;
      read.then((v) => (settle(), resolve(v)), (e) => (settle(), reject(e)));
    });
  }

  /**
   * The sweep found this request past its deadline: a body read in progress fails with a 408 the
   * app sees (its response then has `ms` to go out); true when that happened, false: close now.
   */
  expire(ms: number): boolean {
    const fail = this.#fail;
    if (fail === null || this.responded) return false;
    this.#fail = null;
    this.bodyStatus = 408;
    this.wait("response to a slow request body", ms);
    fail(new BodyEndedError("Request body did not arrive in time", 408));
    return true;
  }
}

/** A socket handed to Deno's engine, tracked so the worker can enforce deadlines and drain. */
export class EngineConnection implements Tracked {
  /** The TCP peer. */
  readonly peer: Deno.NetAddr;
  /** Whether it came through TLS (tls.ts). */
  readonly tls: boolean;
  /** Aborting it closes the connection at once (passed to the engine). */
  readonly abort: AbortController = new AbortController();
  #t: Timeouts;
  #server: EngineServer | null = null;
  #exchanges = new Set<Exchange>();
  /** Since when the connection has waited for a request (accept, or the end of the last one). */
  #idleSince = performance.now();
  #served = 0;
  #upgraded = false;
  #ws: WebSocket | null = null;
  #wsClosed: Promise<void> | null = null;
  #closing = false;
  /** Deno's graceful shutdown was started: aborting is no longer safe. */
  #shutdown = false;
  /** When a graceful close is forced. */
  #closeBy = Infinity;
  #closed: Promise<void> = Promise.resolve();

  constructor(peer: Deno.NetAddr, timeouts: Timeouts, tls = false) {
    this.peer = peer;
    this.tls = tls;
    this.#t = timeouts;
  }

  /** Resolves once the engine's server for this connection (and its WebSocket) closed. */
  get closed(): Promise<void> {
    return this.#closed;
  }

  /** Watches the engine's server for this connection (see {@link closed}). */
  run(server: EngineServer): void {
    this.#server = server;
    this.#closed = this.#watch(server);
  }

  async #watch(server: EngineServer): Promise<void> {
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
    if (this.#exchanges.size > 0 || this.#upgraded) return;
    this.#idleSince = performance.now();
    // Its response said `Connection: close` (HTTP/1.1); HTTP/2 needs the GOAWAY. Deno's engine
    // would wait for the rest of a body that came too slowly: that one closes at the next sweep.
    if (ex.bodyStatus === 408) this.#killAt(performance.now());
    else if (stopping || this.#t.idle === 0 || ex.bodyStatus !== null) this.close();
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

  /**
   * When a connection without a request in flight must close: a new one `--header-timeout` after
   * its accept (Deno's engine does not tell when a head starts, so a head still arriving then is
   * cut too), a kept-alive one after `--keep-alive` idle seconds.
   */
  #idleDeadline(): number {
    return this.#idleSince + (this.#served === 0 ? this.#t.head : this.#t.idle);
  }

  /** Closes the connection if a deadline passed; called by the worker's sweep. */
  sweep(state: SweepState): void {
    if (this.#closing) {
      // A graceful close waits for a write the client may never let finish.
      if (state.now > this.#closeBy) this.kill();
      return;
    }
    if (this.#upgraded) {
      // A stopping worker cannot drain a WebSocket: Deno's shutdown sends 1001 Going Away.
      if (state.stopping) this.close();
      return;
    }
    if (this.#exchanges.size === 0) {
      const deadline = this.#idleDeadline();
      if (state.now < Math.min(deadline, state.stopDeadline) || !this.#idle(state)) return;
      // A new client slower than its head deadline is not given a graceful close.
      if (this.#served === 0 && state.now >= deadline) this.kill();
      else this.close();
      return;
    }
    for (const ex of this.#exchanges) {
      if (state.now < Math.min(ex.deadline, state.stopDeadline)) continue;
      if (state.now < state.stopDeadline && ex.expire(this.#t.write)) continue;
      const what = state.now >= state.stopDeadline ? "--graceful-timeout" : ex.waiting;
      log.debug(`Closing connection from ${this.peer.hostname}: ${what} expired`);
      this.kill();
      return;
    }
  }

  /** No request has arrived unread (checked only when a deadline says it would be closed). */
  #idle(state: SweepState): boolean {
    return !state.late && !this.unread();
  }

  /** True while bytes the client sent wait in the socket, not yet read by Deno's engine. */
  unread(): boolean {
    return this.#server?.unread() ?? false;
  }

  /**
   * How willing the worker is to drop this connection to make room (lower first: closing, idle
   * between requests, waiting for its first request) and since when; null while a request is in
   * flight or a WebSocket is open.
   */
  shedOrder(): [number, number] | null {
    if (this.#closing) return [0, this.#closeBy];
    if (this.#upgraded || this.#exchanges.size > 0) return null;
    return [this.#served > 0 ? 1 : 2, this.#idleSince];
  }

  /**
   * Closes gracefully (idle HTTP/1.1 gets FIN, HTTP/2 GOAWAY, a WebSocket 1001 Going Away), at
   * once when that has not finished after `ms` (default `--write-timeout`).
   */
  close(ms: number = this.#t.write): void {
    if (this.#closing || this.#server === null) return;
    // A TLS connection that has sent no request may still be handshaking, which Deno's graceful
    // close does not end (it would wait `ms`); with nothing to finish, it closes at once.
    if (this.tls && this.#served === 0 && this.#exchanges.size === 0) return this.kill();
    this.#closing = true;
    this.#closeBy = performance.now() + ms;
    this.#ws?.close(1001, "Going Away");
    this.#shutdown = true;
    void this.#server.shutdown();
  }

  /** Closes at once at the first sweep after `at` (a response handed to Deno goes out first). */
  #killAt(at: number): void {
    this.#closing = true;
    this.#closeBy = at;
  }

  /** Closes at once, whatever is in flight. */
  kill(): void {
    if (this.abort.signal.aborted) return;
    this.#closing = true;
    this.#closeBy = -Infinity;
    this.#ws?.close(1001, "Going Away");
    // After a graceful shutdown, Deno's abort listener would throw (see EngineServer.forceClose).
    if (this.#shutdown) this.#server?.forceClose();
    else this.abort.abort();
  }
}
