/** @module Fixture: an app that keeps a counter in Deno KV, which this project's deno.json enables. */

const kv = await Deno.openKv(Deno.env.get("KV_PATH"));

/** `POST /count` adds one, `GET /count` reads the counter: shared by every worker. */
export async function app(request: Request): Promise<Response> {
  const key = ["count"];
  if (request.method === "POST") {
    await kv.atomic().sum(key, 1n).commit();
  }
  const entry = await kv.get<Deno.KvU64>(key);
  return new Response(`count=${entry.value?.value ?? 0n}\n`);
}
