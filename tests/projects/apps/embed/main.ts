/**
 * @module Fixture: a project's own server program that embeds denocorn with serve(). Run as
 * `deno run -A main.ts GREETING`; `BIND` sets the address. Workers run this program again.
 */

import { serve } from "@denocorn/denocorn";

const greeting = Deno.args[0] ?? "Hello";
const role = Deno.env.get("DENOCORN_ROLE") ?? "arbiter";

const app = {
  /** Answers with the program's argument, and which process answered. */
  fetch(request: Request): Response {
    const path = new URL(request.url).pathname;
    return Response.json({ greeting, path, pid: Deno.pid, role });
  },
};

Deno.exit(await serve({ app, workers: 2, bind: [Deno.env.get("BIND") ?? "127.0.0.1:8000"] }));
