/** @module A test app that answers every request with its method, URL and Content-Type. */

/** The fetch handler: `METHOD URL content-type`. */
export function app(req: Request): Response {
  return new Response(`${req.method} ${req.url} ${req.headers.get("content-type")}`);
}
