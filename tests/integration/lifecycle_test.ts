/**
 * Start and stop against the real server: workers that die before booting stop the server (exit 3,
 * with the cause) or back off once it was healthy; TERM refuses new connections at once while the
 * requests in hand finish (docs/signals.md).
 */

import { assert, assertEquals } from "../_assert.ts";
import { decodeBeat } from "../../lib/heartbeat.ts";
import { WORKER_CLASSES } from "./classes.ts";
import { alive, type Server, startServer } from "./harness.ts";
import { sleep } from "./load.ts";

const APP = "tests/integration/apps/lifecycle.ts:app";

/**
 * Connects to `port` until the connection is refused (ECONNREFUSED) or `ms` pass; a connect that
 * succeeds meanwhile (the stop not yet seen everywhere) or is reset (queued as the listener closed)
 * is tried again. True if refused.
 */
async function refusedWithin(port: number, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    try {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port });
      conn.close();
    } catch (e) {
      if (e instanceof Deno.errors.ConnectionRefused) return true;
      // Queued as the last copy of the listener closed: reset, the close is under way.
      if (!(e instanceof Deno.errors.ConnectionReset)) throw e;
    }
    await sleep(100);
  }
  return false;
}

for (const [name, args] of Object.entries(WORKER_CLASSES)) {
  Deno.test(`TERM (${name}): new connections are refused at once, requests in hand finish`, async () => {
    const dir = await Deno.makeTempDir();
    const gate = `${dir}/gate`;
    const s = await startServer([APP, "-w", "2", ...args]);
    try {
      const held = fetch(`${s.url}/hold?gate=${gate}`, { headers: { connection: "close" } })
        .then(async (r) => `${r.status} ${await r.text()}`);
      await s.waitFor(/holding a request/);
      s.signal("SIGTERM");
      await s.waitFor(/Shutting down: Master/);
      await sleep(500);
      assert(await refusedWithin(s.port, 5000), "a connect after TERM is refused");
      await Deno.writeTextFile(gate, "");
      assertEquals(await held, "200 held\n");
      assertEquals((await s.status).code, 0);
    } finally {
      await Deno.writeTextFile(gate, "");
      await s.stop();
      await Deno.remove(dir, { recursive: true });
    }
  });
}

Deno.test("TERM: a process the app started does not keep the listening socket open", async () => {
  const s = await startServer([APP, "-w", "1"], { env: { SPAWN_AT_IMPORT: "1" } });
  try {
    await s.waitFor(/started a subprocess with pid \d+/);
    await fetch(s.url).then((r) => r.text()); // booted
    s.signal("SIGTERM");
    assertEquals((await s.exited).code, 0); // the subprocess keeps the output pipes open
    assert(await refusedWithin(s.port, 5000), "a connect after TERM is refused");
  } finally {
    for (const l of s.lines) {
      const pid = l.match(/started a subprocess with pid (\d+)/)?.[1];
      if (pid !== undefined && alive(Number(pid))) Deno.kill(Number(pid), "SIGKILL");
    }
    await s.stop();
  }
});

Deno.test("TERM while the worker still loads its app: refused at once, the worker exits once loaded", async () => {
  const dir = await Deno.makeTempDir();
  const gate = `${dir}/gate`;
  const s = await startServer([APP, "-w", "1"], { env: { IMPORT_GATE: gate } });
  try {
    const line = await s.waitFor(/importing the app \(pid \d+\)/);
    const worker = Number(line.match(/pid (\d+)/)![1]);
    s.signal("SIGTERM");
    await s.waitFor(/Shutting down: Master/);
    assert(await refusedWithin(s.port, 5000), "a connect after TERM is refused");
    assert(alive(worker), "refused while the worker is still loading its app");
    await Deno.writeTextFile(gate, "");
    assertEquals((await s.status).code, 0);
  } finally {
    await Deno.writeTextFile(gate, "");
    await s.stop();
    await Deno.remove(dir, { recursive: true });
  }
});

/** Waits for the arbiter to stop by itself (a storm of respawns never does). */
async function halted(s: Server): Promise<number> {
  await s.waitFor(/Shutting down: Master/, 20_000);
  return (await s.status).code;
}

