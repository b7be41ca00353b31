/**
 * @module The seam between the exchange and a worker class's I/O: a byte source, a byte sink, the
 * connection that holds them, and the two typed errors every adapter throws.
 */

/** The peer closed or reset the connection (EPIPE, ECONNRESET, a write after its close). */
export class ClientGone extends Error {
  override name = "ClientGone";
}

/** What a connection was doing when a deadline passed. */
export type TimeoutPhase = "idle" | "head" | "body" | "write";

/** A deadline passed: the client was too slow to send or to read. */
export class ClientTimeout extends Error {
  override name = "ClientTimeout";
  /** The wait that timed out. */
  readonly phase: TimeoutPhase;
  /** Creates the error for a wait in `phase`. */
  constructor(phase: TimeoutPhase, message = `Client too slow: ${phase} deadline passed`) {
    super(message);
    this.phase = phase;
  }
}

/** Where request bytes come from. */
export interface ByteSource {
  /**
   * The next bytes (the caller owns them), or null once the peer closed its side. Throws
   * {@linkcode ClientTimeout} when nothing arrives before `deadline` (the worker clock, ms) and
   * {@linkcode ClientGone} when the connection broke.
   */
  read(deadline: number): Uint8Array | null | Promise<Uint8Array | null>;
  /** Puts back bytes that were read too far (the next pipelined request). */
  unshift(bytes: Uint8Array): void;
}

/** Where response bytes go. */
export interface ByteSink {
  /**
   * Writes all of `bytes`; throws {@linkcode ClientGone}, or {@linkcode ClientTimeout} when a
   * blocked write waits longer than the adapter's write deadline.
   */
  write(bytes: Uint8Array): void | Promise<void>;
  /** Writes all of `parts` in order, like `write` of their concatenation but without the copy. */
  writev?(parts: readonly Uint8Array[]): void | Promise<void>;
}

/**
 * What a connection is doing, for the adapter's deadlines and shedding: waiting for a request
 * (`idle`), receiving a head (`head`), or serving a request (`busy`).
 */
export type Phase = "idle" | "head" | "busy";

/** One accepted connection, as the exchange sees it. */
export interface Connection {
  readonly source: ByteSource;
  readonly sink: ByteSink;
  /** The peer's address (before PROXY protocol and forwarding headers). */
  readonly peer: Deno.Addr;
  /** `host:port` of the listener, the URL authority for a request without Host. */
  readonly localName: string;
  /** The URL scheme when no header says otherwise: "https" over TLS (default "http"). */
  readonly scheme?: "http" | "https";
  /** Fields the handler's `info` carries besides `remoteAddr` and `completed` (TLS: the client certificate). */
  readonly handlerInfo?: Readonly<Record<string, unknown>>;
  /** Tells the adapter what the connection is doing now. */
  phase(p: Phase): void;
  /**
   * Calls `onGone` once if the peer closes or resets the connection while a request is in hand;
   * returns the function that stops watching.
   */
  watch(onGone: () => void): () => void;
  /**
   * Sends `size` bytes of the file at `path` with sendfile(2), returning the bytes sent. Absent
   * where the class streams file bodies like any other.
   */
  sendFile?(path: string, size: number): number | Promise<number>;
  /**
   * Closes the connection. With `linger`, writes are shut down first and input is read and
   * discarded briefly, so a peer still sending sees FIN, not RST.
   */
  close(linger: boolean): void | Promise<void>;
}

/** A bounded lingering close discards input for at most this long. */
export const LINGER_MS = 2000;
