/** @module A request body read on demand from any byte source, framed by Content-Length or chunked. */

import { ChunkedDecoder, type Framing, HttpParseError } from "../../http/mod.ts";
import { type ByteSource, ClientTimeout } from "./io.ts";
import { BodyEndedError } from "../answers.ts";

/** How a {@linkcode RequestBody} reads. */
export interface BodyOptions {
  /** Runs before the first read: sends `100 Continue` when the client expects it. */
  onFirstRead: (() => void | Promise<void>) | null;
  /** The deadline for the next read (worker clock, ms), given the body bytes delivered so far. */
  deadline: (bytesRead: number) => number;
}

/** Reads one request body from `source`, within the deadlines `options` gives. */
export class RequestBody {
  #source: ByteSource;
  #remaining: number;
  #decoder: ChunkedDecoder | null;
  #onFirstRead: (() => void | Promise<void>) | null;
  #deadline: (bytesRead: number) => number;
  /** True once the body has been read to its end. */
  done: boolean;
  /** True when the connection cannot be reused (body ended early, bad framing, read error). */
  broken = false;
  /** Body bytes delivered so far. */
  bytesRead = 0;
  /** Why reading from the source failed (its `cause` is the adapter's error), if it did. */
  failure: BodyEndedError | null = null;

  /** Creates the reader for `framing` over `source`. */
  constructor(source: ByteSource, framing: Framing, options: BodyOptions) {
    this.#source = source;
    this.#remaining = framing.type === "length" ? framing.length : 0;
    this.#decoder = framing.type === "chunked" ? new ChunkedDecoder() : null;
    this.#onFirstRead = options.onFirstRead;
    this.#deadline = options.deadline;
    this.done = framing.type === "none" || (framing.type === "length" && framing.length === 0);
  }

  /** True while the client still waits for `100 Continue` for a body nobody read yet. */
  get continuePending(): boolean {
    return this.#onFirstRead !== null && !this.done;
  }

  async #read(): Promise<Uint8Array> {
    if (this.#onFirstRead !== null) {
      const f = this.#onFirstRead;
      this.#onFirstRead = null;
      await f();
    }
    let got: Uint8Array | null;
    try {
      got = await this.#source.read(this.#deadline(this.bytesRead));
    } catch (e) {
      this.broken = true;
      this.failure = e instanceof ClientTimeout
        ? new BodyEndedError("Request body did not arrive in time", 408, { cause: e })
        : new BodyEndedError(`Cannot read the request body: ${(e as Error).message}`, 400, {
          cause: e,
        });
      throw this.failure;
    }
    if (got === null) {
      this.broken = true;
      throw new BodyEndedError("Client closed the connection before the request body ended");
    }
    return got;
  }

  /** The next piece of the body, or null at its end. Throws BodyEndedError or HttpParseError. */
  async next(): Promise<Uint8Array | null> {
    while (!this.done) {
      const input = await this.#read();
      const piece = this.#decoder === null
        ? this.#takeLength(input)
        : this.#takeChunked(this.#decoder, input);
      if (piece !== null && piece.byteLength > 0) {
        this.bytesRead += piece.byteLength;
        return piece;
      }
    }
    return null;
  }

  #takeLength(input: Uint8Array): Uint8Array {
    if (input.byteLength > this.#remaining) {
      this.#source.unshift(input.subarray(this.#remaining));
      input = input.subarray(0, this.#remaining);
    }
    this.#remaining -= input.byteLength;
    if (this.#remaining === 0) this.done = true;
    return input;
  }

  #pending: Uint8Array | null = null;

  #takeChunked(decoder: ChunkedDecoder, input: Uint8Array): Uint8Array | null {
    if (this.#pending !== null) input = concat([this.#pending, input]);
    this.#pending = null;
    let out;
    try {
      out = decoder.push(input);
    } catch (e) {
      this.broken = true;
      throw e;
    }
    const rest = input.subarray(out.consumed);
    if (out.done) {
      this.done = true;
      this.#source.unshift(rest);
    } else if (rest.byteLength > 0) {
      this.#pending = rest.slice();
    }
    return out.chunks.length === 0 ? null : concat(out.chunks);
  }

  /** The body as a ReadableStream for `new Request()`; errors surface as a failed stream. */
  stream(): ReadableStream<Uint8Array> {
    return new ReadableStream<Uint8Array>({
      pull: async (controller) => {
        try {
          const piece = await this.next();
          if (piece === null) controller.close();
          else controller.enqueue(piece);
        } catch (e) {
          controller.error(
            e instanceof HttpParseError ? new BodyEndedError(e.message, e.status) : e,
          );
        }
      },
    }, { highWaterMark: 0 });
  }

  /** Reads and discards what the app left unread, up to `limit` bytes; true when the body ended. */
  async discard(limit: number): Promise<boolean> {
    try {
      while (!this.done && this.bytesRead <= limit) await this.next();
    } catch {
      return false;
    }
    return this.done;
  }
}

/** Joins byte arrays (a single part is returned as it is). */
export function concat(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  let total = 0;
  for (const p of parts) total += p.byteLength;
  const out = new Uint8Array(total);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.byteLength;
  }
  return out;
}
