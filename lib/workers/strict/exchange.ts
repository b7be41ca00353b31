/**
 * @module The HTTP exchange every worker class on denocorn's parser shares: read heads off a
 * {@linkcode Connection}, call the app, write the responses, decide keep-alive, sort failures by
 * their type. It never touches a socket or a clock of its own: the class's adapter does the I/O.
 */

import { errorResponse, HttpParseError, type RequestHead } from "../../http/mod.ts";
import { fileBodyOf } from "../../file_response.ts";
import { log } from "../../log.ts";
import { RequestBody } from "./body.ts";
import { bodyError } from "../answers.ts";
import { type RequestContext, RequestCycle } from "../request.ts";
import { requestOrigin } from "../client.ts";
import type { DateCache } from "./dates.ts";
import { type HeadContext, HeadReader } from "./head.ts";
import { type ByteSink, ClientGone, ClientTimeout, type Connection } from "./io.ts";
import { planBody, writeFileResponse, writeResponse, type Written } from "./respond.ts";
import { bodyDeadline } from "../timeouts.ts";

/** What every exchange of one worker shares. */
export interface ExchangeContext extends HeadContext, RequestContext {
  dates: DateCache;
  /** The worker class as log lines name it, e.g. `-k sync`. */
  className: string;
}

/** The interim response to `Expect: 100-continue`, sent when the app starts reading the body. */
export const CONTINUE: Uint8Array = new TextEncoder().encode("HTTP/1.1 100 Continue\r\n\r\n");
/** Unread request body bytes a kept-alive connection reads past; a longer body closes it. */
export const DISCARD_LIMIT = 1024 * 1024;

/** What the connection loop learns from each exchange. */
interface ConnState {
  /** A response head went out for the request in hand (an error page would corrupt it). */
  responded: boolean;
  /** The peer may still be sending (an unread body, a rejected request): close lingering. */
  linger: boolean;
}

/** Serves one connection: requests in turn while both sides keep it, then closes it. */
export async function serveConnection(ctx: ExchangeContext, conn: Connection): Promise<void> {
  const heads = new HeadReader(ctx, conn);
  const state: ConnState = { responded: false, linger: false };
  try {
    for (let first = true;; first = false) {
      // Reset before the head is read: a bad next head on a kept-alive connection gets its answer.
      state.responded = false;
      const head = await heads.next(first);
      if (head === null) break;
      if (!await exchange(ctx, conn, heads, head, state)) break;
    }
  } catch (e) {
    const { status, message, linger } = triage(e);
    state.linger = linger;
    if (status !== null && !state.responded) {
      const date = ctx.dates.now();
      await writeQuietly(conn.sink, errorResponse(status, message ? { date, message } : { date }));
    }
  } finally {
    await conn.close(state.linger);
  }
}

/** Builds the fetch Request, or returns the status to answer when Deno refuses the method. */
export function buildRequest(
  url: string,
  head: RequestHead,
  body: RequestBody,
  signal: AbortSignal,
): Request | number {
  const hasBody = !body.done && head.method !== "GET" && head.method !== "HEAD";
  try {
    return new Request(url, {
      method: head.method,
      headers: head.headers,
      signal,
      body: hasBody ? body.stream() : null,
      ...(hasBody ? { duplex: "half" } : {}),
    } as RequestInit);
  } catch (e) {
    log.debug(`Rejected request ${head.method} ${head.target}: ${(e as Error).message}`);
    return head.method === "TRACE" || head.method === "TRACK" ? 405 : 400;
  }
}

function requestBody(ctx: ExchangeContext, conn: Connection, head: RequestHead): RequestBody {
  let start = -1;
  return new RequestBody(conn.source, head.framing, {
    onFirstRead: head.expectContinue && head.version === "1.1"
      ? () => conn.sink.write(CONTINUE)
      : null,
    deadline: (bytes) => {
      if (start < 0) start = ctx.now();
      return bodyDeadline(ctx.timeouts, start, bytes);
    },
  });
}