Deno.test("A worker that exits at import stops the server with exit 3, the cause, a few boots", async () => {
  const dir = await Deno.makeTempDir();
  const marker = `${dir}/broken`;
  await Deno.writeTextFile(marker, "");
  const s = await startServer([APP, "-w", "2"], { env: { FAIL_BOOT_IF: marker } });
  try {
    assertEquals(await halted(s), 3);
    const reason = s.lines.find((l) => l.includes("Reason:")) ?? "";
    assert(
      reason.endsWith(`before their first heartbeat: Cannot start the app: ${marker} exists`),
      reason,
    );
    assert(s.workerPids().length < 20, `${s.workerPids().length} boots`);
  } finally {
    await s.stop();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("A frozen lock without the app's entries stops the server with exit 3 and Deno's error", async () => {
  // The README's Hono project before `deno install`: no deno.lock yet, and the lock frozen.
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(
    `${dir}/deno.json`,
    `{ "imports": { "hono": "npm:hono@^4" }, "lock": { "frozen": true } }\n`,
  );
  await Deno.writeTextFile(
    `${dir}/main.ts`,
    `import { Hono } from "hono";\nexport const app = new Hono().get("/", (c) => c.text("hi"));\n`,
  );
  const s = await startServer(["main:app", "-w", "2"], { cwd: dir });
  try {
    assertEquals(await halted(s), 3);
    const reason = s.lines.find((l) => l.includes("Reason:")) ?? "";
    // Offline, Deno's error is about the download instead; it is still the line that names it.
    assert(/before their first heartbeat: error: /.test(reason), reason);
    assert(s.workerPids().length < 20, `${s.workerPids().length} boots`);
  } finally {
    await s.stop();
    await Deno.remove(dir, { recursive: true });
  }
});

async function bootedBeats(dir: string, n: number): Promise<void> {
  for (let i = 0; i < 500; i++) {
    const hb = [...Deno.readDirSync(dir)].find((e) => !e.name.startsWith("denocorn-lock-"));
    const files = hb === undefined ? [] : [...Deno.readDirSync(`${dir}/${hb.name}`)];
    const booted = files.filter((f) =>
      decodeBeat(Deno.readTextFileSync(`${dir}/${hb!.name}/${f.name}`)) !== null
    );
    if (booted.length >= n) return;
    await sleep(20);
  }
  throw new Error(`${n} workers did not boot`);
}

/** Starts `-w 2` whose workers die at import while `marker` exists; waits until both booted. */
async function startHealthy(dir: string, marker: string): Promise<Server> {
  const s = await startServer([APP, "-w", "2", "--worker-tmp-dir", dir], {
    env: { FAIL_BOOT_IF: marker },
  });
  try {
    await bootedBeats(dir, 2);
  } catch (e) {
    await s.stop();
    throw e;
  }
  return s;
}

Deno.test("Once healthy, replacements that fail to boot back off and the other worker serves", async () => {
  const dir = await Deno.makeTempDir();
  const marker = `${dir}/broken`;
  const s = await startHealthy(dir, marker);
  try {
    const victim = Number(await (await fetch(s.url, { headers: { connection: "close" } })).text());
    await Deno.writeTextFile(marker, "");
    Deno.kill(victim, "SIGKILL");
    await s.waitFor(/before it booted: Cannot start the app: .* exists; next worker in 1s/);
    await s.waitFor(/before it booted: Cannot start the app: .* exists; next worker in 2s/);
    for (let i = 0; i < 5; i++) {
      const res = await fetch(s.url, { headers: { connection: "close" } });
      assertEquals(res.status, 200);
      assert(Number(await res.text()) !== victim, "the other worker serves");
    }
    assert(alive(s.pid), "the arbiter keeps running");
    await Deno.remove(marker);
    const failures = s.lines.filter((l) => l.includes("before it booted")).length;
    assert(failures <= 4, `${failures} failed boots in about 3 s`);
    assertEquals((await s.stop()).code, 0);
  } finally {
    await s.stop();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("A HUP whose new workers die before booting leaves the previous workers serving", async () => {
  const dir = await Deno.makeTempDir();
  const marker = `${dir}/broken`;
  const s = await startHealthy(dir, marker);
  try {
    const old = s.workerPids();
    await Deno.writeTextFile(marker, "");
    s.signal("SIGHUP");
    await s.waitFor(
      /Worker failed to boot: 2 workers of the previous code keep serving; no new worker starts/,
    );
    for (let i = 0; i < 5; i++) {
      const res = await fetch(s.url, { headers: { connection: "close" } });
      assertEquals(res.status, 200);
      assert(old.includes(Number(await res.text())), "a worker of the previous code answers");
    }
    assert(s.workerPids().length < 10, `${s.workerPids().length} boots`);
    assertEquals((await s.stop()).code, 0);
  } finally {
    await s.stop();
    await Deno.remove(dir, { recursive: true });
  }
});
