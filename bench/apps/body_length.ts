/**
 * @module The fixture-corpus app: answers 200 with the request body's length, reading the body
 * to its end (so a malformed body is found whichever path the request names), or without reading
 * it when `FIXTURE_READ_BODY=0` (head-only fixtures declare bodies they do not carry).
 */

const READ = Deno.env.get("FIXTURE_READ_BODY") !== "0";

/** The handler (`bench/apps/body_length.ts:app`). */
export async function app(req: Request): Promise<Response> {
  if (!READ) return new Response("reached");
  const body = req.body === null ? 0 : (await req.arrayBuffer()).byteLength;
  return new Response(String(body));
}
