/**
 * @module One request from the moment it reaches the app to its access record, the same for every
 * worker class and HTTP engine: it is counted (max-requests), the hooks and statsd run around it,
 * the app is called (a throw becomes a logged 500, a failed request body its 4xx), the keep-alive
 * decision is made, and the access record is written on one clock. Engines only frame bytes.
 */

import type { FetchHandler } from "../app.ts";
import { access, accessLogEnabled, log } from "../log.ts";
import { bodyError, checked, failed, gatewayTimeout } from "./answers.ts";
import type { Settings } from "../config/mod.ts";
import type { InFlightBoard } from "../inflight.ts";
import type { WorkerMetrics } from "../metrics/worker.ts";

/** Runs around each request: the pre_request / post_request hooks and request metrics. */
export interface RequestObserver {
  before(request: Request): Promise<void>;
  after(request: Request, response: Response, durationMs: number): Promise<void>;
}

/** What every request of one worker shares, whatever its engine. */
export interface RequestContext {
  app: FetchHandler;
  observer: RequestObserver | null;
  accessLog: boolean;
  /** Whether a connection may carry more than one request (`--keep-alive` above 0). */
  persistent: boolean;
  /** False once the worker is stopping: every response then closes its connection. */
  alive: () => boolean;
  /** Counts a request as it reaches the app; false when it is the worker's last (max-requests). */
  countRequest: () => boolean;
  /** Milliseconds the app gets to start its response (`--request-timeout`); 0: no limit. */
  requestTimeout: number;
  /** Where requests in flight are recorded for the arbiter (lib/inflight.ts), if anywhere. */
  board: InFlightBoard | null;
  /** The worker's metrics (--metrics-bind), if on. */
  metrics?: WorkerMetrics | null;
}

/** What {@link requestContext} reads of a worker (a `WorkerBase` fits). */
export interface RequestSource {
  readonly app: FetchHandler;
  readonly observer: RequestObserver | null;
  readonly settings: Settings;
  readonly alive: boolean;
  readonly board: InFlightBoard | null;
  readonly metrics: WorkerMetrics | null;
  countRequest(): boolean;
}

/**
 * The request context of worker `w`, for an engine whose connections may carry more than one
 * request when `persistent` (and `--keep-alive` is above 0). A setting every request reads, with
 * either engine, is read here.
 */
export function requestContext(w: RequestSource, persistent: boolean): RequestContext {
  return {
    app: w.app,
    observer: w.observer,
    accessLog: accessLogEnabled(),
    persistent: persistent && w.settings.keepalive > 0,
    alive: () => w.alive,
    countRequest: () => w.countRequest(),
    requestTimeout: w.settings.request_timeout * 1000,
    board: w.board,
    metrics: w.metrics,
  };
}

/** The request line as the access log gives it. */
export interface RequestLine {
  method: string;
  /** The request target as the client sent it (origin-form: path and query). */
  target: string;
  /** `1.0` or `1.1`. */
  version: string;
}

/**
 * The status a failed app call is answered with, given what the engine knows about the request
 * body (null: the body did not fail, so the app did: 500).
 */
export type BodyStatus = (error: unknown) => number | null;

const ownBodyStatus: BodyStatus = (e) => bodyError(e)?.status ?? null;

/** How an engine has {@link RequestCycle.call} treat its request. */
export interface CallOptions {
  /** The status a failure that the request body caused gets (default: a BodyEndedError's). */
  bodyStatus?: BodyStatus;
  /** Aborts the app's `request.signal` (when `--request-timeout` answers for it). */
  abort?: () => void;
}

/** One request of any engine, from the app call to its access record. */
export class RequestCycle {
  /** When the request reached the app (ms, performance.now()): the access log's duration. */
  readonly started: number = performance.now();
  /** True when this is the worker's last request (max-requests): its response closes. */
  readonly last: boolean;
  readonly #ctx: RequestContext;
  readonly #line: RequestLine | null;
  #timedOut = false;
  /** The board slot (-1: counted, not recorded), null when not on the board. */
  #slot: number | null = null;

  /**
   * Counts a request from `peer` that has reached the app of a worker with `ctx`, and records it
   * as in flight; `line` is its request line (null only when neither the access log nor the
   * in-flight board needs one).
   */
  constructor(ctx: RequestContext, line: RequestLine | null, peer: Deno.Addr) {
    this.#ctx = ctx;
    this.#line = line;
    this.last = !ctx.countRequest();
    if (ctx.board !== null && line !== null) {
      const client = peer.transport === "tcp" ? peer.hostname : "unix";
      this.#slot = ctx.board.begin(line.method, line.target, client);
    }
  }

