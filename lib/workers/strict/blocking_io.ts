/**
 * @module The sync worker's I/O adapter: a {@linkcode Connection} over a blocking fd (FFI). Every
 * blocking call waits at most one slice (SO_RCVTIMEO / SO_SNDTIMEO, set on the listener), then
 * refreshes the heartbeat and checks the connection's deadline, so a slow client costs its
 * connection, never the worker.
 */

import * as sys from "../../sys/mod.ts";
import { ClientGone, ClientTimeout, type Connection, type Phase, type TimeoutPhase } from "./io.ts";

/** What a blocking connection needs from its worker. */
export interface BlockingOptions {
  /** Milliseconds a blocked write may go without progress. */
  writeTimeout: number;
  /** The worker clock in ms (performance.now). */
  now: () => number;
  /** Runs after every blocking call: the heartbeat keeps flowing while a client is slow. */
  tick: () => void;
  /** Milliseconds from the accept (the construction) by which the first head must be in. */
  headTimeout?: number;
}

/** What {@linkcode BlockingConnection.prefetch} found waiting on a fresh connection. */
export type Prefetched = "data" | "gone" | "silent";

/** A sync worker serves one connection at a time: one read buffer for all of them. */
const SCRATCH = new Uint8Array(64 * 1024);
/** A lingering close of the sync worker waits at most this long (it holds the whole worker). */
const LINGER_MS = 1000;
/** A request in hand this long gets a hang-up watch (request.signal); quicker ones never do. */
const WATCH_AFTER_MS = 200;
/** Input the hang-up watch holds for the app before it stops reading. */
const WATCH_HOLD_LIMIT = 64 * 1024;

function gone(e: unknown): unknown {
  return e instanceof sys.SysError ? new ClientGone(`Client connection failed: ${e.message}`) : e;
}

/** One accepted connection served with blocking FFI calls. */
export class BlockingConnection implements Connection {
  readonly peer: Deno.Addr;
  readonly localName: string;
  #fd: number;
  #opts: BlockingOptions;
  #held: Uint8Array[] = [];
  #heldBytes = 0;
  #phase: Phase = "head";
  #eof = false;
  #failure: ClientGone | null = null;
  #closed = false;
  #onGone: (() => void) | null = null;
  #watchSince = 0;
  #polling = false;
  #headBy: number;

  /** Wraps the accepted socket `fd` from `peer`, accepted on the listener named `localName`. */
  constructor(fd: number, peer: Deno.Addr, localName: string, opts: BlockingOptions) {
    this.#fd = fd;
    this.#opts = opts;
    this.peer = peer;
    this.localName = localName;
    this.#headBy = opts.now() + (opts.headTimeout ?? Infinity);
  }

  /** The socket (for a poll set while the connection waits to be served). */
  get fd(): number {
    return this.#fd;
  }

