// deno-lint-ignore-file no-console
/**
 * @module Reference peer: one `Deno.serve` process on 127.0.0.1:PORT with `reusePort`, so
 * several of them share the port (each with its own accept queue), answering every request with
 * `connection: close` like a sync worker. Usage: `deno run -A --unstable-net deno_serve_close.ts PORT`.
 * Prints `ready <pid>` once listening; exits on SIGTERM.
 */

const port = Number(Deno.args[0]);
if (!Number.isInteger(port) || port <= 0) {
  console.error("usage: deno run -A --unstable-net bench/apps/deno_serve_close.ts PORT");
  Deno.exit(2);
}

const server = Deno.serve(
  {
    hostname: "127.0.0.1",
    port,
    reusePort: true,
    onListen: () => console.log(`ready ${Deno.pid}`),
  },
  () =>
    new Response("Hello, world!\n", {
      headers: { "content-type": "text/plain;charset=UTF-8", connection: "close" },
    }),
);

Deno.addSignalListener("SIGTERM", () => {
  server.shutdown().finally(() => Deno.exit(0));
});
