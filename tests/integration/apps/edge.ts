/**
 * @module A test app for the edges of an exchange: big bodies for clients that do not read, an
 * event stream paced by the test, a request that reports its abort, a WebSocket handshake.
 */

const te = new TextEncoder();

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Resolves once `path` exists (the test's go-ahead), or after 10 s. */
async function fileAppears(path: string): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    if (await Deno.stat(path).then(() => true, () => false)) return;
    await sleep(10);
  }
}

/** Two server-sent events; the second only once the test has created the file `go`. */
function events(go: string): Response {
  const body = new ReadableStream<Uint8Array>({
    async start(c) {
      c.enqueue(te.encode("data: one\n\n"));
      await fileAppears(go);
      c.enqueue(te.encode("data: two\n\n"));
      c.close();
    },
  });
  return new Response(body, { headers: { "content-type": "text/event-stream" } });
}

/** Writes "started" to `report`, then "aborted" there once request.signal aborts (10 s at most). */
async function reportAbort(req: Request, report: string): Promise<Response> {
  await Deno.writeTextFile(report, "started");
  const aborted = new Promise<void>((r) => req.signal.addEventListener("abort", () => r()));
  await Promise.race([aborted, sleep(10_000)]);
  await Deno.writeTextFile(report, req.signal.aborted ? "aborted" : "not aborted");
  return new Response("done\n");
}

/** The fetch handler the integration tests load as `tests/integration/apps/edge.ts:app`. */
export async function app(req: Request): Promise<Response> {
  const url = new URL(req.url);
  const q = (name: string) => url.searchParams.get(name) ?? "";
  switch (url.pathname) {
    case "/pid":
      return new Response(String(Deno.pid));
    case "/big":
      return new Response(new Uint8Array(Number(q("mb")) * 1024 * 1024));
    case "/echo-len":
      return new Response(String((await req.arrayBuffer()).byteLength));
    case "/events":
      return events(q("go"));
    case "/abort":
      return await reportAbort(req, q("report"));
    case "/ws":
      return Deno.upgradeWebSocket(req).response;
  }
  return new Response("not found\n", { status: 404 });
}
