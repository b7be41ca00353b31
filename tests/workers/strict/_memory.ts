/** @module An in-memory connection (array source, collecting sink) and exchange context for tests. */

import type { FetchHandler } from "../../../lib/app.ts";
import { AllowList, DEFAULT_LIMITS } from "../../../lib/http/mod.ts";
import { DateCache } from "../../../lib/workers/strict/dates.ts";
import type { ExchangeContext } from "../../../lib/workers/strict/exchange.ts";
import {
  ClientGone,
  ClientTimeout,
  type Connection,
  type Phase,
} from "../../../lib/workers/strict/io.ts";
import type { Timeouts } from "../../../lib/workers/timeouts.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

/** One step of the peer's input: bytes, a deadline that passes, a reset, or the app's turn. */
export type Input = string | Uint8Array | "timeout" | "reset" | Promise<void>;

/** A connection whose input is a list and whose output is collected. */
export class MemoryConnection implements Connection {
  readonly peer: Deno.Addr = { transport: "tcp", hostname: "192.0.2.9", port: 4000 };
  readonly localName = "127.0.0.1:8000";
  readonly input: Input[];
  readonly written: Uint8Array[] = [];
  readonly phases: Phase[] = [];
  /** Deadlines the exchange passed to each read, in order. */
  readonly deadlines: number[] = [];
  /** null until closed; then whether the close lingered. */
  closedWith: boolean | null = null;
  #phase: Phase = "head";
  #onGone: (() => void) | null = null;
  #held: Uint8Array[] = [];

  /** A connection that will read `input` in order, then see the peer's end of stream. */
  constructor(input: Input[]) {
    this.input = [...input];
  }

  readonly source = {
    read: async (deadline: number): Promise<Uint8Array | null> => {
      const held = this.#held.shift();
      if (held !== undefined) return held;
      this.deadlines.push(deadline);
      for (;;) {
        const next = this.input.shift();
        if (next === undefined) return null;
        if (next instanceof Promise) {
          await next;
          continue;
        }
        if (next === "timeout") {
          throw new ClientTimeout(this.#phase === "busy" ? "body" : this.#phase);
        }
        if (next === "reset") throw new ClientGone("Connection reset by peer");
        return typeof next === "string" ? enc.encode(next) : next;
      }
    },
    unshift: (bytes: Uint8Array): void => {
      if (bytes.byteLength > 0) this.#held.unshift(bytes.slice());
    },
  };

  readonly sink = {
    write: (bytes: Uint8Array): void => {
      if (this.closedWith !== null) throw new ClientGone("Write after close");
      this.written.push(bytes.slice());
    },
  };

  phase(p: Phase): void {
    this.#phase = p;
    this.phases.push(p);
  }

  watch(onGone: () => void): () => void {
    this.#onGone = onGone;
    return () => this.#onGone = null;
  }

  /** The peer hangs up while a request is in hand. */
  hangUp(): void {
    this.#onGone?.();
  }

  close(linger: boolean): void {
    this.closedWith = linger;
  }

  /** Everything written, as text. */
  get text(): string {
    return this.written.map((b) => dec.decode(b)).join("");
  }
}

/** What a test may change in the context. */
export interface TestContextInit {
  app: FetchHandler;
  persistent?: boolean;
  alive?: () => boolean;
  /** Requests after which countRequest() says "last". */
  maxRequests?: number;
  timeouts?: Partial<Timeouts>;
  /** `--request-timeout` in ms (default 0: off). */
  requestTimeout?: number;
}

/** An exchange context on a fixed clock (0 ms, 1970-01-01) with default limits. */
export function testContext(init: TestContextInit): ExchangeContext & { requests: number } {
  let requests = 0;
  const ctx = {
    app: init.app,
    limits: { ...DEFAULT_LIMITS },
    policy: { forwarded: new AllowList(["127.0.0.1"]), proxy: null },
    timeouts: {
      head: 10_000,
      body: 10_000,
      bodyRate: 500,
      write: 10_000,
      idle: 2000,
      ...init.timeouts,
    },
    now: () => 0,
    observer: null,
    accessLog: false,
    dates: new DateCache(() => 0),
    persistent: init.persistent ?? true,
    className: "-k test",
    alive: init.alive ?? (() => true),
    countRequest: () => {
      ctx.requests = ++requests;
      return init.maxRequests === undefined || requests < init.maxRequests;
    },
    requestTimeout: init.requestTimeout ?? 0,
    board: null,
    requests: 0,
  };
  return ctx;
}

/** The responses in `text` (none to HEAD): status, lower-cased head, body, split by framing. */
export function responses(text: string): { status: number; head: string; body: string }[] {
  const out = [];
  let rest = text;
  while (rest.length > 0) {
    const end = rest.indexOf("\r\n\r\n");
    if (end < 0) throw new Error(`Incomplete response: ${JSON.stringify(rest)}`);
    const head = rest.slice(0, end + 2).toLowerCase();
    rest = rest.slice(end + 4);
    const status = Number(head.slice(9, 12));
    const length = /\r\ncontent-length: (\d+)\r\n/.exec(head);
    let body = "";
    if (status === 100) {
      body = "";
    } else if (/\r\ntransfer-encoding: chunked\r\n/.test(head)) {
      for (;;) {
        const line = rest.indexOf("\r\n");
        const size = parseInt(rest.slice(0, line), 16);
        rest = rest.slice(line + 2);
        if (size === 0) {
          rest = rest.slice(2);
          break;
        }
        body += rest.slice(0, size);
        rest = rest.slice(size + 2);
      }
    } else if (length !== null && status !== 204 && status !== 304) {
      body = rest.slice(0, Number(length[1]));
      rest = rest.slice(Number(length[1]));
    }
    out.push({ status, head, body });
  }
  return out;
}
