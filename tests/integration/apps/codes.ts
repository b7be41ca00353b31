/** An app that answers the status its path names (`/200`, `/404`, `/503`, …), for metrics tests. */
export function app(req: Request): Response {
  const code = Number(new URL(req.url).pathname.slice(1)) || 200;
  return new Response(code === 204 ? null : `status ${code}\n`, { status: code });
}
