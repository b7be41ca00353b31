/** @module A test app whose paths exercise the server: echo, streams, errors, hangs, pid. */

import { fileResponse } from "../../../lib/mod.ts";

const te = new TextEncoder();

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** The fetch handler the integration tests load as `tests/integration/apps/probe.ts:app`. */
export async function app(req: Request, info: Deno.ServeHandlerInfo): Promise<Response> {
  const url = new URL(req.url);
  switch (url.pathname) {
    case "/":
      return new Response("Hello, world!\n");
    case "/pid":
      return new Response(String(Deno.pid));
    case "/echo":
      return new Response(req.body, { headers: { "x-method": req.method } });
    case "/echo-len": {
      const buf = new Uint8Array(await req.arrayBuffer());
      return new Response(String(buf.byteLength));
    }
    case "/info":
      return Response.json({
        url: req.url,
        method: req.method,
        remote: info.remoteAddr,
        headers: Object.fromEntries(req.headers),
      });
    case "/stream": {
      const n = Number(url.searchParams.get("n") ?? 5);
      let i = 0;
      return new Response(
        new ReadableStream({
          async pull(c) {
            if (i >= n) return c.close();
            await sleep(5);
            c.enqueue(te.encode(`chunk ${i++}\n`));
          },
        }),
      );
    }
    case "/slow":
      await sleep(Number(url.searchParams.get("ms") ?? 100));
      return new Response("slow done\n");
    case "/error":
      throw new Error("boom from the probe app");
    case "/reject":
      return Promise.reject(new Error("rejected"));
    case "/not-a-response":
      return 42 as unknown as Response;
    case "/hang":
      for (;;) { /* never yields: the arbiter's timeout must kill this worker */ }
    case "/exit":
      Deno.exit(Number(url.searchParams.get("code") ?? 1));
      break;
    case "/bad-length": {
      // Declares 10 bytes, streams 5 in 3 chunks (more than the server reads ahead): it must
      // log it and close, never leave the client waiting for 5 more bytes.
      const parts = ["sh", "o", "rt"];
      return new Response(
        new ReadableStream({
          pull(c) {
            const p = parts.shift();
            if (p === undefined) c.close();
            else c.enqueue(te.encode(p));
          },
        }),
        { headers: { "content-length": "10" } },
      );
    }
    case "/bad-length-small":
      // Declares 10 bytes, has 5 in hand: the true length goes out, logged, then a close.
      return new Response("short", { headers: { "content-length": "10" } });
    case "/file":
      return await fileResponse(url.searchParams.get("path") ?? "", {
        headers: { "content-type": "application/x-test" },
      });
    case "/cookies": {
      const h = new Headers();
      h.append("set-cookie", "a=1");
      h.append("set-cookie", "b=2");
      return new Response("ok", { headers: h });
    }
  }
  return new Response("not found\n", { status: 404 });
}
