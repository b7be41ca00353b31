/** @module The example app: hello world plus paths that exercise streaming, slowness and errors. */

const encoder = new TextEncoder();

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A body that yields `n` lines, a few milliseconds apart, of unknown total length. */
function countdown(n: number): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream({
    async pull(controller) {
      if (i >= n) return controller.close();
      if (i > 0) await sleep(10);
      controller.enqueue(encoder.encode(`chunk ${i++}\n`));
    },
  });
}

/**
 * The fetch handler: `denocorn examples/hello.ts:app`.
 *
 * - `/` answers `Hello, world!`
 * - `POST /echo` streams the request body back as it arrives
 * - `/stream?n=N` streams N lines (default 5)
 * - `/slow?ms=N` answers after N milliseconds (default 1000)
 * - `/error` throws, so the server answers 500 and logs the stack
 */
export async function app(request: Request): Promise<Response> {
  const url = new URL(request.url);
  switch (url.pathname) {
    case "/":
      return new Response("Hello, world!\n", { headers: { "content-type": "text/plain" } });
    case "/echo":
      if (request.method !== "POST") {
        return new Response("POST a body to /echo\n", { status: 405, headers: { allow: "POST" } });
      }
      return new Response(request.body, {
        headers: {
          "content-type": request.headers.get("content-type") ?? "application/octet-stream",
        },
      });
    case "/stream":
      return new Response(countdown(Number(url.searchParams.get("n") ?? 5)), {
        headers: { "content-type": "text/plain" },
      });
    case "/slow": {
      const ms = Number(url.searchParams.get("ms") ?? 1000);
      await sleep(ms);
      return new Response(`Slept ${ms} ms\n`, { headers: { "content-type": "text/plain" } });
    }
    case "/error":
      throw new Error("Example error from /error");
    default:
      return new Response("Not Found\n", {
        status: 404,
        headers: { "content-type": "text/plain" },
      });
  }
}
