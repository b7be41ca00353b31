/** @module Pull-style reads over a node:net socket, with bounded read-ahead (the socket pauses). */

import type { Socket } from "node:net";

const HIGH_WATER = 64 * 1024;

/** Turns a socket's data events into `await read()`, pausing the socket past 64 KiB buffered. */
export class SocketReader {
  #sock: Socket;
  #chunks: Uint8Array[] = [];
  #buffered = 0;
  #ended = false;
  #error: Error | null = null;
  #wake: (() => void) | null = null;

  /** Starts listening to `sock`'s data, end and error events. */
  constructor(sock: Socket) {
    this.#sock = sock;
    sock.on("data", (d: Uint8Array) => {
      this.#chunks.push(d);
      this.#buffered += d.byteLength;
      if (this.#buffered > HIGH_WATER) sock.pause();
      this.#notify();
    });
    sock.on("end", () => {
      this.#ended = true;
      this.#notify();
    });
    sock.on("error", (e: Error) => {
      this.#error = e;
      this.#notify();
    });
    sock.on("close", () => {
      this.#ended = true;
      this.#notify();
    });
  }

  #notify(): void {
    const w = this.#wake;
    this.#wake = null;
    w?.();
  }

  /** True when bytes are buffered and can be read without waiting. */
  get hasData(): boolean {
    return this.#buffered > 0;
  }

  /** Puts bytes back in front (what a parser did not consume). */
  unshift(bytes: Uint8Array): void {
    if (bytes.byteLength === 0) return;
    this.#chunks.unshift(bytes);
    this.#buffered += bytes.byteLength;
  }

  /**
   * The next bytes, or null at end of stream (or when the socket was destroyed, which is how a
   * connection's read deadline ends a wait). Throws the socket error.
   */
  async read(): Promise<Uint8Array | null> {
    while (this.#chunks.length === 0) {
      if (this.#error !== null) throw this.#error;
      if (this.#ended) return null;
      if (this.#sock.isPaused()) this.#sock.resume();
      await new Promise<void>((resolve) => this.#wake = resolve);
    }
    const c = this.#chunks.shift()!;
    this.#buffered -= c.byteLength;
    if (this.#buffered <= HIGH_WATER && this.#sock.isPaused()) this.#sock.resume();
    return c;
  }
}
