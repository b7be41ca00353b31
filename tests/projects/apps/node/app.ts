/** @module Fixture: a Node-style project's app: a package from node_modules, a "#" import. */

import { greet } from "denocorn-fixture-greet";
import { punctuation } from "#settings";

/** The app denocorn serves as `app:app` from this directory. */
export function app(request: Request): Response {
  const name = new URL(request.url).searchParams.get("name") ?? "npm";
  return new Response(greet(name) + punctuation);
}
