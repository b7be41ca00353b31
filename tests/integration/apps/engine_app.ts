/** @module A test app for Deno's engine: WebSockets (Deno's and Hono's), signals, event streams. */

import { Hono } from "npm:hono@4";
import { upgradeWebSocket } from "npm:hono@4/deno";

const te = new TextEncoder();
let aborted = 0;
let watching = 0;
/** Resolves the pending event stream's second event (GET /sse-next). */
let nextEvent: (() => void) | null = null;

function echoSocket(socket: WebSocket): void {
  socket.binaryType = "arraybuffer";
  socket.onmessage = (e) => {
    if (e.data === "close") socket.close(4000, "asked to");
    else socket.send(e.data);
  };
}

const hono = new Hono();
hono.get(
  "/hono/ws",
  upgradeWebSocket(() => ({
    onMessage(e, ws) {
      if (e.data === "close") ws.close(4000, "asked to");
      else ws.send(e.data as string);
    },
  })),
);

/** An event stream: the first event at once, the second only after GET /sse-next. */
function events(): Response {
  let step = 0;
  const body = new ReadableStream<Uint8Array>({
    async pull(c) {
      if (step === 0) c.enqueue(te.encode("data: first\n\n"));
      else if (step === 1) {
        await new Promise<void>((r) => nextEvent = r);
        c.enqueue(te.encode("data: second\n\n"));
      } else c.close();
      step++;
    },
  });
  return new Response(body, { headers: { "content-type": "text/event-stream" } });
}

/** Holds the request until the client goes away, then counts the abort. */
function watch(req: Request): Promise<Response> {
  watching++;
  return new Promise((resolve) => {
    req.signal.addEventListener("abort", () => {
      aborted++;
      resolve(new Response("gone\n"));
    });
  });
}

/** The handler loaded as `tests/integration/apps/engine_app.ts:app`. */
export function app(req: Request, info: Deno.ServeHandlerInfo): Response | Promise<Response> {
  const url = new URL(req.url);
  switch (url.pathname) {
    case "/":
      return new Response("Hello, world!\n");
    case "/pid":
      return new Response(String(Deno.pid));
    case "/ws": {
      const { socket, response } = Deno.upgradeWebSocket(req);
      echoSocket(socket);
      return response;
    }
    case "/watch":
      return watch(req);
    case "/watching":
      return new Response(`${watching} ${aborted}`);
    case "/sse":
      return events();
    case "/sse-next":
      nextEvent?.();
      return new Response(nextEvent === null ? "none\n" : "sent\n");
    case "/big":
      return new Response(new Uint8Array(Number(url.searchParams.get("n") ?? 1 << 20)));
    case "/echo":
      return new Response(req.body);
    case "/info":
      return Response.json({ url: req.url, remote: info.remoteAddr });
    case "/slow":
      return new Promise((r) => setTimeout(() => r(new Response("slow done\n")), 300));
  }
  return hono.fetch(req, info);
}
