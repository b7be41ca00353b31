/** @module A test app that runs out of V8 heap on `/grow` (start it with a small --max-old-space-size). */

const hog: number[][] = [];

/** The fetch handler the supervision tests load as `tests/arbiter/apps/hog.ts:app`. */
export function app(req: Request): Response {
  if (new URL(req.url).pathname === "/grow") {
    for (;;) hog.push(new Array(100_000).fill(Math.random()));
  }
  return new Response(String(Deno.pid));
}
