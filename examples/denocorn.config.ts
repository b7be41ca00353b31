/**
 * @module An example `denocorn.config.ts`, shown whole in README.md: settings by their snake_case
 * names (docs/settings.md) and server hooks, all typed by `defineConfig`. Serve the example app
 * with it: `deno run -A main.ts -c examples/denocorn.config.ts examples/hello.ts:app`.
 */

import { defineConfig } from "../lib/mod.ts"; // in your project: wherever denocorn's lib/mod.ts is

/** When each request started, for post_request (a WeakMap: nothing outlives its request). */
const started = new WeakMap<Request, number>();

export default defineConfig({
  bind: ["127.0.0.1:8000"],
  workers: 2,
  worker_class: "async",
  accesslog: "-",

  // Arbiter hooks get the arbiter: pid, cfg (the settings), num_workers, log.
  when_ready: (arbiter) => {
    arbiter.log.info(`Server is ready: ${arbiter.num_workers} worker(s), ${arbiter.cfg.bind}`);
  },
  nworkers_changed: (arbiter, count, old) => arbiter.log.info(`Workers: ${old} -> ${count}`),
  child_exit: (arbiter, worker) => {
    arbiter.log.info(`Worker ${worker.pid} exited after ${worker.requests} request(s)`);
  },

  // Worker hooks get the worker: pid, age, ppid, requests, cfg, log.
  post_fork: (worker) => worker.log.info(`Worker ${worker.age} spawned (pid: ${worker.pid})`),
  worker_exit: (worker) =>
    worker.log.info(`Worker ${worker.pid} served ${worker.requests} request(s)`),

  // Request hooks get the worker, the Request and, after the response, the Response.
  pre_request: (_worker, request) => void started.set(request, performance.now()),
  post_request: (worker, request, response) => {
    const ms = Math.round(performance.now() - (started.get(request) ?? performance.now()));
    if (response.status >= 500 || ms > 1000) {
      const path = new URL(request.url).pathname;
      worker.log.warning(`${request.method} ${path} answered ${response.status} in ${ms} ms`);
    }
  },
});
