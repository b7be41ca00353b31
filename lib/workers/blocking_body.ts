/** @module A request body read on demand from a blocking socket, framed by Content-Length or chunked. */

import { ChunkedDecoder, type Framing, HttpParseError } from "../http/mod.ts";
import * as sys from "../sys/mod.ts";

const READ_SIZE = 64 * 1024;
const CONTINUE = new TextEncoder().encode("HTTP/1.1 100 Continue\r\n\r\n");

/** Thrown into the app's body stream when the client stops sending before the body is complete. */
export class BodyEndedError extends Error {}

/** Reads one request body from a blocking fd; `leftover` holds body bytes already read with the head. */
export class BlockingBody {
  #fd: number;
  #leftover: Uint8Array;
  #remaining: number;
  #decoder: ChunkedDecoder | null;
  #expectContinue: boolean;
  /** True once the body has been read to its end. */
  done = false;
  /** True when the connection can no longer be trusted (body ended early, bad framing). */
  broken = false;
  /** Body bytes delivered so far. */
  bytesRead = 0;

  /** Creates the reader for `framing`; `expectContinue` sends 100 Continue on the first read. */
  constructor(fd: number, framing: Framing, leftover: Uint8Array, expectContinue: boolean) {
    this.#fd = fd;
    this.#leftover = leftover;
    this.#remaining = framing.type === "length" ? framing.length : 0;
    this.#decoder = framing.type === "chunked" ? new ChunkedDecoder() : null;
    this.#expectContinue = expectContinue;
    this.done = framing.type === "none" || (framing.type === "length" && framing.length === 0);
  }

  #readSocket(max: number): Uint8Array {
    if (this.#expectContinue) {
      this.#expectContinue = false;
      sys.writeAll(this.#fd, CONTINUE);
    }
    if (this.#leftover.byteLength > 0) {
      const take = this.#leftover.subarray(0, Math.min(max, this.#leftover.byteLength));
      this.#leftover = this.#leftover.subarray(take.byteLength);
      return take;
    }
    const buf = new Uint8Array(Math.min(max, READ_SIZE));
    let n: number;
    try {
      n = sys.read(this.#fd, buf);
    } catch (e) {
      this.broken = true;
      if (e instanceof sys.SysError && e.code === "EAGAIN") {
        throw new BodyEndedError("Timed out reading the request body");
      }
      throw e;
    }
    if (n === 0) {
      this.broken = true;
      throw new BodyEndedError("Client closed the connection before the request body ended");
    }
    return buf.subarray(0, n);
  }

  /** Returns the next piece of the body, or null at its end. Throws BodyEndedError/HttpParseError. */
  next(): Uint8Array | null {
    if (this.done) return null;
    if (this.#decoder === null) {
      const piece = this.#readSocket(this.#remaining);
      this.#remaining -= piece.byteLength;
      this.bytesRead += piece.byteLength;
      if (this.#remaining === 0) this.done = true;
      return piece;
    }
    return this.#nextChunked(this.#decoder);
  }

  #nextChunked(decoder: ChunkedDecoder): Uint8Array | null {
    for (;;) {
      const input = this.#readSocket(READ_SIZE);
      let out;
      try {
        out = decoder.push(input);
      } catch (e) {
        this.broken = true;
        throw e;
      }
      // Bytes the decoder did not take stay for the next call (or follow the body).
      if (out.consumed < input.byteLength) {
        const rest = input.subarray(out.consumed);
        const merged = new Uint8Array(rest.byteLength + this.#leftover.byteLength);
        merged.set(rest);
        merged.set(this.#leftover, rest.byteLength);
        this.#leftover = merged;
      }
      if (out.done) this.done = true;
      const data = joinChunks(out.chunks);
      this.bytesRead += data.byteLength;
      if (data.byteLength > 0) return data;
      if (out.done) return null;
      if (out.consumed === 0 && this.#leftover.byteLength > 0) {
        // The decoder needs more than it has: read more from the socket next turn.
        const held = this.#leftover;
        this.#leftover = new Uint8Array(0);
        const more = this.#readSocket(READ_SIZE);
        const merged = new Uint8Array(held.byteLength + more.byteLength);
        merged.set(held);
        merged.set(more, held.byteLength);
        this.#leftover = merged;
      }
    }
  }

  /** The body as a ReadableStream for `new Request()`; errors surface as a failed stream. */
  stream(): ReadableStream<Uint8Array> {
    return new ReadableStream<Uint8Array>({
      pull: (controller) => {
        try {
          const piece = this.next();
          if (piece === null) controller.close();
          else controller.enqueue(piece);
        } catch (e) {
          controller.error(e instanceof HttpParseError ? new BodyEndedError(e.message) : e);
        }
      },
    }, { highWaterMark: 0 });
  }

  /** Reads and discards what the app left unread, up to `limit` bytes; false if more remained. */
  discard(limit: number): boolean {
    try {
      while (!this.done && this.bytesRead <= limit) this.next();
    } catch {
      return false;
    }
    return this.done;
  }
}

function joinChunks(chunks: Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return chunks[0]!.slice();
  const total = chunks.reduce((n, c) => n + c.byteLength, 0);
  const out = new Uint8Array(total);
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.byteLength;
  }
  return out;
}
