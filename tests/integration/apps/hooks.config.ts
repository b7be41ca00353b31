/** A config file whose hooks append their names (and process roles) to $HOOK_LOG. */

import { defineConfig } from "../../../lib/config/mod.ts";

function note(name: string): void {
  const path = Deno.env.get("HOOK_LOG");
  if (path !== undefined) Deno.writeTextFileSync(path, `${name} ${Deno.pid}\n`, { append: true });
}

export default defineConfig({
  workers: 1,
  max_requests: 0,
  on_starting: () => note("on_starting"),
  on_reload: () => note("on_reload"),
  when_ready: () => note("when_ready"),
  pre_fork: () => note("pre_fork"),
  post_fork: () => note("post_fork"),
  post_worker_init: () => note("post_worker_init"),
  worker_int: () => note("worker_int"),
  worker_abort: () => note("worker_abort"),
  pre_exec: () => note("pre_exec"),
  pre_request: (_worker: unknown, req: Request) => {
    note(`pre_request ${new URL(req.url).pathname}`);
    if (new URL(req.url).search === "?hook-throws") throw new Error("hook failure on purpose");
  },
  post_request: (_worker: unknown, _req: Request, res: Response) =>
    note(`post_request ${res.status}`),
  child_exit: () => note("child_exit"),
  worker_exit: () => note("worker_exit"),
  nworkers_changed: (_server: unknown, n: number, old: number) =>
    note(`nworkers_changed ${old}->${n}`),
  on_exit: () => note("on_exit"),
});
