/**
 * @module A test app that leaks, for --max-worker-memory: every request to `/pid` (the path the
 * load clients of tests/integration/load.ts send) keeps 1 MiB, written so that it is resident,
 * until the worker exits; it answers after 40 ms of simulated work, which bounds how fast a few
 * clients make it grow. `/echo-len` answers the length of the body, `/` answers without keeping
 * anything. With `FAIL_BOOT_IF=PATH` (lifecycle.ts's), a worker that starts while PATH exists
 * exits with status 1 before it boots (a replacement that cannot start).
 */

import "./lifecycle.ts";

const MIB = 2 ** 20;
const DELAY_MS = 40;
const kept: Uint8Array[] = [];

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** The fetch handler the integration tests load as `tests/integration/apps/leaky.ts:app`. */
export async function app(req: Request): Promise<Response> {
  const path = new URL(req.url).pathname;
  if (path === "/echo-len") {
    return new Response(String((await req.arrayBuffer()).byteLength));
  }
  if (path !== "/pid") return new Response("ok\n");
  kept.push(new Uint8Array(MIB).fill(kept.length % 255 + 1));
  await sleep(DELAY_MS);
  return new Response(String(Deno.pid));
}