/** One request and its response; true when the connection carries on. */
async function exchange(
  ctx: ExchangeContext,
  conn: Connection,
  heads: HeadReader,
  head: RequestHead,
  state: ConnState,
): Promise<boolean> {
  conn.phase("busy");
  const body = requestBody(ctx, conn, head);
  const origin = requestOrigin(
    head,
    conn.peer,
    heads.proxied,
    ctx.policy,
    conn.localName,
    conn.scheme,
  );
  const abort = new AbortController();
  const request = buildRequest(origin.url, head, body, abort.signal);
  if (typeof request === "number") {
    state.responded = true;
    state.linger = true;
    await conn.sink.write(errorResponse(request, { date: ctx.dates.now() }));
    return false;
  }
  let done!: () => void;
  const completed = new Promise<void>((r) => done = r);
  const { remoteAddr } = origin;
  // TLS adds the client certificate; plain connections skip the spread.
  const info: Deno.ServeHandlerInfo = conn.handlerInfo === undefined
    ? { remoteAddr, completed }
    : { ...conn.handlerInfo, remoteAddr, completed };
  const unwatch = conn.watch(() => abort.abort());
  let finished = false;
  const cycle = new RequestCycle(ctx, head, conn.peer);
  try {
    const res = refuseUpgrade(
      ctx,
      head,
      await cycle.call(request, info, { abort: () => abort.abort() }),
    );
    if (body.failure?.cause instanceof ClientGone) throw body.failure; // nobody left to answer
    const written = await respond(ctx, conn, { head, body, res, cycle }, state);
    let keep = written.keepAlive;
    if (!body.done) keep = keep && await body.discard(DISCARD_LIMIT);
    state.linger = !body.done && !body.broken;
    await cycle.finish(request, res, origin, written.bytes);
    finished = true;
    return keep;
  } finally {
    unwatch();
    cycle.end();
    if (!finished) abort.abort(); // the connection is torn down under the app
    done();
  }
}

/** A request with its app's response, about to be written. */
interface Answer {
  head: RequestHead;
  body: RequestBody;
  res: Response;
  cycle: RequestCycle;
}

/** Writes the app's response with the keep-alive decision made before its head goes out. */
async function respond(
  ctx: ExchangeContext,
  conn: Connection,
  { head, body, res, cycle }: Answer,
  state: ConnState,
): Promise<Written> {
  // A client still waiting for 100 Continue may send its body any time: the answer closes.
  const keepAlive = cycle.keepAlive(head.keepAlive && !body.broken && !body.continuePending);
  const rctx = {
    method: head.method,
    version: head.version,
    keepAlive,
    keepAliveTimeout: ctx.timeouts.idle / 1000,
    date: ctx.dates.now(),
  };
  const sink: ByteSink = {
    write: (b) => {
      state.responded = true;
      return conn.sink.write(b);
    },
  };
  const writev = conn.sink.writev?.bind(conn.sink);
  if (writev !== undefined) {
    sink.writev = (parts) => {
      state.responded = true;
      return writev(parts);
    };
  }
  const file = conn.sendFile === undefined ? null : fileBodyOf(res);
  if (file !== null) {
    return await writeFileResponse(sink, conn.sendFile!.bind(conn), rctx, res, file);
  }
  return await writeResponse(sink, rctx, res, await planBody(res));
}

/**
 * A WebSocket handshake the app accepted (101) cannot be carried out on denocorn's own engine:
 * refuse it with 501 Not Implemented (the server lacks the feature; 426 would wrongly tell the
 * client to upgrade, which it just asked to do) and say where WebSockets work.
 */
function refuseUpgrade(ctx: ExchangeContext, head: RequestHead, res: Response): Response {
  if (res.status !== 101) return res;
  log.error(
    `Cannot switch protocols for ${head.method} ${head.target}: ${ctx.className} runs ` +
      "denocorn's own HTTP engine, which has no WebSocket support; serve WebSockets with " +
      "-k async on Deno's HTTP engine. Answered 501",
  );
  return new Response("WebSocket upgrades are not supported by this server's worker class\n", {
    status: 501,
    headers: { "content-type": "text/plain; charset=utf-8" },
  });
}

/** How a failed exchange ends: the status to answer (when nothing went out yet), and the close. */
export interface Outcome {
  status: number | null;
  message?: string;
  linger: boolean;
}

/** Sorts a failure by its type (never by its message): what to log, answer and how to close. */
export function triage(e: unknown): Outcome {
  const bad = bodyError(e);
  if (bad !== null) {
    log.debug(`Request body failed: ${bad.message}`);
    return { status: bad.cause instanceof ClientGone ? null : bad.status, linger: false };
  }
  if (e instanceof HttpParseError) {
    log.debug(`Invalid request: ${e.message}`);
    return { status: e.status, message: e.message, linger: true };
  }
  if (e instanceof ClientTimeout) {
    log.debug(`Closing a slow client: ${e.message}`);
    return { status: e.phase === "head" ? 408 : null, linger: false };
  }
  if (e instanceof ClientGone) {
    log.debug(`Client went away: ${e.message}`);
    return { status: null, linger: false };
  }
  log.error("Error processing request", e);
  return { status: 500, linger: true };
}

async function writeQuietly(sink: ByteSink, bytes: Uint8Array): Promise<void> {
  try {
    await sink.write(bytes);
  } catch { /* the client is gone or too slow: nothing more to tell it */ }
}
