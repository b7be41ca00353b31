/**
 * @module The benchmark app, one fetch handler for every scenario: `/` hello, `/64k` a 64 KiB
 * body, `/echo` echoes a POST, `/sleep` awaits 20 ms, `/slow` awaits 500 ms, `/block`
 * blocks the event loop for 500 ms (`Atomics.wait`), `/fast` hello.
 * denocorn loads it as `bench/apps/app.ts:app`; the Deno.serve and deno serve peers import it.
 */

import { fileResponse } from "../../lib/mod.ts";

const HELLO = "Hello, world!\n";
const FILE = Deno.env.get("BENCH_FILE") ?? "/tmp/denocorn-bench-100m.bin";
const BODY_64K = new Uint8Array(64 * 1024).fill(120);
const TEXT = { "content-type": "text/plain;charset=UTF-8" };

const BLOCKER = new Int32Array(new SharedArrayBuffer(4));

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** The handler. */
export async function app(req: Request): Promise<Response> {
  const path = new URL(req.url).pathname;
  switch (path) {
    case "/file":
      return await fileResponse(FILE);
    case "/file-stream": {
      const file = await Deno.open(FILE);
      const size = (await file.stat()).size;
      return new Response(file.readable, {
        headers: { "content-type": "application/octet-stream", "content-length": String(size) },
      });
    }
    case "/64k":
      return new Response(BODY_64K, { headers: { "content-type": "application/octet-stream" } });
    case "/echo":
      return new Response(await req.arrayBuffer(), {
        headers: { "content-type": "application/octet-stream" },
      });
    case "/sleep":
      await sleep(20);
      return new Response(HELLO, { headers: TEXT });
    case "/slow":
      await sleep(500);
      return new Response(HELLO, { headers: TEXT });
    case "/block":
      // Nothing else runs in this process (or worker) meanwhile: no accepts, no other requests.
      Atomics.wait(BLOCKER, 0, 0, 500);
      return new Response(HELLO, { headers: TEXT });
    default:
      return new Response(HELLO, { headers: TEXT });
  }
}

/** `deno serve` style export, for `deno serve --parallel`. */
export default { fetch: app };
