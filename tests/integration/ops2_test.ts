/** Config file, hooks, control socket and the remaining signals, against the real server. */

import { assert, assertEquals, assertMatch, assertStringIncludes } from "../_assert.ts";
import * as sys from "../../lib/sys/mod.ts";
import { runCli, startServer } from "./harness.ts";
import { sleep } from "./load.ts";

const APP = "tests/integration/apps/probe.ts:app";

async function get(port: number, path: string): Promise<Response> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  const body = await res.text();
  if (res.status !== 200) throw new Error(`GET ${path} answered ${res.status}: ${body}`);
  return res;
}

Deno.test("denocorn runs every config-file hook in the right process", async () => {
  const log = await Deno.makeTempFile();
  const server = await startServer([APP, "-c", "tests/integration/apps/hooks.config.ts"], {
    env: { HOOK_LOG: log },
  });
  try {
    await server.waitFor(/Booting worker/);
    assertEquals((await get(server.port, "/")).status, 200);
    assertEquals((await get(server.port, "/?hook-throws")).status, 200);
    await server.waitFor(/Exception in pre_request hook/);
    server.signal("SIGTTIN");
    await server.waitFor(/Handling signal: ttin/);
    server.signal("SIGHUP");
    await server.waitFor(/Hang up: Master/);
    await sleep(1500);
  } finally {
    assertEquals((await server.stop()).code, 0);
  }
  const lines = Deno.readTextFileSync(log).trim().split("\n");
  await Deno.remove(log);
  const byName = (n: string) =>
    lines.filter((l) => l.startsWith(`${n} `)).map((l) => Number(l.split(" ").pop()));
  for (const n of ["on_starting", "when_ready", "on_reload", "on_exit"]) {
    assertEquals(byName(n), [server.pid], `${n} runs once, in the arbiter`);
  }
  assert(byName("pre_fork").every((p) => p === server.pid), "pre_fork runs in the arbiter");
  assert(byName("child_exit").every((p) => p === server.pid), "child_exit runs in the arbiter");
  const workers = server.workerPids();
  for (const n of ["post_fork", "post_worker_init", "worker_exit"]) {
    assert(
      byName(n).length >= 1 && byName(n).every((p) => workers.includes(p)),
      `${n} runs in workers: ${lines}`,
    );
  }
  assert(lines.some((l) => l.startsWith("pre_request / ")), "pre_request sees the request");
  assert(lines.some((l) => l.startsWith("post_request 200 ")), "post_request sees the response");
  assert(lines.some((l) => l.startsWith("nworkers_changed 1->2 ")), "TTIN reports the change");
});

Deno.test("denocorn control socket reports workers and scales them", async () => {
  const dir = await Deno.makeTempDir();
  const ctl = `${dir}/ctl.sock`;
  const server = await startServer([APP, "-w", "2", "--ctl-socket", ctl]);
  try {
    await server.waitFor(/Booting worker/);
    await sleep(1500); // workers write their first heartbeat; the arbiter reads it each second
    assertEquals(Deno.statSync(ctl).mode! & 0o777, 0o600);
    const status = await runCli(["ctl", "--ctl-socket", ctl, "status"]);
    assertEquals(status.code, 0, status.stderr);
    assertEquals(JSON.parse(status.stdout).pid, server.pid);
    const workers = await runCli(["ctl", "--ctl-socket", ctl, "workers"]);
    assertMatch(workers.stdout, /^PID\s+AGE\s+UPTIME\s+REQUESTS\s+ACTIVE\s+STATE\n/);
    assertEquals(workers.stdout.trim().split("\n").length, 3);
    assertStringIncludes(workers.stdout, "serving");
    const scale = await runCli(["ctl", "--ctl-socket", ctl, "scale", "3"]);
    assertEquals(scale.stdout.trim(), "scaling to 3");
    await sleep(1500);
    const after = await runCli(["ctl", "--ctl-socket", ctl, "workers"]);
    assertEquals(after.stdout.trim().split("\n").length, 4);
    const bad = await runCli(["ctl", "--ctl-socket", ctl, "explode"]);
    assertEquals(bad.code, 1);
    assertStringIncludes(bad.stderr, 'Unknown command "explode"');
  } finally {
    assertEquals((await server.stop()).code, 0);
  }
  assert(
    !(await Deno.stat(ctl).then(() => true, () => false)),
    "the control socket is removed at exit",
  );
  await Deno.remove(dir, { recursive: true });
});

Deno.test("denocorn WINCH stops all workers and TTIN brings one back", async () => {
  const server = await startServer([APP, "-w", "2"]);
  try {
    await server.waitFor(/Booting worker/);
    await sleep(1000); // let both workers finish booting: a worker still loading its app dies on TERM
    assertEquals((await get(server.port, "/")).status, 200);
    server.signal("SIGWINCH");
    await server.waitFor(/graceful stop of workers/);
    for (
      let i = 0;
      i < 60 && server.lines.filter((l) => l.includes("Worker exiting")).length < 2;
      i++
    ) await sleep(50);
    assertEquals(server.lines.filter((l) => l.includes("Worker exiting")).length, 2);
    server.signal("SIGTTIN");
    await server.waitFor(/Handling signal: ttin/);
    for (let i = 0; i < 60 && server.workerPids().length < 3; i++) await sleep(50);
    assertEquals((await get(server.port, "/")).status, 200);
  } finally {
    assertEquals((await server.stop()).code, 0);
  }
});

