/**
 * Issue 9 items 6, 8, 9 and 10: USR1 opens no inspector, workers do not outlive a killed arbiter,
 * the control socket is never reachable by others, and the pidfile never follows a symlink.
 */

import { assert, assertEquals, assertStringIncludes, assertThrows } from "../_assert.ts";
import { checkCtlPath, CtlPathError, startCtlServer } from "../../lib/arbiter/ctl.ts";
import { ctlCommand, type CtlTarget } from "../../lib/arbiter/commands.ts";
import { loadSettings } from "../../lib/config/mod.ts";
import * as sys from "../../lib/sys/mod.ts";
import { alive, REPO_ROOT, startServer } from "./harness.ts";
import { sleep } from "./load.ts";

const APP = "tests/integration/apps/probe.ts:app";

function kill(pid: number): void {
  try {
    Deno.kill(pid, "SIGKILL");
  } catch { /* gone */ }
}

/** True when any process on this machine has a socket listening on 127.0.0.1:`port`. */
function portListening(port: number): boolean {
  const local = `0100007F:${port.toString(16).toUpperCase().padStart(4, "0")}`;
  return Deno.readTextFileSync("/proc/net/tcp").split("\n").some((line) => {
    const f = line.trim().split(/\s+/);
    return f[1] === local && f[3] === "0A";
  });
}

/** Local ports of the TCP sockets in state `st` (0A = LISTEN, 01 = ESTABLISHED) that `pids` hold. */
function localPorts(pids: number[], st = "0A"): number[] {
  const inodes = new Set<string>();
  for (const pid of pids) {
    for (const e of Deno.readDirSync(`/proc/${pid}/fd`)) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(Deno.readLinkSync(`/proc/${pid}/fd/${e.name}`));
        if (m !== null) inodes.add(m[1]!);
      } catch { /* closed meanwhile */ }
    }
  }
  const ports = new Set<number>();
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    for (const line of Deno.readTextFileSync(table).split("\n").slice(1)) {
      const f = line.trim().split(/\s+/);
      // local_address is HEX_IP:HEX_PORT, then rem_address, st; the inode is the 10th field.
      if (f.length > 9 && f[3] === st && inodes.has(f[9]!)) {
        ports.add(parseInt(f[1]!.split(":")[1]!, 16));
      }
    }
  }
  return [...ports].sort((a, b) => a - b);
}

async function bootedWorkers(server: { port: number; workerPids(): number[] }, n: number) {
  for (let i = 0; i < 200 && server.workerPids().length < n; i++) await sleep(50);
  // Every worker has loaded the app once each of a few requests was answered.
  for (let i = 0; i < 4 * n; i++) {
    await (await fetch(`http://127.0.0.1:${server.port}/`)).text();
  }
  return server.workerPids();
}

Deno.test("denocorn ignores USR1: no process of the server listens on a port it was not told to bind", async () => {
  const server = await startServer([APP, "-w", "2"]);
  try {
    const pids = [server.pid, ...await bootedWorkers(server, 2)];
    // Deno arms its SIGUSR1 → inspector listener 500 ms after a process starts.
    await sleep(1000);
    for (const pid of pids) Deno.kill(pid, "SIGUSR1");
    await sleep(500);
    for (let i = 0; i < 4; i++) await (await fetch(`${server.url}/`)).text();
    assertEquals(localPorts(pids), [server.port]);
    assertEquals(pids.filter(alive), pids, "USR1 killed no process");
    assertEquals(pids.filter((p) => !sigIgnored(p, 10)), [], "every process ignores SIGUSR1");
    assertEquals(server.lines.filter((l) => l.includes("Debugger listening")), []);
  } finally {
    await server.stop();
  }
});

function sigIgnored(pid: number, signo: number): boolean {
  const m = /^SigIgn:\s*([0-9a-f]+)$/m.exec(Deno.readTextFileSync(`/proc/${pid}/status`));
  return m !== null && ((BigInt(`0x${m[1]}`) >> BigInt(signo - 1)) & 1n) === 1n;
}

/**
 * A free port below the ephemeral range (32768+), so that no outgoing connection of another
 * process on this machine takes it over while the test expects to bind it again.
 */
function freeFixedPort(): number {
  for (;;) {
    const port = 20000 + Math.floor(Math.random() * 12000);
    try {
      Deno.listen({ hostname: "127.0.0.1", port }).close();
      return port;
    } catch { /* taken: try another */ }
  }
}

Deno.test("denocorn workers finish the request in hand and exit when the arbiter is SIGKILLed", async () => {
  const server = await startServer([APP, "-w", "2", "--bind", `127.0.0.1:${freeFixedPort()}`]);
  const workers = await bootedWorkers(server, 2).catch(async (e) => {
    await server.stop();
    throw e;
  });
  try {
    const slow = fetch(`${server.url}/slow?ms=1500`).then(async (r) => [r.status, await r.text()]);
    // The request is in a worker's hands once a worker holds a connected socket on the port.
    while (!localPorts(workers, "01").includes(server.port)) await sleep(20);
    server.signal("SIGKILL");
    await server.exited;
    assertEquals(await slow, [200, "slow done\n"]);
    // A process's last thread may close its files after the main thread is already a zombie:
    // wait for the listening socket itself to go.
    const held = () => workers.some(alive) || portListening(server.port);
    for (let i = 0; i < 200 && held(); i++) await sleep(50);
    assertEquals(workers.filter(alive), [], "both workers exited");
    assertEquals(portListening(server.port), false, "no process listens on the port");
    const again = Deno.listen({ hostname: "127.0.0.1", port: server.port });
    again.close();
  } finally {
    workers.forEach(kill);
    await server.status;
  }
});

