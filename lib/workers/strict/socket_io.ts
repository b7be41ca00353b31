/**
 * @module The async worker's I/O adapter: a {@linkcode Connection} over a node:net socket. Reads are
 * pulled with bounded read-ahead; deadlines are not timers but fields the worker's sweep checks
 * ({@linkcode SocketConnection.sweep}); closes linger, so a peer still sending sees FIN.
 */

import type { Socket } from "node:net";
import * as sys from "../../sys/mod.ts";
import type { SweepState } from "../async_engine.ts";
import {
  ClientGone,
  ClientTimeout,
  type Connection,
  LINGER_MS,
  type Phase,
  type TimeoutPhase,
} from "./io.ts";

/** Buffered input past which the socket is paused until the exchange reads. */
const HIGH_WATER = 64 * 1024;
/** Writes larger than this go out in {@linkcode PIECE} slices, each under the write deadline. */
const SLICE_ABOVE = 256 * 1024;
const PIECE = 64 * 1024;

/** What a socket connection needs from its worker. */
export interface SocketOptions {
  /** Milliseconds a blocked write may wait for the client to read. */
  writeTimeout: number;
  /** The worker clock in ms (performance.now). */
  now: () => number;
}

/** One accepted connection on a node:net socket (created with `allowHalfOpen: true`). */
export class SocketConnection implements Connection {
  readonly peer: Deno.Addr;
  readonly localName: string;
  /** Resolves once the socket is closed. */
  readonly closed: Promise<void>;
  #sock: Socket;
  #opts: SocketOptions;
  #chunks: Uint8Array[] = [];
  #buffered = 0;
  #ended = false;
  #error: Error | null = null;
  #wake: (() => void) | null = null;
  #phase: Phase = "head";
  #since: number;
  #readDeadline = Infinity;
  #writeDeadline = Infinity;
  #closeDeadline = Infinity;
  #timedOut: TimeoutPhase | null = null;
  #closing = false;
  #onGone: (() => void) | null = null;
  #fd: number | null;