  /**
   * Reads what already arrived, without blocking: `"data"` (held for the head reader), `"gone"`
   * (the peer closed or reset before sending anything: nothing to answer) or `"silent"`.
   */
  prefetch(): Prefetched {
    let n: number | null;
    try {
      n = sys.readNow(this.#fd, SCRATCH);
    } catch (e) {
      this.#failure = gone(e) as ClientGone;
      return "gone";
    }
    if (n === null) return "silent";
    if (n === 0) {
      this.#eof = true;
      return "gone";
    }
    this.#held.push(SCRATCH.slice(0, n));
    this.#heldBytes += n;
    return "data";
  }

  readonly source = {
    read: (deadline: number): Uint8Array | null => this.#read(deadline),
    unshift: (bytes: Uint8Array): void => {
      if (bytes.byteLength === 0) return;
      this.#held.unshift(bytes);
      this.#heldBytes += bytes.byteLength;
    },
  };

  readonly sink = {
    write: (bytes: Uint8Array): void => this.#write(bytes),
    writev: (parts: readonly Uint8Array[]): void => this.#writev(parts),
  };

  phase(p: Phase): void {
    this.#phase = p;
    if (p !== "head") this.#headBy = Infinity; // the first head is in: its deadline is spent
  }

  #read(deadline: number): Uint8Array | null {
    const held = this.#held.shift();
    if (held !== undefined) {
      this.#heldBytes -= held.byteLength;
      return held;
    }
    if (this.#failure !== null) throw this.#failure;
    if (this.#eof) return null;
    const { now, tick } = this.#opts;
    // A connection that waited to be served keeps the first head's deadline from its accept.
    if (this.#phase === "head") deadline = Math.min(deadline, this.#headBy);
    for (;;) {
      if (now() > deadline) throw new ClientTimeout(readPhase(this.#phase));
      let n: number;
      try {
        n = sys.read(this.#fd, SCRATCH);
      } catch (e) {
        tick();
        if (e instanceof sys.SysError && e.code === "EAGAIN") continue; // a slice passed
        throw gone(e);
      }
      tick();
      return n === 0 ? null : SCRATCH.slice(0, n);
    }
  }

  #write(bytes: Uint8Array): void {
    this.#writev([bytes]);
  }

  /** Sends every part in order, with as few sendmsg() calls as the socket allows. */
  #writev(parts: readonly Uint8Array[]): void {
    const { now, tick, writeTimeout } = this.#opts;
    let rest = parts.filter((p) => p.byteLength > 0);
    let progress = -1;
    while (rest.length > 0) {
      try {
        const n = rest.length === 1 ? sys.send(this.#fd, rest[0]!) : sys.sendv(this.#fd, rest);
        rest = advance(rest, n);
        progress = -1;
      } catch (e) {
        if (!(e instanceof sys.SysError && e.code === "EAGAIN")) throw gone(e);
        tick();
        if (progress < 0) progress = now();
        else if (now() - progress > writeTimeout) throw new ClientTimeout("write");
      }
    }
  }

  sendFile(path: string, size: number): number {
    const { now, tick, writeTimeout } = this.#opts;
    const inFd = sys.openRead(path);
    let sent = 0;
    let progress = now();
    try {
      while (sent < size) {
        let n: number;
        try {
          n = sys.sendfile(this.#fd, inFd, BigInt(sent), Math.min(size - sent, 1 << 30));
        } catch (e) {
          if (!(e instanceof sys.SysError && e.code === "EAGAIN")) throw gone(e);
          tick();
          if (now() - progress > writeTimeout) throw new ClientTimeout("write");
          continue;
        }
        if (n === 0) break; // the file shrank: the client sees a short body and a close
        sent += n;
        progress = now();
        tick();
      }
    } finally {
      sys.close(inFd);
    }
    return sent;
  }

  watch(onGone: () => void): () => void {
    this.#onGone = onGone;
    this.#watchSince = this.#opts.now();
    return () => this.#onGone = null;
  }

  /**
   * Called by the sync loop a few times a second: once the request in hand has run a while,
   * waits (on a helper thread) for the peer to hang up, so `request.signal` aborts.
   */
  poke(): void {
    if (this.#onGone === null || this.#polling || this.#closed || this.#eof) return;
    if (this.#opts.now() - this.#watchSince < WATCH_AFTER_MS) return;
    if (this.#heldBytes >= WATCH_HOLD_LIMIT) return;
    this.#polling = true;
    void sys.pollInAsync([this.#fd], 250).then((ready) => {
      this.#polling = false;
      if (ready.length > 0) this.#peek();
    });
  }

  /** Reads what the peer sent while the app ran: held for the app, or the hang-up it means. */
  #peek(): void {
    if (this.#onGone === null || this.#closed) return;
    if (sys.pollIn([this.#fd], 0).length === 0) return; // the app's body read took it first
    try {
      const n = sys.read(this.#fd, SCRATCH);
      if (n > 0) {
        this.#held.push(SCRATCH.slice(0, n));
        this.#heldBytes += n;
        return;
      }
      this.#eof = true;
    } catch (e) {
      this.#failure = gone(e) as ClientGone;
    }
    const fn = this.#onGone;
    this.#onGone = null;
    fn();
  }

  /** Closes; lingers when asked, or when the peer sent more than was read (so it sees FIN). */
  close(linger: boolean): void {
    if (this.#closed) return;
    this.#closed = true;
    const fd = this.#fd;
    if (linger || this.#polling || this.#heldBytes > 0 || this.#unreadInput()) {
      sys.shutdownWrite(fd);
      this.#discard(this.#opts.now() + LINGER_MS);
    }
    sys.close(fd);
  }

  /** True when input is waiting that is more than the peer's end of stream (one recv call). */
  #unreadInput(): boolean {
    if (this.#eof || this.#failure !== null) return false;
    try {
      return (sys.readNow(this.#fd, SCRATCH) ?? 0) > 0;
    } catch {
      return false;
    }
  }

  #discard(until: number): void {
    const { now, tick } = this.#opts;
    for (let left = until - now(); left > 0; left = until - now()) {
      if (sys.pollIn([this.#fd], Math.ceil(left)).length === 0) return;
      try {
        if (sys.read(this.#fd, SCRATCH) === 0) return;
      } catch {
        return;
      }
      tick();
    }
  }
}

/** What is left of `parts` once their first `sent` bytes went out. */
export function advance(parts: readonly Uint8Array[], sent: number): Uint8Array[] {
  let i = 0;
  while (i < parts.length && sent >= parts[i]!.byteLength) sent -= parts[i++]!.byteLength;
  if (i === parts.length) return [];
  const rest = parts.slice(i);
  if (sent > 0) rest[0] = rest[0]!.subarray(sent);
  return rest;
}

function readPhase(p: Phase): TimeoutPhase {
  return p === "busy" ? "body" : p;
}
