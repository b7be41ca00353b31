/**
 * @module Reads request heads off a connection for any worker class: the PROXY preamble once,
 * then one head per request, within the keep-alive idle time and the whole-head deadline.
 */

import { type Limits, parseHead, type ProxyPreamble, type RequestHead } from "../../http/mod.ts";
import { type ClientPolicy, readPreamble } from "../client.ts";
import { ClientTimeout, type Connection } from "./io.ts";
import type { Timeouts } from "../timeouts.ts";

/** What reading heads needs from the worker. */
export interface HeadContext {
  limits: Limits;
  policy: ClientPolicy;
  timeouts: Timeouts;
  /** The worker clock in ms (performance.now). */
  now: () => number;
}

/** Bytes of one head as they arrive: the first chunk is used as it is, later ones are appended. */
const EMPTY = new Uint8Array(0);

class Accumulator {
  #buf: Uint8Array = EMPTY;
  #len = 0;
  #owned = false;

  get length(): number {
    return this.#len;
  }

  push(chunk: Uint8Array): void {
    if (this.#len === 0) {
      this.#buf = chunk;
      this.#len = chunk.byteLength;
      this.#owned = false;
      return;
    }
    const need = this.#len + chunk.byteLength;
    if (!this.#owned || need > this.#buf.byteLength) {
      const bigger = new Uint8Array(Math.max(need, this.#buf.byteLength * 2, 1024));
      bigger.set(this.#buf.subarray(0, this.#len));
      this.#buf = bigger;
      this.#owned = true;
    }
    this.#buf.set(chunk, this.#len);
    this.#len = need;
  }

  view(): Uint8Array {
    return this.#buf.subarray(0, this.#len);
  }
}

/** Reads the heads of one connection in turn. */
export class HeadReader {
  #ctx: HeadContext;
  #conn: Connection;
  #acceptedAt: number;
  #preambleRead = false;
  /** The client a PROXY preamble named, if any (it holds for the whole connection). */
  proxied: ProxyPreamble["client"] = null;

  /** Starts reading `conn`, accepted now. */
  constructor(ctx: HeadContext, conn: Connection) {
    this.#ctx = ctx;
    this.#conn = conn;
    this.#acceptedAt = ctx.now();
  }

  /**
   * The next request head, or null when the peer closed or sent nothing in time (nothing to
   * answer). Throws HttpParseError for a bad head, ClientTimeout when a head started but did not
   * end before its deadline. The first head is due `head` ms after the accept; a later one may
   * start within the keep-alive idle time, then has `head` ms from its first byte.
   */
  async next(first: boolean): Promise<RequestHead | null> {
    const { timeouts: t, now } = this.#ctx;
    const acc = new Accumulator();
    let start = this.#preambleRead ? 0 : -1;
    let deadline = first ? this.#acceptedAt + t.head : now() + t.idle;
    this.#conn.phase(first ? "head" : "idle");
    for (;;) {
      let chunk: Uint8Array | null;
      try {
        chunk = await this.#conn.source.read(deadline);
      } catch (e) {
        if (e instanceof ClientTimeout && acc.length === 0) return null;
        throw e;
      }
      if (chunk === null) return null; // closed before a whole head: nothing to answer
      if (acc.length === 0 && !first) {
        this.#conn.phase("head");
        deadline = now() + t.head;
      }
      acc.push(chunk);
      const buf = acc.view();
      if (start < 0) {
        start = this.#readPreamble(buf);
        if (start < 0) continue;
      }
      const head = parseHead(buf.subarray(start), this.#ctx.limits);
      if (head === null) continue;
      const rest = buf.subarray(start + head.headLength);
      if (rest.byteLength > 0) this.#conn.source.unshift(rest);
      return head;
    }
  }

  /** Where the request starts once the preamble is read, or -1 while more bytes are needed. */
  #readPreamble(buf: Uint8Array): number {
    const peer = this.#conn.peer;
    const pre = readPreamble(buf, this.#ctx.policy, peer.transport === "tcp" ? peer.hostname : "");
    if (pre === null) return -1;
    this.#preambleRead = true;
    if (pre === "plain") return 0;
    this.proxied = pre.client;
    return pre.consumed;
  }
}
