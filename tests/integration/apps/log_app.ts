/** @module A test app for the log tests: `/boom` throws (an exception line), else 200 `ok`. */

/** The fetch handler; the response carries a hostile `x-out` header for the `{x-out}o` atom. */
export function app(req: Request): Response {
  if (new URL(req.url).pathname === "/boom") throw new TypeError('bad "thing"\n{"level":"X"}');
  return new Response("ok", { headers: { "x-out": 'o"\\{"s":1}\t' } });
}
