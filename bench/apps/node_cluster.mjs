// deno-lint-ignore-file no-console
// Reference peer: Node's cluster module with node:http, N workers on one port (the primary
// distributes connections round-robin). Usage: node node_cluster.mjs PORT WORKERS
import cluster from "node:cluster";
import http from "node:http";

const port = Number(process.argv[2]);
const workers = Number(process.argv[3] ?? 2);
const HELLO = "Hello, world!\n";
const BODY_64K = Buffer.alloc(64 * 1024, 120);

if (cluster.isPrimary) {
  for (let i = 0; i < workers; i++) cluster.fork();
  let ready = 0;
  cluster.on("listening", () => {
    if (++ready === workers) console.log(`ready ${process.pid}`);
  });
  process.on("SIGTERM", () => {
    for (const w of Object.values(cluster.workers)) w.kill("SIGTERM");
    process.exit(0);
  });
} else {
  http.createServer((req, res) => {
    const done = (body, type = "text/plain;charset=UTF-8") => {
      res.writeHead(200, { "content-type": type, "content-length": body.length });
      res.end(body);
    };
    if (req.url === "/64k") return done(BODY_64K, "application/octet-stream");
    if (req.url === "/echo") {
      const chunks = [];
      req.on("data", (c) => chunks.push(c));
      req.on("end", () => done(Buffer.concat(chunks), "application/octet-stream"));
      return;
    }
    if (req.url === "/sleep") return void setTimeout(() => done(HELLO), 20);
    if (req.url === "/slow") return void setTimeout(() => done(HELLO), 500);
    if (req.url === "/block") {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 500);
      return done(HELLO);
    }
    done(HELLO);
  }).listen(port, "127.0.0.1");
}
