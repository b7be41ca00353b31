/**
 * @module The settings table: one plain object per setting, the single source of parsing,
 * `--help`, docs/settings.md and the `Settings` type.
 */

import { DEFAULT_ACCESS_LOG_FORMAT, LOG_FORMATS, LOG_LEVELS } from "../log.ts";
import { HTTP_ENGINE_NAMES, WORKER_CLASS_NAMES } from "./names.ts";
import type { SettingSpec, SettingValue } from "./spec.ts";

/** Every setting, in display order within its section. */
export const SETTINGS = [
  {
    name: "config",
    section: "Config file",
    flags: ["-c", "--config"],
    type: "nullable string",
    meta: "CONFIG",
    help: "A TypeScript config file whose default export (`defineConfig({...})`) sets settings " +
      "by these names and server hooks. Defaults to `./denocorn.config.ts` when that file exists.",
  },
  {
    name: "app",
    section: "Config file",
    flags: [],
    type: "nullable string",
    meta: "APP_MODULE",
    help: "The application, `MODULE:EXPORT` (e.g. `myapp:app`), given as the positional " +
      "argument or as the config file key `app`.",
  },
  {
    name: "deno_config",
    section: "Config file",
    flags: ["--deno-config"],
    type: "nullable string",
    meta: "PATH",
    help: "The Deno configuration file (`deno.json` or `deno.jsonc`) workers load the app " +
      "with. Defaults to the one Deno finds from the app module's directory upward.",
  },
  {
    name: "bind",
    section: "Server socket",
    flags: ["-b", "--bind"],
    type: "list",
    default: ["127.0.0.1:8000"],
    envDefault: (env: Record<string, string>): string | undefined =>
      env.PORT === undefined ? undefined : `0.0.0.0:${env.PORT}`,
    validate: "bind",
    meta: "ADDRESS",
    help: "A socket to bind: `HOST:PORT`, `[IPv6]:PORT`, `unix:PATH` or `fd://N`; repeat to " +
      "bind several. Defaults to `0.0.0.0:$PORT` when the `PORT` variable is set.",
  },
  {
    name: "backlog",
    section: "Server socket",
    flags: ["--backlog"],
    type: "int",
    default: 2048,
    validate: "positive",
    help: "The maximum number of pending connections.",
  },
  {
    name: "workers",
    section: "Worker processes",
    flags: ["-w", "--workers"],
    type: "int",
    default: 1,
    envDefault: (env: Record<string, string>): string | undefined => env.WEB_CONCURRENCY,
    validate: "positive",
    help: "The number of worker processes. Defaults to `$WEB_CONCURRENCY` when set.",
  },
  {
    name: "worker_class",
    section: "Worker processes",
    flags: ["-k", "--worker-class"],
    type: "string",
    default: "sync",
    choices: WORKER_CLASS_NAMES,
    meta: "STRING",
    help: "The type of worker: `sync` serves one request at a time, `async` many connections.",
  },
  {
    name: "worker_connections",
    section: "Worker processes",
    flags: ["--worker-connections"],
    type: "int",
    default: 1000,
    validate: "positive",
    help: "The maximum number of simultaneous connections of an `async` worker. The rest wait in " +
      "the shared backlog; a full worker sheds the connection idle or silent longest. Lowered at " +
      "boot (with a warning) to leave at least max(64, limit / 8) file descriptors free under " +
      "`ulimit -n` (RLIMIT_NOFILE).",
  },
  {
    name: "http",
    section: "Worker processes",
    flags: ["--http"],
    type: "string",
    default: "auto",
    choices: HTTP_ENGINE_NAMES,
    meta: "ENGINE",
    help: "The HTTP engine of `async` workers: `deno` (Deno's native engine: faster, WebSockets, " +
      "h2c), `strict` (denocorn's parser: strictest framing, `--proxy-protocol`, " +
      "`--limit-request-*`), or `auto`: `deno` when the running Deno offers it and no " +
      "strict-only setting is used.",
  },
  {
    name: "max_requests",
    section: "Worker processes",
    flags: ["--max-requests"],
    type: "int",
    default: 0,
    validate: "count",
    help: "Restart a worker after this many requests; 0 disables restarts.",
  },
  {
    name: "max_requests_jitter",
    section: "Worker processes",
    flags: ["--max-requests-jitter"],
    type: "int",
    default: 0,
    validate: "count",
    help: "Add a random 0..N to `max_requests` per worker, so workers do not restart together.",
  },
  {
    name: "max_worker_memory",
    section: "Worker processes",
    flags: ["--max-worker-memory"],
    type: "int",
    default: null,
    validate: "positive",
    meta: "MIB",
    help: "Replace a worker whose resident memory (RSS) passes this many MiB: its replacement " +
      "boots first, then it is retired gracefully (it drains within `--graceful-timeout`). The " +
      "arbiter reads each worker's RSS from /proc every second (Linux only). Unset: no limit.",
  },
  {
    name: "max_worker_memory_jitter",
    section: "Worker processes",
    flags: ["--max-worker-memory-jitter"],
    type: "int",
    default: 0,
    validate: "count",
    meta: "MIB",
    help: "Add a random 0..N MiB to `max_worker_memory` per worker, so workers that leak alike " +
      "are not replaced together.",
  },
  {
    name: "timeout",
    section: "Worker processes",
    flags: ["-t", "--timeout"],
    type: "float",
    default: 30,
    validate: "seconds",
    help: "Workers silent for more than this many seconds are killed and restarted; 0 disables.",
  },
  {
    name: "graceful_timeout",
    section: "Worker processes",
    flags: ["--graceful-timeout"],
    type: "float",
    default: 30,
    validate: "seconds",
    help: "Seconds a worker gets to finish its requests after a restart or stop signal.",
  },
  {
    name: "keepalive",
    section: "Worker processes",
    flags: ["--keep-alive"],
    type: "float",
    default: 2,
    validate: "seconds",
    help: "Seconds to wait for the next request on a keep-alive connection.",
  },
  {
    name: "header_timeout",
    section: "Worker processes",
    flags: ["--header-timeout"],
    type: "float",
    default: 10,
    validate: "seconds",
    help: "Seconds a client gets to send a whole request head, counted from its first byte (from " +
      "the accept on a new connection); a slower client gets 408 and a close. At most half of " +
      "`--timeout`; 0 leaves only that cap.",
  },
  {
    name: "body_timeout",
    section: "Worker processes",
    flags: ["--body-timeout"],
    type: "float",
    default: 10,
    validate: "seconds",
    help: "Seconds a request body gets from its first read, plus one second for every " +
      "`--body-min-rate` bytes received; a slower upload gets 408 and a close. At most half of " +
      "`--timeout`; 0 leaves only that cap.",
  },
  {
    name: "body_min_rate",
    section: "Worker processes",
    flags: ["--body-min-rate"],
    type: "int",
    default: 500,
    validate: "count",
    help: "Bytes per second that extend `--body-timeout` as a body arrives; 0 makes " +
      "`--body-timeout` a deadline for the whole body.",
  },
  {
    name: "write_timeout",
    section: "Worker processes",
    flags: ["--write-timeout"],
    type: "float",
    default: 10,
    validate: "seconds",
    help: "Seconds a response write may stay blocked on a client that does not read; the " +
      "connection is then closed. At most half of `--timeout`; 0 leaves only that cap.",
  },
  {
    name: "request_timeout",
    section: "Worker processes",
    flags: ["--request-timeout"],
    type: "float",
    default: 0,
    validate: "seconds",
    help: "Seconds an async worker's app gets to start its response; past that the client gets " +
      "504, `request.signal` aborts, the connection closes and the worker serves on. Only an " +
      "app that awaits can be answered: one that holds the event loop is `--timeout`'s job. 0 " +
      "(the default) turns it off; `-k async` only.",
  },
  {
    name: "limit_request_line",
    section: "Security",
    flags: ["--limit-request-line"],
    type: "int",
    default: 4094,
    validate: "request line",
    help: "The maximum size of the HTTP request line in bytes, 0 to 8190 (0 means the maximum).",
  },
  {
    name: "limit_request_fields",
    section: "Security",
    flags: ["--limit-request-fields"],
    type: "int",
    default: 100,
    validate: "request fields",
    help: "The maximum number of header fields in a request, up to 32768.",
  },
  {
    name: "limit_request_field_size",
    section: "Security",
    flags: ["--limit-request-field_size", "--limit-request-field-size"],
    type: "int",
    default: 8190,
    validate: "count",
    help: "The maximum size of one request header field in bytes.",
  },
  {
    name: "certfile",
    section: "SSL",
    flags: ["--certfile"],
    type: "nullable string",
    meta: "FILE",
    help: "Serve HTTPS with this PEM certificate (chain) on every bind; needs `--keyfile` and " +
      "`-k async` (HTTP/2 and HTTP/1.1 by ALPN on Deno's engine, HTTP/1.1 on the strict one; see " +
      "docs/deploy.md). Read at each worker's boot: HUP (or `--reload`) rotates it.",
  },
  {
    name: "keyfile",
    section: "SSL",
    flags: ["--keyfile"],
    type: "nullable string",
    meta: "FILE",
    help: "The PEM private key of `--certfile` (unencrypted).",
  },
  {
    name: "ca_certs",
    section: "SSL",
    flags: ["--ca-certs"],
    type: "nullable string",
    meta: "FILE",
    help: "The PEM CA certificates that issue client certificates, for `--cert-reqs`. Read at " +
      "each worker's boot: HUP rotates it.",
  },
  {
    name: "cert_reqs",
    section: "SSL",
    flags: ["--cert-reqs"],
    type: "string",
    default: "none",
    choices: ["none", "optional", "required"],
    aliases: { "0": "none", "1": "optional", "2": "required" },
    meta: "MODE",
    help: "Client certificates: `none` (0) never asks; `optional` (1) asks, serves a client " +
      "without one and refuses one that `--ca-certs` does not verify; `required` (2) refuses a " +
      "client without a verified one. The app reads it as `info.clientCertificate` " +
      "(docs/http.md, TLS). Needs `--certfile`, `--ca-certs` and the strict engine.",
  },
  {
    name: "reload",
    section: "Debugging",
    flags: ["--reload"],
    type: "bool",
    help: "Restart workers when source files (or the TLS files) change. For development only.",
  },
  {
    name: "reload_extra_files",
    section: "Debugging",
    flags: ["--reload-extra-file"],
    type: "list",
    default: [],
    meta: "FILE",
    help: "Another file to watch with `--reload`; repeatable.",
  },
  {
    name: "check_config",
    section: "Debugging",
    flags: ["--check-config"],
    type: "bool",
    help: "Check the configuration, bind each `--bind` address and close it at once, load the " +
      "app as a worker would, then exit: 0 when all is well, 2 for a bad setting or an address " +
      "that cannot be bound (in use: run it before the server starts, or with other addresses), " +
      "1 when the app does not load. gunicorn's `--check-config` only loads the app.",
  },
  {
    name: "print_config",
    section: "Debugging",
    flags: ["--print-config"],
    type: "bool",
    help: "Print the effective configuration, then exit.",
  },
  {
    name: "chdir",
    section: "Server mechanics",
    flags: ["--chdir"],
    type: "nullable string",
    meta: "DIR",
    help: "Change to this directory before loading the app.",
  },
  {
    name: "daemon",
    section: "Server mechanics",
    flags: ["-D", "--daemon"],
    type: "bool",
    help: "Detach the server from the terminal and run it in the background.",
  },
  {
    name: "raw_env",
    section: "Server mechanics",
    flags: ["-e", "--env"],
    type: "list",
    default: [],
    validate: "key=value",
    meta: "ENV",
    help: "Set an environment variable for the app, `KEY=VALUE`; repeatable.",
  },
  {
    name: "pidfile",
    section: "Server mechanics",
    flags: ["-p", "--pid"],
    type: "nullable string",
    meta: "FILE",
    help: "Write the arbiter's process id to this file.",
  },
  {
    name: "worker_tmp_dir",
    section: "Server mechanics",
    flags: ["--worker-tmp-dir"],
    type: "nullable string",
    meta: "DIR",
    help: "A directory for the workers' heartbeat files; defaults to the system temp directory.",
  },
  {
    name: "user",
    section: "Server mechanics",
    flags: ["-u", "--user"],
    type: "nullable string",
    meta: "USER",
    help: "Switch workers to this user (name or id).",
  },
  {
    name: "group",
    section: "Server mechanics",
    flags: ["-g", "--group"],
    type: "nullable string",
    meta: "GROUP",
    help: "Switch workers to this group (name or id).",
  },
  {
    name: "umask",
    section: "Server mechanics",
    flags: ["-m", "--umask"],
    type: "octal",
    default: null,
    validate: "umask",
    help: "The file mode creation mask of the arbiter and workers (and so of the app's files and " +
      "`unix:` sockets): octal (`0o22`, `022`) or decimal (`18`). Unset, the mask denocorn was " +
      "started with stays (systemd's default is `022`). gunicorn's default is `0`, applied " +
      "only while it binds unix sockets and creates its heartbeat files; denocorn's mask holds " +
      "for the whole process, so `--umask 0` would make files the app creates 0666.",
  },
  {
    name: "forwarded_allow_ips",
    section: "Server mechanics",
    flags: ["--forwarded-allow-ips"],
    type: "list",
    comma: true,
    default: ["127.0.0.1", "::1"],
    envDefault: (env: Record<string, string>): string | undefined => env.FORWARDED_ALLOW_IPS,
    meta: "STRING",
    help: "Comma-separated addresses of front-end proxies trusted to set forwarding headers; " +
      "`*` trusts all. Defaults to `$FORWARDED_ALLOW_IPS` when set.",
  },
  {
    name: "proxy_protocol",
    section: "Server mechanics",
    flags: ["--proxy-protocol"],
    type: "bool",
    help: "Read the PROXY protocol header that a load balancer sends first.",
  },
  {
    name: "proxy_allow_ips",
    section: "Server mechanics",
    flags: ["--proxy-allow-from"],
    type: "list",
    comma: true,
    default: ["127.0.0.1", "::1"],
    meta: "PROXY_ALLOW_FROM",
    help: "Comma-separated addresses allowed to send the PROXY protocol header; `*` allows all.",
  },
  {
    name: "ctl_socket",
    section: "Server mechanics",
    flags: ["--ctl-socket"],
    type: "nullable string",
    meta: "PATH",
    help: "Listen for control commands on this unix socket.",
  },
  {
    name: "errorlog",
    section: "Logging",
    flags: ["--error-logfile", "--log-file"],
    type: "string",
    default: "-",
    meta: "FILE",
    help: "The error log file; `-` means stderr.",
  },
  {
    name: "loglevel",
    section: "Logging",
    flags: ["--log-level"],
    type: "string",
    default: "info",
    choices: LOG_LEVELS,
    meta: "LEVEL",
    help: "The error log level: `debug`, `info`, `warning`, `error` or `critical`.",
  },
  {
    name: "accesslog",
    section: "Logging",
    flags: ["--access-logfile"],
    type: "nullable string",
    meta: "FILE",
    help: "The access log file; `-` means stdout. Unset, no access log is written.",
  },
  {
    name: "access_log_format",
    section: "Logging",
    flags: ["--access-logformat"],
    type: "string",
    default: DEFAULT_ACCESS_LOG_FORMAT,
    meta: "STRING",
    help: "The access log format, with gunicorn's atoms such as `%(h)s` (remote address).",
  },
  {
    name: "log_format",
    section: "Logging",
    flags: ["--log-format"],
    type: "string",
    default: "text",
    choices: LOG_FORMATS,
    meta: "FORMAT",
    help: "`text` (gunicorn's lines) or `json`: every error and access log line one JSON object.",
  },
  {
    name: "statsd_host",
    section: "Logging",
    flags: ["--statsd-host"],
    type: "nullable string",
    validate: "host:port",
    meta: "STATSD_ADDR",
    help: "Send metrics to this StatsD server, `HOST:PORT`.",
  },
  {
    name: "statsd_prefix",
    section: "Logging",
    flags: ["--statsd-prefix"],
    type: "string",
    default: "",
    meta: "STATSD_PREFIX",
    help: "A prefix for the StatsD metric names.",
  },
  {
    name: "metrics_bind",
    section: "Logging",
    flags: ["--metrics-bind"],
    type: "nullable string",
    validate: "metrics bind",
    meta: "ADDRESS",
    help: "Serve `/metrics` (Prometheus), `/healthz` and `/readyz` from the arbiter on this " +
      "`HOST:PORT` or `unix:PATH`, apart from the app's port. Unset, no metrics are kept.",
  },
  {
    name: "metrics_buckets",
    section: "Logging",
    flags: ["--metrics-buckets"],
    type: "string",
    validate: "buckets",
    default: "0.005,0.01,0.025,0.05,0.075,0.1,0.25,0.5,0.75,1,2.5,5,7.5,10",
    meta: "SECONDS",
    help: "The upper bounds of the request duration histogram, in seconds, comma-separated.",
  },
  {
    name: "proc_name",
    section: "Process naming",
    flags: ["-n", "--name"],
    type: "nullable string",
    meta: "STRING",
    help: "A name shown with the pid in every error log line, e.g. `[myapp:2007]`.",
  },
] as const satisfies readonly SettingSpec[];

/** A setting's snake_case name, e.g. `"workers"`. */
export type SettingName = typeof SETTINGS[number]["name"];

/** Setting values by name, as far as one source (defaults, file, command line) gives them. */
export type SettingValues = Partial<Record<SettingName, SettingValue>>;

/**
 * The effective settings: one field per row of {@link SETTINGS}, named by the row's `name` and
 * typed by its `type` (`int`, `float` and `octal` are numbers, or null when that is the default,
 * `list` is `string[]`, `nullable string` is `string | null`, `choices` narrow a string to them). Every field is present. What a
 * field means is its row's `help`, rendered in docs/settings.md and `--help`.
 *
 * Derived, not declared: TypeScript cannot turn a row's help string into a field's doc comment,
 * and declaring the fields again is the drift the table exists to prevent.
 */
export type Settings = {
  [R in typeof SETTINGS[number] as R["name"]]: R extends { type: "int" | "octal"; default: null }
    ? number | null
    : R extends { type: "int" | "float" | "octal" } ? number
    : R extends { type: "bool" } ? boolean
    : R extends { type: "list" } ? string[]
    : R extends { choices: readonly (infer C)[] } ? C
    : R extends { type: "string" } ? string
    : string | null;
};