Deno.test("denocorn worker logs Parent changed and stops when its arbiter is not its parent", async () => {
  const cli = await loadSettings([APP, "--bind", "127.0.0.1:0"], {}, REPO_ROOT);
  if (cli.action !== "run") throw new Error("expected settings");
  const fd = sys.listenTcp("127.0.0.1", 0, 16);
  const heartbeat = await Deno.makeTempFile();
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${REPO_ROOT}main.ts`],
    cwd: REPO_ROOT,
    env: {
      DENOCORN_ROLE: "worker",
      DENOCORN_WORKER_FDS: String(fd),
      DENOCORN_SETTINGS: JSON.stringify(cli.settings),
      DENOCORN_HEARTBEAT: heartbeat,
      DENOCORN_ARBITER_PID: "1", // the test runner is its parent, not pid 1: an orphan's view
    },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const timer = setTimeout(() => kill(child.pid), 15000);
  try {
    const out = await child.output();
    const text = new TextDecoder().decode(out.stderr);
    assertStringIncludes(text, "Parent changed, shutting down");
    assertEquals(out.code, 0, text);
  } finally {
    clearTimeout(timer);
    sys.close(fd);
    await Deno.remove(heartbeat);
  }
});

Deno.test("denocorn writes --pid as a new 0644 file and never follows a planted symlink", async () => {
  const dir = await Deno.makeTempDir();
  const pidfile = `${dir}/app.pid`;
  for (const [link, victim] of [[`${pidfile}.tmp`, "victim1"], [pidfile, "victim2"]]) {
    await Deno.writeTextFile(`${dir}/${victim}`, "secret\n");
    await Deno.symlink(`${dir}/${victim}`, link!);
  }
  // Under --umask 0, a file created with the default mode would be 0666.
  const server = await startServer([APP, "-p", pidfile, "-m", "0"]);
  try {
    await server.waitFor(/Booting worker/); // the arbiter handles TERM from here on
    assertEquals(await Deno.readTextFile(`${dir}/victim1`), "secret\n");
    assertEquals(await Deno.readTextFile(`${dir}/victim2`), "secret\n");
    const st = await Deno.lstat(pidfile);
    assert(st.isFile, "the pidfile is a regular file, not the planted link");
    assertEquals((st.mode! & 0o7777).toString(8), "644");
    assertEquals(await Deno.readTextFile(pidfile), `${server.pid}\n`);
    const left = [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) => n.startsWith("."));
    assertEquals(left, [], "no temporary file is left behind");
  } finally {
    assertEquals((await server.stop()).code, 0);
    assert(!(await Deno.lstat(pidfile).then(() => true, () => false)), "removed at exit");
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("startCtlServer() makes the socket appear by rename, already 0600, under umask 0", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/ctl.sock`;
  const watcher = Deno.watchFs(dir, { recursive: false });
  const umask = sys.umask(0);
  const server = await startCtlServer(path, () => "pong").finally(() => sys.umask(umask));
  try {
    // The first event naming the path: a rename into place, never a bind (create) at the path.
    let first = "";
    for await (const ev of watcher) {
      if (ev.paths.includes(path)) {
        first = ev.kind;
        break;
      }
    }
    assertEquals(first, "rename");
    assertEquals((Deno.statSync(path).mode! & 0o7777).toString(8), "600");
    assertEquals([...Deno.readDirSync(dir)].map((e) => e.name), ["ctl.sock"]);
  } finally {
    try {
      watcher.close();
    } catch { /* closed by break */ }
    server.close();
    await Deno.remove(dir, { recursive: true });
  }
});

/** Runs main.ts to its end, killed after 15 s (a server that does not refuse would run on). */
async function runBounded(args: string[]): Promise<{ code: number; stderr: string }> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), 15000);
  try {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", `${REPO_ROOT}main.ts`, ...args],
      cwd: REPO_ROOT,
      stdin: "null",
      signal: abort.signal,
    }).output();
    return { code: out.code, stderr: new TextDecoder().decode(out.stderr) };
  } finally {
    clearTimeout(timer);
  }
}

Deno.test("denocorn refuses a --ctl-socket in a world-writable directory that is not sticky", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.chmod(dir, 0o777);
    const out = await runBounded([APP, "--bind", "127.0.0.1:0", "--ctl-socket", `${dir}/ctl`]);
    assertEquals(out.code, 2, out.stderr);
    const errors = out.stderr.split("\n").filter((l) => l.includes("ctl"));
    assertEquals(errors.length, 1, out.stderr);
    assertStringIncludes(errors[0]!, "is writable by every user and not sticky");
    await Deno.chmod(dir, 0o1777); // sticky, like /tmp: accepted
    checkCtlPath(`${dir}/ctl`);
    assertThrows(() => checkCtlPath(`${dir}/missing/ctl`), CtlPathError);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("ctlCommand() bounds scale to the most workers and relays reopen", () => {
  const asked: unknown[] = [];
  const MAX_WORKERS = 32;
  const target = {
    scale: (n: number) => asked.push(n),
    reopen: () => asked.push("reopen"),
    maxWorkers: () => MAX_WORKERS,
  } as unknown as CtlTarget;
  assertEquals(ctlCommand("scale", [String(MAX_WORKERS)], target), `scaling to ${MAX_WORKERS}`);
  for (const bad of [String(MAX_WORKERS + 1), "100000", "-1", "1e3", "0x10", "", "two"]) {
    const e = assertThrows(() => ctlCommand("scale", [bad], target), RangeError);
    assertStringIncludes(e.message, `expected a number from 1 to ${MAX_WORKERS}`);
  }
  assertEquals(ctlCommand("reopen", [], target), "reopening log files");
  assertEquals(asked, [MAX_WORKERS, "reopen"]);
});