  /**
   * Wraps `sock`, accepted from `peer` on the listener named `localName`; `fd`, the socket's
   * descriptor when known, lets the sweep see a request that waits unread in the kernel.
   */
  constructor(
    sock: Socket,
    peer: Deno.Addr,
    localName: string,
    opts: SocketOptions,
    fd: number | null = null,
  ) {
    this.#sock = sock;
    this.#fd = fd;
    this.#opts = opts;
    this.peer = peer;
    this.localName = localName;
    this.#since = opts.now();
    sock.setNoDelay(true);
    this.closed = new Promise((resolve) => sock.once("close", () => resolve()));
    sock.on("data", (d: Uint8Array) => this.#onData(d));
    sock.on("end", () => this.#onEnd(null));
    sock.on("error", (e: Error) => this.#onEnd(e));
    sock.on("close", () => this.#onEnd(null));
  }

  #onData(d: Uint8Array): void {
    if (this.#closing) return; // a lingering close discards what still comes
    this.#chunks.push(d);
    this.#buffered += d.byteLength;
    if (this.#buffered > HIGH_WATER) this.#sock.pause();
    this.#notify();
  }

  #onEnd(e: Error | null): void {
    this.#ended = true;
    if (e !== null) this.#error ??= e;
    this.#notify();
    const gone = this.#onGone;
    this.#onGone = null;
    gone?.();
    if (this.#closing && !this.#sock.destroyed) this.#sock.destroy();
  }

  #notify(): void {
    const w = this.#wake;
    this.#wake = null;
    w?.();
  }

  readonly source = {
    read: (deadline: number): Promise<Uint8Array | null> => this.#read(deadline),
    unshift: (bytes: Uint8Array): void => {
      if (bytes.byteLength === 0) return;
      this.#chunks.unshift(bytes);
      this.#buffered += bytes.byteLength;
    },
  };

  readonly sink = { write: (bytes: Uint8Array): Promise<void> | void => this.#write(bytes) };

  async #read(deadline: number): Promise<Uint8Array | null> {
    while (this.#chunks.length === 0) {
      if (this.#timedOut !== null) throw new ClientTimeout(this.#timedOut);
      if (this.#error !== null) {
        throw new ClientGone(`Client connection failed: ${this.#error.message}`);
      }
      if (this.#ended) return null;
      if (this.#sock.isPaused()) this.#sock.resume();
      this.#readDeadline = deadline;
      await new Promise<void>((resolve) => this.#wake = resolve);
      this.#readDeadline = Infinity;
    }
    const c = this.#chunks.shift()!;
    this.#buffered -= c.byteLength;
    if (this.#buffered <= HIGH_WATER && this.#sock.isPaused()) this.#sock.resume();
    return c;
  }

  #write(bytes: Uint8Array): Promise<void> | void {
    if (bytes.byteLength <= SLICE_ABOVE) return this.#writePiece(bytes);
    return (async () => {
      for (let off = 0; off < bytes.byteLength; off += PIECE) {
        await this.#writePiece(bytes.subarray(off, off + PIECE));
      }
    })();
  }

  #writePiece(bytes: Uint8Array): Promise<void> | void {
    const sock = this.#sock;
    if (sock.destroyed || sock.writableEnded) throw this.#writeFailure();
    if (sock.write(bytes)) return;
    this.#writeDeadline = this.#opts.now() + this.#opts.writeTimeout;
    return new Promise((resolve, reject) => {
      const done = (ok: boolean) => {
        sock.off("drain", onDrain);
        sock.off("close", onClose);
        this.#writeDeadline = Infinity;
        ok ? resolve() : reject(this.#writeFailure());
      };
      const onDrain = () => done(true);
      const onClose = () => done(false);
      sock.on("drain", onDrain);
      sock.on("close", onClose);
    });
  }

  #writeFailure(): Error {
    return this.#timedOut === "write"
      ? new ClientTimeout("write")
      : new ClientGone("Client closed the connection");
  }

  phase(p: Phase): void {
    this.#phase = p;
    if (p !== "busy") this.#since = this.#opts.now(); // the shedding order of waiting connections
  }

  watch(onGone: () => void): () => void {
    if (this.#ended) {
      queueMicrotask(onGone);
      return () => {};
    }
    this.#onGone = onGone;
    return () => this.#onGone = null;
  }

  /**
   * True while the client sent bytes nobody has read yet (buffered here, or in the kernel while
   * the event loop was busy): a request arrived, so the connection is not idle.
   */
  unread(): boolean {
    if (this.#chunks.length > 0) return true;
    return this.#fd !== null && !this.#sock.destroyed && sys.hasUnread(this.#fd);
  }

  /**
   * The sweep: ends a wait past its deadline. An idle connection of a stopping worker also ends
   * at the stop deadline. A timed-out read wakes the exchange (which may answer 408); a timed-out
   * write or linger destroys the socket. A late sweep (the event loop was blocked) and a request
   * waiting unread never end an idle wait.
   */
  sweep(state: SweepState): void {
    const now = state.now;
    if (this.#sock.destroyed) return;
    if (now > this.#closeDeadline || now > this.#writeDeadline) {
      if (now > this.#writeDeadline) this.#timedOut = "write";
      this.#sock.destroy();
      return;
    }
    const deadline = this.#phase === "idle"
      ? Math.min(this.#readDeadline, state.stopDeadline)
      : this.#readDeadline;
    if (now > deadline) {
      if (this.#phase === "idle" && (state.late || this.unread())) return;
      this.#timedOut = this.#phase === "busy" ? "body" : this.#phase;
      this.#notify();
    }
  }

  /**
   * How willing the worker is to drop this connection to make room (lower first), and since
   * when it has been in that state; null while a request is in hand.
   */
  shedOrder(): [number, number] | null {
    if (this.#closing) return [0, this.#since];
    if (this.#phase === "busy") return null;
    if (this.#phase === "idle") return [1, this.#since];
    if (this.#phase === "head") return [2, this.#since];
    return null;
  }

  /** Drops the connection at once (shedding). */
  kill(): void {
    this.#sock.destroy();
  }

  /**
   * Shuts down writes once they are flushed, then discards input until the peer's FIN or for
   * {@linkcode LINGER_MS}; a slow or failed client is not given the linger.
   */
  close(linger: boolean): void {
    if (this.#closing || this.#sock.destroyed) return;
    this.#closing = true;
    this.#since = this.#opts.now();
    this.#chunks = [];
    this.#buffered = 0;
    if (this.#sock.isPaused()) this.#sock.resume();
    const quick = !linger && (this.#timedOut !== null || this.#error !== null);
    this.#closeDeadline = this.#since + (quick ? 0 : LINGER_MS);
    if (this.#ended || quick) this.#sock.end(() => this.#sock.destroy());
    else this.#sock.end();
  }
}
