/** @module Fixture: a Hono app whose `hono` import is mapped by this project's deno.json. */

import { Hono } from "hono";

/** The app denocorn serves as `main:app`. */
export const app = new Hono()
  .get("/", (c) => c.text("Hello from Hono!"))
  .get("/hello/:name", (c) => c.json({ hello: c.req.param("name") }));
