// deno-lint-ignore-file no-console
/**
 * @module Reference peer: one `Deno.serve` process on 127.0.0.1:PORT with `reusePort`, so several
 * share the port (each with its own accept queue), serving bench/apps/app.ts. Usage:
 * `deno run -A --unstable-net deno_serve.ts PORT`. Prints `ready <pid>`; exits on SIGTERM.
 */

import { app } from "./app.ts";

const port = Number(Deno.args[0]);
if (!Number.isInteger(port) || port <= 0) {
  console.error("usage: deno run -A --unstable-net bench/apps/deno_serve.ts PORT");
  Deno.exit(2);
}
const server = Deno.serve(
  {
    hostname: "127.0.0.1",
    port,
    reusePort: true,
    onListen: () => console.log(`ready ${Deno.pid}`),
  },
  app,
);
Deno.addSignalListener("SIGTERM", () => {
  server.shutdown().finally(() => Deno.exit(0));
});