Deno.test("denocorn ctl reopen reopens the log files of arbiter and workers", async () => {
  const dir = await Deno.makeTempDir();
  const errorlog = `${dir}/error.log`;
  const server = await startServer([
    APP,
    "--error-logfile",
    errorlog,
    "--access-logfile",
    `${dir}/access.log`,
    "--ctl-socket",
    `${dir}/ctl`,
  ], {
    wait: false,
  });
  try {
    for (
      let i = 0;
      i < 100 && !/Booting worker/.test(await Deno.readTextFile(errorlog).catch(() => ""));
      i++
    ) {
      await sleep(50);
    }
    await sleep(500);
    await Deno.rename(errorlog, `${errorlog}.1`);
    await Deno.rename(`${dir}/access.log`, `${dir}/access.log.1`);
    // Not USR1: it would open Deno's inspector, so denocorn ignores it (docs/signals.md).
    assertEquals((await runCli(["ctl", "--ctl-socket", `${dir}/ctl`, "reopen"])).code, 0);
    await sleep(500);
    server.signal("SIGTTIN"); // logged after the reopen, so it lands in the new file
    for (
      let i = 0;
      i < 100 && !(await Deno.readTextFile(errorlog).catch(() => "")).includes("ttin");
      i++
    ) {
      await sleep(50);
    }
    assertStringIncludes(await Deno.readTextFile(errorlog), "Handling signal: ttin");
    assertStringIncludes(await Deno.readTextFile(`${errorlog}.1`), "Reopening log files");
    const port = Number(
      /Listening at: http:\/\/127\.0\.0\.1:(\d+)/.exec(
        await Deno.readTextFile(`${errorlog}.1`),
      )![1],
    );
    await sleep(300);
    assertEquals((await get(port, "/?after-rotate")).status, 200);
    await sleep(300);
    assertStringIncludes(await Deno.readTextFile(`${dir}/access.log`), "/?after-rotate");
  } finally {
    await server.stop();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("denocorn serves a listening socket it inherits as --bind fd://N", async () => {
  const fd = sys.listenTcp("127.0.0.1", 0, 16);
  const addr = sys.localAddr(fd);
  assert(addr.transport === "tcp");
  try {
    const server = await startServer([APP, "--bind", `fd://${fd}`]);
    try {
      await server.waitFor(/Booting worker/);
      assertEquals(server.port, addr.port);
      assertEquals((await get(addr.port, "/")).status, 200);
    } finally {
      assertEquals((await server.stop()).code, 0);
    }
  } finally {
    sys.close(fd);
  }
});

Deno.test("denocorn --check-config and --print-config read the config file", async () => {
  const config = "tests/integration/apps/hooks.config.ts";
  const ok = await runCli(["--check-config", "-b", "127.0.0.1:0", "-c", config, APP]);
  assertEquals(ok.code, 0, ok.stderr);
  const bad = await runCli([
    "--check-config",
    "-b",
    "127.0.0.1:0",
    "tests/integration/apps/missing.ts:app",
  ]);
  assertEquals(bad.code, 1);
  assertStringIncludes(bad.stderr, "missing");
  const printed = await runCli([
    "--print-config",
    "-c",
    "tests/integration/apps/hooks.config.ts",
    "-w",
    "3",
    APP,
  ], {
    env: { DENOCORN_CMD_ARGS: "--workers 2 --timeout 7" },
  });
  assertEquals(printed.code, 0, printed.stderr);
  assertMatch(printed.stdout, /^workers\s*=\s*3$/m);
  assertMatch(printed.stdout, /^timeout\s*=\s*7$/m);
});

Deno.test("denocorn sends gunicorn's StatsD metrics to --statsd-host", async () => {
  const { default: dgram } = await import("node:dgram");
  const udp = dgram.createSocket("udp4");
  const lines: string[] = [];
  udp.on("message", (m) => lines.push(...m.toString().split("\n")));
  await new Promise<void>((r) => udp.bind(0, "127.0.0.1", () => r()));
  const server = await startServer([
    APP,
    "--statsd-host",
    `127.0.0.1:${udp.address().port}`,
    "--statsd-prefix",
    "app",
  ]);
  try {
    await server.waitFor(/Booting worker/);
    await get(server.port, "/");
    for (let i = 0; i < 60 && !lines.includes("app.gunicorn.request.status.200:1|c"); i++) {
      await sleep(50);
    }
    for (let i = 0; i < 60 && !lines.includes("app.gunicorn.workers:1|g"); i++) await sleep(50);
    assert(lines.includes("app.gunicorn.requests:1|c"), lines.join(" "));
    assert(lines.includes("app.gunicorn.request.status.200:1|c"), lines.join(" "));
    assert(
      lines.some((l) => /^app\.gunicorn\.request\.duration:\d+\|ms$/.test(l)),
      lines.join(" "),
    );
    assert(lines.includes("app.gunicorn.workers:1|g"), lines.join(" "));
  } finally {
    await server.stop();
    udp.close();
  }
});

Deno.test("denocorn --reload restarts workers when the app's code changes", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dir}/app.ts`, 'export default () => new Response("v1");\n');
  const server = await startServer([`${dir}/app.ts`, "--reload"]);
  try {
    await server.waitFor(/Booting worker/);
    await sleep(500);
    assertEquals(await (await fetch(`${server.url}/`)).text(), "v1");
    await Deno.writeTextFile(`${dir}/app.ts`, 'export default () => new Response("v2");\n');
    await server.waitFor(/Reloading: .*app\.ts modified/);
    let body = "";
    for (let i = 0; i < 100 && body !== "v2"; i++) {
      body = await (await fetch(`${server.url}/`)).text();
      if (body !== "v2") await sleep(50);
    }
    assertEquals(body, "v2");
  } finally {
    assertEquals((await server.stop()).code, 0);
    await Deno.remove(dir, { recursive: true });
  }
});
