/**
 * @module The peer table: every server the benchmark compares and how to start it on a port.
 * Each family runs the same paths (bench/apps/app.ts and its WSGI, ASGI and Node twins); nginx answers
 * a fixed 200 as the ceiling.
 */

import {
  ManagedProcess,
  type Peer,
  READY_TIMEOUT_MS,
  type Requirement,
  type StartContext,
  startServer,
  waitHttp,
} from "./peers.ts";

const DENO: Requirement = {
  bin: Deno.execPath(),
  versionArgs: ["--version"],
  install: "https://docs.deno.com/runtime/getting_started/installation/",
};
const GUNICORN: Requirement = {
  bin: "gunicorn",
  versionArgs: ["--version"],
  install: "apt-get install -y gunicorn   (or: pip install gunicorn)",
};
/** Debian's python3-uvicorn has no `uvicorn` script: it runs as a module of the system Python. */
const UVICORN: Requirement = {
  bin: "/usr/bin/python3",
  versionArgs: ["-c", "import uvicorn, uvloop, httptools; print('uvicorn', uvicorn.__version__)"],
  expect: /^uvicorn \d/,
  install: "apt-get install -y python3-uvicorn python3-uvloop python3-httptools",
};
const NODE: Requirement = {
  bin: "node",
  versionArgs: ["--version"],
  install: "apt-get install -y nodejs",
};
const NGINX: Requirement = {
  bin: "nginx",
  versionArgs: ["-v"],
  install: "apt-get install -y nginx",
};

/** The placeholders filled: `{port}`, `{workers}`, and with `tls` `{certfile}`, `{keyfile}`. */
function fill(template: string, ctx: Pick<StartContext, "port" | "workers" | "tls">): string {
  const filled = template.replaceAll("{port}", String(ctx.port)).replaceAll(
    "{workers}",
    String(ctx.workers),
  );
  return ctx.tls === undefined
    ? filled
    : filled.replaceAll("{certfile}", ctx.tls.certFile).replaceAll("{keyfile}", ctx.tls.keyFile);
}

/** The arguments of a documented command line (a trailing `   (note)` is not part of it). */
function argv(command: string): string[] {
  return command.split("   (")[0]!.split(" ").filter((a) => a !== "").slice(1);
}

/**
 * The arguments a peer runs with: its command line without the program, and when the context has
 * `tls`, its `https` flags after them. Throws for `tls` on a peer without `https`.
 */
export function commandArgs(
  command: string,
  https: string | undefined,
  ctx: Pick<StartContext, "port" | "workers" | "tls">,
): string[] {
  const args = argv(fill(command, ctx));
  if (ctx.tls === undefined) return args;
  if (https === undefined) throw new Error(`no HTTPS for: ${command}`);
  return [...args, ...argv(`_ ${fill(https, ctx)}`)];
}

/** A peer that is one command line (its own arbiter or primary) waited on over HTTP. */
function single(
  name: string,
  label: string,
  family: Peer["family"],
  requires: Requirement[],
  bin: string,
  command: string,
  https?: string,
): Peer {
  return {
    name,
    label,
    family,
    requires,
    command,
    ...(https === undefined ? {} : { https }),
    start: (ctx) =>
      startServer(
        () => [
          new ManagedProcess(label, bin, commandArgs(command, https, ctx), {
            cwd: ctx.root,
            env: { NO_COLOR: "1", DENO_JOBS: String(ctx.workers) },
          }),
        ],
        (procs) => waitHttp(ctx.port, procs, ctx.signal, ctx.tls),
      ),
  };
}

/** The HTTPS flags of denocorn and gunicorn. */
const CERTFILE = "--certfile {certfile} --keyfile {keyfile}";

/**
 * A denocorn peer: `-k sync`, or `-k async` on one HTTP engine (`--http deno|strict`); the async
 * ones serve HTTPS with `--certfile/--keyfile` (Deno's TLS listener on `deno`, node:tls on
 * `strict`), the sync worker refuses them.
 */
