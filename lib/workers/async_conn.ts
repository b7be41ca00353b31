/** @module One keep-alive connection of the async worker: pipelined requests answered in order. */

import type { Socket } from "node:net";
import type { FetchHandler } from "../app.ts";
import {
  type DateCache,
  errorResponse,
  HttpParseError,
  type Limits,
  parseHead,
  type RequestHead,
} from "../http/mod.ts";
import { log } from "../log.ts";
import { bodyError, concat, RequestBody } from "./body.ts";
import { buildRequest } from "./exchange.ts";
import { type ClientPolicy, readPreamble, requestOrigin } from "./client.ts";
import { logAccess, planBody, type RequestObserver, runApp, writeResponse } from "./respond.ts";
import { SocketReader } from "./socket_reader.ts";

/** What every connection of one async worker shares. */
export interface AsyncContext {
  app: FetchHandler;
  limits: Limits;
  dates: DateCache;
  /** Idle seconds allowed between requests on a kept-alive connection. */
  keepalive: number;
  /** Seconds allowed to receive a whole request head once it has started. */
  headTimeout: number;
  accessLog: boolean;
  /** False once the worker stops: answer the request in hand with `Connection: close`. */
  alive: () => boolean;
  /** Counts a finished request; false when the worker reached max-requests. */
  countRequest: () => boolean;
  observer: RequestObserver | null;
  policy: ClientPolicy;
}

const CONTINUE = new TextEncoder().encode("HTTP/1.1 100 Continue\r\n\r\n");
const DISCARD_LIMIT = 1024 * 1024;

/** A served connection, tracked so a stopping worker can close the idle ones. */
export class AsyncConnection {
  #ctx: AsyncContext;
  #sock: Socket;
  #reader: SocketReader;
  /** True while waiting for the next request (no request in hand). */
  idle = true;
  /** Requests answered on this connection. */
  #served = 0;
  /** Set once the PROXY preamble (or its absence) has been read. */
  #preambleRead = false;
  #proxied: { address: string; port: number } | null = null;
  /** Set once a response head went out for the request in hand. */
  #responded = false;
  /** Resolves when the connection is closed. */
  readonly closed: Promise<void>;

  #peer: Deno.Addr;
  #localHost: string;

  /** Wraps an accepted socket from `peer`, accepted on the listener named `localHost`. */
  constructor(ctx: AsyncContext, sock: Socket, peer: Deno.Addr, localHost: string) {
    this.#ctx = ctx;
    this.#sock = sock;
    this.#peer = peer;
    this.#localHost = localHost;
    sock.setNoDelay(true);
    this.#reader = new SocketReader(sock);
    this.closed = new Promise((resolve) => sock.once("close", () => resolve()));
  }

  /** When the current wait for request bytes times out (Infinity while not waiting). */
  #deadline = Infinity;
  #expired = false;

