// deno-lint-ignore-file no-console
/**
 * @module Reference peer: one `Deno.serve` process on 127.0.0.1:PORT with `reusePort`, so several
 * share the port (each with its own accept queue), serving bench/apps/app.ts; with `--cert` and
 * `--key` (PEM files) it serves HTTPS, `Deno.serve({ cert, key, reusePort })`. Usage:
 * `deno run -A --unstable-net deno_serve.ts PORT [--cert FILE --key FILE]` (Deno 2.9 refuses
 * `reusePort` without `--unstable-net`, over TLS too). Prints `ready <pid>`; exits on SIGTERM.
 */

import { parseArgs } from "node:util";
import { app } from "./app.ts";

const USAGE = "usage: deno run -A --unstable-net bench/apps/deno_serve.ts PORT [--cert F --key F]";
const { values, positionals } = parseArgs({
  args: Deno.args,
  options: { cert: { type: "string" }, key: { type: "string" } },
  allowPositionals: true,
});
const port = Number(positionals[0]);
if (
  positionals.length !== 1 || !Number.isInteger(port) || port <= 0 ||
  (values.cert === undefined) !== (values.key === undefined)
) {
  console.error(USAGE);
  Deno.exit(2);
}
const tls = values.cert === undefined || values.key === undefined
  ? {}
  : { cert: Deno.readTextFileSync(values.cert), key: Deno.readTextFileSync(values.key) };
const server = Deno.serve(
  {
    hostname: "127.0.0.1",
    port,
    reusePort: true,
    ...tls,
    onListen: () => console.log(`ready ${Deno.pid}`),
  },
  app,
);
Deno.addSignalListener("SIGTERM", () => {
  server.shutdown().finally(() => Deno.exit(0));
});