function denocorn(workerClass: "sync" | "async", http?: "deno" | "strict"): Peer {
  const engine = http === undefined ? "" : ` --http ${http}`;
  const suffix = http === undefined || http === "deno" ? "" : `-${http}`;
  return single(
    `denocorn-${workerClass}${suffix}`,
    `denocorn ${workerClass}${http === undefined ? "" : `/${http}`}`,
    "denocorn",
    [DENO],
    Deno.execPath(),
    `deno run -A main.ts bench/apps/app.ts:app --bind 127.0.0.1:{port} --workers {workers} ` +
      `--worker-class ${workerClass}${engine} --log-level warning`,
    workerClass === "async" ? CERTFILE : undefined,
  );
}

function gunicorn(workerClass: string, extra = ""): Peer {
  return single(
    `gunicorn-${workerClass}`,
    `gunicorn ${workerClass}`,
    "wsgi",
    [GUNICORN],
    "gunicorn",
    `gunicorn -w {workers} -k ${workerClass}${extra} -b 127.0.0.1:{port} --log-level warning ` +
      `--chdir bench/apps app_wsgi:app`,
    CERTFILE,
  );
}

/**
 * N independent `Deno.serve` processes on one port with `reusePort` (Linux), over HTTPS
 * `Deno.serve({ cert, key, reusePort })`; both need `--unstable-net` in Deno 2.9 (without it
 * `Deno.listen`/`Deno.listenTls` refuse `reusePort`).
 */
const DENO_SERVE = "deno run -A --unstable-net bench/apps/deno_serve.ts {port}";
const DENO_SERVE_TLS = "--cert {certfile} --key {keyfile}";
const denoServeReusePort: Peer = {
  name: "deno-reuseport",
  label: "Deno.serve reusePort",
  family: "deno",
  requires: [DENO],
  command: `{workers} x ${DENO_SERVE}   (reusePort)`,
  https: DENO_SERVE_TLS,
  start: (ctx) =>
    startServer(
      () =>
        Array.from(
          { length: ctx.workers },
          (_, i) =>
            new ManagedProcess(
              `Deno.serve #${i + 1}`,
              Deno.execPath(),
              commandArgs(DENO_SERVE, DENO_SERVE_TLS, ctx),
              { cwd: ctx.root, env: { NO_COLOR: "1" } },
            ),
        ),
      async (procs) => {
        // Every process must be listening, or the first would take all the connections.
        await Promise.all(
          procs.map((p) => p.waitForOutput(/^ready /m, READY_TIMEOUT_MS, ctx.signal)),
        );
        await waitHttp(ctx.port, procs, ctx.signal, ctx.tls);
      },
    ),
};

/**
 * nginx's configuration: `workers` processes answering a fixed 200 on 127.0.0.1:`port`, over
 * HTTPS (`listen ... ssl`, HTTP/1.1, TLS 1.2 or 1.3) with `tls`; `dir` holds its pid, logs and
 * temp paths.
 */
export function nginxConf(
  dir: string,
  ctx: Pick<StartContext, "port" | "workers" | "tls">,
): string {
  const listen = ctx.tls === undefined
    ? `    listen 127.0.0.1:${ctx.port};\n`
    : `    listen 127.0.0.1:${ctx.port} ssl;\n    ssl_certificate ${ctx.tls.certFile};\n` +
      // Debian's nginx 1.22 offers TLS 1.2 at most unless told; the other peers speak 1.3.
      `    ssl_certificate_key ${ctx.tls.keyFile};\n    ssl_protocols TLSv1.2 TLSv1.3;\n`;
  return `worker_processes ${ctx.workers};\npid ${dir}/nginx.pid;\nerror_log ${dir}/logs/error.log;\n` +
    `events { worker_connections 4096; }\nhttp {\n  access_log off;\n  keepalive_requests 1000000;\n` +
    `  client_body_temp_path ${dir};\n  proxy_temp_path ${dir};\n  fastcgi_temp_path ${dir};\n` +
    `  uwsgi_temp_path ${dir};\n  scgi_temp_path ${dir};\n` +
    `  server {\n${listen}    location / {\n` +
    `      default_type text/plain;\n      return 200 "Hello, world!\\n";\n    }\n  }\n}\n`;
}