  /** Closes the connection if it has waited for request bytes past its deadline. */
  expire(now: number): void {
    if (now <= this.#deadline) return;
    this.#expired = true;
    this.#sock.destroy();
  }

  /** Closes the connection when it is between requests (graceful stop). */
  closeIfIdle(): void {
    // A connection that has not had its first request yet is owed one: it was accepted.
    if (this.idle && this.#served > 0 && !this.#reader.hasData) this.#sock.destroy();
  }

  #write = (bytes: Uint8Array): void | Promise<void> => {
    if (this.#sock.destroyed) throw new Error("Client closed the connection");
    if (this.#sock.write(bytes)) return;
    return new Promise((resolve, reject) => {
      const done = (err?: Error) => {
        this.#sock.off("drain", onDrain);
        this.#sock.off("close", onClose);
        err ? reject(err) : resolve();
      };
      const onDrain = () => done();
      const onClose = () => done(new Error("Client closed the connection"));
      this.#sock.on("drain", onDrain);
      this.#sock.on("close", onClose);
    });
  };

  /** Serves requests until the peer or the server closes the connection. */
  async serve(): Promise<void> {
    try {
      for (;;) {
        const got = await this.#readHead();
        if (got === null) break;
        this.idle = false;
        this.#responded = false;
        const keep = await this.#exchange(got.head);
        this.idle = true;
        this.#served++;
        if (!keep) break;
      }
      this.#sock.end();
    } catch (e) {
      this.#fail(e);
    }
  }

  /** Reads with a deadline enforced by the worker's sweep; null at end of stream or expiry. */
  async #timedRead(timeoutMs: number): Promise<Uint8Array | null> {
    this.#deadline = performance.now() + Math.max(1, timeoutMs);
    try {
      return await this.#reader.read();
    } finally {
      this.#deadline = Infinity;
    }
  }

  /** The request body's byte source: the reader, with the head timeout on each read. */
  #bodySource = {
    read: () => this.#timedRead(this.#ctx.headTimeout * 1000),
    unshift: (bytes: Uint8Array) => this.#reader.unshift(bytes),
  };

  async #readHead(): Promise<{ head: RequestHead } | null> {
    let buf: Uint8Array | null = null;
    for (;;) {
      // The worker's sweep (expire()) closes the socket when this wait outlives its deadline:
      // one interval per worker instead of a timer per request.
      const timeout = buf === null ? this.#ctx.keepalive * 1000 : this.#ctx.headTimeout * 1000;
      const chunk = await this.#timedRead(timeout);
      if (chunk === null || this.#expired) return null;
      buf = buf === null ? chunk : concat([buf, chunk]);
      if (!this.#preambleRead) {
        const pre = readPreamble(
          buf,
          this.#ctx.policy,
          this.#peer.transport === "tcp" ? this.#peer.hostname : "",
        );
        if (pre === null) continue;
        this.#preambleRead = true;
        if (pre !== "plain") {
          this.#proxied = pre.client;
          buf = buf.subarray(pre.consumed);
        }
      }
      const head = parseHead(buf, this.#ctx.limits);
      if (head !== null) {
        this.#reader.unshift(buf.subarray(head.headLength));
        return { head };
      }
      if (!this.#ctx.alive()) return null;
    }
  }

  async #exchange(head: RequestHead): Promise<boolean> {
    const started = performance.now();
    let done!: () => void;
    const completed = new Promise<void>((r) => done = r);
    const body = new RequestBody(
      this.#bodySource,
      head.framing,
      head.expectContinue && head.version === "1.1" ? () => this.#write(CONTINUE) : null,
    );
    const origin = requestOrigin(
      head,
      this.#peer,
      this.#proxied,
      this.#ctx.policy,
      this.#localHost,
    );
    const request = buildRequest(origin.url, head, body);
    if (typeof request === "number") {
      await this.#write(errorResponse(request));
      return false;
    }
    const info: Deno.ServeHandlerInfo = { remoteAddr: origin.remoteAddr, completed };
    try {
      await this.#ctx.observer?.before(request);
      const res = await runApp(this.#ctx.app, request, info);
      const plan = await planBody(res);
      const want = head.keepAlive && this.#ctx.alive();
      const ctx = {
        method: head.method,
        version: head.version,
        keepAlive: want,
        date: this.#ctx.dates.now(),
      };
      const written = await writeResponse(
        {
          write: (b) => {
            this.#responded = true;
            return this.#write(b);
          },
        },
        ctx,
        res,
        plan,
      );
      let keep = written.keepAlive;
      if (!body.done) keep = keep && !body.broken && await body.discard(DISCARD_LIMIT);
      await this.#ctx.observer?.after(request, res, performance.now() - started);
      if (this.#ctx.accessLog) {
        logAccess(head, origin.remoteAddr, request, res, written.bytes, started);
      }
      return this.#ctx.countRequest() && keep;
    } finally {
      done();
    }
  }

  #fail(e: unknown): void {
    const bad = bodyError(e);
    if (bad !== null) {
      log.debug(`Request body failed: ${bad.message}`);
      if (!this.#responded && !this.#sock.destroyed) {
        this.#sock.end(errorResponse(bad.status, bad.message));
      } else this.#sock.destroy();
      return;
    }
    if (e instanceof HttpParseError) {
      log.debug(`Invalid request: ${e.message}`);
      if (!this.#sock.destroyed) this.#sock.end(errorResponse(e.status, e.message));
      return;
    }
    const msg = (e as Error)?.message ?? String(e);
    if (/closed|ECONNRESET|EPIPE|reset/i.test(msg)) log.debug(`Ignoring client error: ${msg}`);
    else log.error("Error processing request", e);
    this.#sock.destroy();
  }
}