  /** The request is no longer in flight (its response is sent, or it failed); idempotent. */
  end(): void {
    if (this.#slot === null) return;
    this.#ctx.board?.end(this.#slot);
    this.#slot = null;
  }

  /**
   * Whether the connection may carry another request after this one: the worker allows it (keep-
   * alive on, not stopping, not its last request) and so does the engine (`engineAllows`: the
   * client asked for it, the request body was read whole, …).
   */
  keepAlive(engineAllows = true): boolean {
    const ctx = this.#ctx;
    return engineAllows && ctx.persistent && !this.last && !this.#timedOut && ctx.alive();
  }

  /**
   * Runs pre_request, then the app. A throw, a rejection or a non-Response becomes a logged 500;
   * a failure `options.bodyStatus` blames on the request body its 4xx. Without hooks, a Response
   * the app returns synchronously is returned synchronously (Deno's engine answers it on its fast
   * path). With `--request-timeout`, an app that has not answered in time gets its request
   * aborted and the client a 504 (its late response is discarded).
   */
  call(
    request: Request,
    info: Deno.ServeHandlerInfo,
    options: CallOptions = {},
  ): Response | Promise<Response> {
    const observer = this.#ctx.observer;
    const bodyStatus = options.bodyStatus ?? ownBodyStatus;
    const res = observer === null
      ? this.#callApp(request, info, bodyStatus)
      : observer.before(request).then(() => this.#callApp(request, info, bodyStatus));
    if (res instanceof Response || this.#ctx.requestTimeout <= 0) return res;
    return this.#timed(res, request, options.abort);
  }

  /** `res`, or a 504 once `--request-timeout` passes first. */
  #timed(res: Promise<Response>, request: Request, abort?: () => void): Promise<Response> {
    const ms = this.#ctx.requestTimeout;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#timedOut = true;
        log.warning(
          `Request timed out after ${ms / 1000} s (--request-timeout): ${request.method} ` +
            `${request.url}: answered 504`,
        );
        abort?.();
        resolve(gatewayTimeout());
      }, ms);
      res.then((r) => {
        clearTimeout(timer);
        if (!this.#timedOut) return resolve(r);
        r.body?.cancel().catch(() => {}); // too late: nobody will read it
      });
    });
  }

  #callApp(
    request: Request,
    info: Deno.ServeHandlerInfo,
    bodyStatus: BodyStatus,
  ): Response | Promise<Response> {
    let res: unknown;
    try {
      res = this.#ctx.app(request, info);
    } catch (e) {
      return failed(request, e, bodyStatus);
    }
    if (res instanceof Response) return res;
    return Promise.resolve(res).then(
      (r) => checked(request, r),
      (e) => failed(request, e, bodyStatus),
    );
  }

  /**
   * The response went out (or the client left): post_request and statsd, then the access record
   * with `bytes` of body sent, timed on the same clock as {@link started}. `client.remoteAddr` is
   * read only for the access log (it may read the request's headers).
   */
  async finish(
    request: Request,
    res: Response,
    client: { readonly remoteAddr: Deno.Addr },
    bytes: number,
  ): Promise<void> {
    this.end();
    const ms = performance.now() - this.started;
    const ctx = this.#ctx;
    if (ctx.metrics) {
      const method = this.#line?.method ?? request.method;
      // By Content-Length (a chunked body is not counted); GET and HEAD skip the header lookup.
      const length = method === "GET" || method === "HEAD"
        ? 0
        : Number(request.headers.get("content-length")) || 0;
      ctx.metrics.request(method, res.status, ms / 1000, length, bytes);
    }
    if (ctx.observer !== null) {
      await ctx.observer.after(request, res, ms).catch((e) => {
        log.error("Exception in post_request", e);
      });
    }
    const line = this.#line;
    if (!ctx.accessLog || line === null) return;
    const remote = client.remoteAddr;
    access({
      remoteAddr: remote.transport === "tcp" ? remote.hostname : "",
      method: line.method,
      target: line.target,
      version: `HTTP/${line.version}`,
      status: res.status,
      bytes,
      durationMs: ms,
      requestHeaders: request.headers,
      responseHeaders: res.headers,
      date: new Date(),
      pid: Deno.pid,
    });
  }
}
