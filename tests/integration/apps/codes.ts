/**
 * An app that answers the status its path names (`/200`, `/404`, `/503`, …), for metrics tests.
 * `/hold?f=PATH` prints `holding` and answers only once the file PATH exists (at most 20 s).
 */
export async function app(req: Request): Promise<Response> {
  const url = new URL(req.url);
  if (url.pathname === "/hold") {
    Deno.stderr.writeSync(new TextEncoder().encode("holding\n"));
    const f = url.searchParams.get("f") ?? "";
    for (let i = 0; i < 1000; i++) {
      try {
        Deno.statSync(f);
        break;
      } catch {
        await new Promise((r) => setTimeout(r, 20));
      }
    }
    return new Response("released\n");
  }
  const code = Number(url.pathname.slice(1)) || 200;
  return new Response(code === 204 ? null : `status ${code}\n`, { status: code });
}