/** nginx answering a fixed 200 from 2 worker processes: the ceiling of the loopback setup. */
const nginx: Peer = {
  name: "nginx",
  label: "nginx (fixed 200)",
  family: "nginx",
  requires: [NGINX],
  command: "nginx -p TMP -c nginx.conf -g 'daemon off;'   (worker_processes {workers}; return 200)",
  https: "listen 127.0.0.1:{port} ssl; ssl_certificate {certfile}; " +
    "ssl_certificate_key {keyfile}; ssl_protocols TLSv1.2 TLSv1.3",
  start: async (ctx) => {
    const dir = Deno.makeTempDirSync({ prefix: "denocorn-bench-nginx-" });
    // Its config, pid file and logs go once it has stopped (a failed start included).
    const removeDir = () => Deno.remove(dir, { recursive: true }).catch(() => {});
    try {
      Deno.mkdirSync(`${dir}/logs`);
      Deno.writeTextFileSync(`${dir}/nginx.conf`, nginxConf(dir, ctx));
      const server = await startServer(
        () => [
          new ManagedProcess("nginx", "nginx", [
            "-p",
            dir,
            "-c",
            `${dir}/nginx.conf`,
            "-g",
            "daemon off;",
          ], {
            cwd: ctx.root,
          }),
        ],
        (procs) => waitHttp(ctx.port, procs, ctx.signal, ctx.tls),
      );
      return { pids: server.pids, stop: () => server.stop().then(removeDir) };
    } catch (e) {
      await removeDir();
      throw e;
    }
  },
};

/** Every peer, in report order. */
export const PEERS: readonly Peer[] = [
  denocorn("sync"),
  denocorn("async", "deno"),
  denocorn("async", "strict"),
  gunicorn("sync"),
  gunicorn("gthread", " --threads 4"),
  single(
    "deno-serve-parallel",
    "deno serve --parallel",
    "serve",
    [DENO],
    Deno.execPath(),
    "deno serve --parallel -A --host 127.0.0.1 --port {port} bench/apps/app.ts   (DENO_JOBS={workers})",
  ),
  denoServeReusePort,
  single(
    "uvicorn",
    "uvicorn (uvloop, httptools)",
    "asgi",
    [UVICORN],
    "/usr/bin/python3",
    "python3 -m uvicorn --workers {workers} --host 127.0.0.1 --port {port} --loop uvloop " +
      "--http httptools --log-level warning --no-access-log --app-dir bench/apps app_asgi:app",
  ),
  single(
    "node-cluster",
    "Node cluster",
    "node",
    [NODE],
    "node",
    "node bench/apps/node_cluster.mjs {port} {workers}",
  ),
  nginx,
];

/** The peer every other one is compared with in the first column. */
export const BASELINE = "gunicorn-sync";

/**
 * Checks a peer's requirements. Returns null when all are there, else a line saying what is
 * missing and how to install it.
 */
export async function missingRequirement(peer: Peer): Promise<string | null> {
  for (const r of peer.requires) {
    const version = await versionOf(r);
    if (version === null || (r.expect !== undefined && !r.expect.test(version))) {
      return `${peer.name}: skipped, \`${r.bin}\` not found; install it with: ${r.install}`;
    }
  }
  return null;
}

/** First line of `bin versionArgs` (stdout or stderr), or null if the program is missing. */
export async function versionOf(r: { bin: string; versionArgs: string[] }): Promise<string | null> {
  try {
    const out = await new Deno.Command(r.bin, {
      args: r.versionArgs,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
    return text.trim().split("\n")[0]?.trim() ?? "";
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null;
    throw e;
  }
}
