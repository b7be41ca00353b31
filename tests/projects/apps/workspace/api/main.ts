/** @module Fixture: a workspace member's app that imports a sibling member by its package name. */

import { greeting } from "@fixture/shared";

/** The app denocorn serves as `main:app` from this member's directory. */
export function app(request: Request): Response {
  return new Response(greeting(new URL(request.url).searchParams.get("name") ?? "world"));
}
