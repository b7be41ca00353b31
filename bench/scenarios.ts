/**
 * @module The scenario table: what wrk asks for, and which app each family of peers runs for
 * it. A peer whose family has no app in a scenario is left out of that scenario.
 */

import type { AppFamily } from "./peers.ts";

export interface Scenario {
  /** CLI name (`--scenario`). */
  name: string;
  /** One line for the report. */
  description: string;
  /** Request path. */
  path: string;
  /** Extra request headers, `Name: value`. */
  headers: readonly string[];
  /** wrk threads and connections. */
  threads: number;
  connections: number;
  /** The app per family: a denocorn `module:attr`, a gunicorn `module:attr` (cwd bench/apps), a
   * Deno script path. */
  apps: Partial<Record<AppFamily, string>>;
  /** A goal the report checks: median req/s of `peer` ≥ `ratio` × that of `against`. */
  target?: { peer: string; against: string; ratio: number };
}

export const SCENARIOS: readonly Scenario[] = [
  {
    name: "hello-close",
    description:
      "GET / → 200 `Hello, world!`, a new connection per request (client sends `Connection: close`)",
    path: "/",
    headers: ["Connection: close"],
    threads: 2,
    connections: 32,
    apps: {
      denocorn: "bench/apps/hello.ts:app",
      wsgi: "hello_wsgi:app",
      deno: "bench/apps/deno_serve_close.ts",
    },
    target: { peer: "denocorn-sync", against: "gunicorn-sync", ratio: 2.5 },
  },
];
