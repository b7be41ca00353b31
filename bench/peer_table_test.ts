/** @module Tests of how the peers are started over HTTP and HTTPS (argument lists, nginx.conf). */

import { deepStrictEqual, strictEqual, throws } from "node:assert/strict";
import { commandArgs, nginxConf, PEERS } from "./peer_table.ts";

const TLS = { certFile: "/t/c.crt", keyFile: "/t/c.key", certPem: "" };
const CTX = { port: 8443, workers: 2 };

Deno.test("commandArgs() adds a peer's HTTPS flags only when the run has a certificate", () => {
  const cmd = "deno run -A main.ts app.ts:app --bind 127.0.0.1:{port} --workers {workers}" +
    "   (a note)";
  const https = "--certfile {certfile} --keyfile {keyfile}";
  deepStrictEqual(commandArgs(cmd, https, CTX), [
    "run",
    "-A",
    "main.ts",
    "app.ts:app",
    "--bind",
    "127.0.0.1:8443",
    "--workers",
    "2",
  ]);
  deepStrictEqual(commandArgs(cmd, https, { ...CTX, tls: TLS }).slice(-4), [
    "--certfile",
    "/t/c.crt",
    "--keyfile",
    "/t/c.key",
  ]);
  throws(() => commandArgs(cmd, undefined, { ...CTX, tls: TLS }), /no HTTPS/);
});

Deno.test("the peers that serve HTTPS say how; denocorn sync refuses a certificate", () => {
  const https = new Map(PEERS.map((p) => [p.name, p.https]));
  strictEqual(https.get("denocorn-sync"), undefined);
  strictEqual(https.get("denocorn-async"), "--certfile {certfile} --keyfile {keyfile}");
  strictEqual(https.get("denocorn-async-strict"), "--certfile {certfile} --keyfile {keyfile}");
  strictEqual(https.get("gunicorn-sync"), "--certfile {certfile} --keyfile {keyfile}");
  strictEqual(https.get("deno-reuseport"), "--cert {certfile} --key {keyfile}");
  strictEqual(https.get("nginx")?.includes("ssl_protocols TLSv1.2 TLSv1.3"), true);
});

Deno.test("nginxConf() listens with ssl and the run's certificate only over HTTPS", () => {
  const plain = nginxConf("/d", CTX);
  strictEqual(plain.includes("    listen 127.0.0.1:8443;\n"), true);
  strictEqual(plain.includes("ssl"), false);
  strictEqual(plain.includes("worker_processes 2;"), true);
  const tls = nginxConf("/d", { ...CTX, tls: TLS });
  strictEqual(tls.includes("    listen 127.0.0.1:8443 ssl;\n"), true);
  strictEqual(tls.includes("    ssl_certificate /t/c.crt;\n"), true);
  strictEqual(tls.includes("    ssl_certificate_key /t/c.key;\n"), true);
  strictEqual(tls.includes("    ssl_protocols TLSv1.2 TLSv1.3;\n"), true);
  strictEqual(tls.includes('return 200 "Hello, world!\\n";'), true);
});
