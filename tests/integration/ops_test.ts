/** Operations under load: reloads, scaling, recycling and binary upgrades lose no request. */

import { assert, assertEquals } from "../_assert.ts";
import { OPS_CLASSES } from "./classes.ts";
import { startServer } from "./harness.ts";
import { holdLoad, type LoadResult, sleep } from "./load.ts";

const APP = "tests/integration/apps/probe.ts:app";
/** Half the clients send one request per connection, half keep their connection alive. */
const CLIENTS = { close: 16, keepAlive: 16 };

/** No request failed; the async worker's keep-alive clients did reuse their connections. */
function assertNoneLost(r: LoadResult, workerClass = "sync"): void {
  assertEquals(
    r.failures.slice(0, 5),
    [],
    `${r.failures.length} of ${r.ok + r.failures.length} requests failed`,
  );
  assert(r.ok > 100, `only ${r.ok} requests completed`);
  if (workerClass.startsWith("async")) {
    assert(r.reused > 0, "keep-alive clients reused connections");
  }
}

/** Waits until `n` workers report "Booting worker" after line index `from`. */
async function bootedSince(lines: string[], from: number, n: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (lines.slice(from).filter((l) => l.includes("Booting worker")).length >= n) return;
    await sleep(50);
  }
  throw new Error(`fewer than ${n} workers booted:\n${lines.slice(from).join("\n")}`);
}

for (const [k, flags] of Object.entries(OPS_CLASSES)) {
  Deno.test(`denocorn -k ${k}: HUP three times under load loses no request`, async () => {
    const server = await startServer([APP, ...flags, "-w", "2"]);
    try {
      await server.waitFor(/Booting worker/);
      const r = await holdLoad(server.port, CLIENTS, async (live) => {
        for (let i = 0; i < 3; i++) {
          await sleep(300);
          const from = server.lines.length;
          server.signal("SIGHUP");
          await server.waitFor(/Hang up: Master/);
          await bootedSince(server.lines, from, 2);
        }
        // The last generation takes over; on a loaded machine that can take more than a moment.
        for (let i = 0; i < 200 && live.pids.size < 4; i++) await sleep(50);
        await sleep(300);
      });
      assertNoneLost(r, k);
      assertEquals(server.lines.filter((l) => l.includes("Hang up: Master")).length, 3);
      assert(
        r.pids.size >= 4,
        `answers came from ${r.pids.size} workers; reloads should bring new ones`,
      );
    } finally {
      assertEquals((await server.stop()).code, 0);
    }
  });

  Deno.test(`denocorn -k ${k}: --max-requests 50 with jitter under load loses no request`, async () => {
    const server = await startServer([
      ...flags,
      APP,
      "-w",
      "2",
      "--max-requests",
      "50",
      "--max-requests-jitter",
      "10",
    ]);
    try {
      await server.waitFor(/Booting worker/);
      const r = await holdLoad(server.port, CLIENTS, () => sleep(2500));
      assertNoneLost(r, k);
      assert(r.pids.size >= 3, `only ${r.pids.size} workers answered: none was recycled`);
    } finally {
      assertEquals((await server.stop()).code, 0);
    }
  });
}

for (const [k, flags] of Object.entries(OPS_CLASSES)) {
  Deno.test(`denocorn -k ${k}: TTIN then TTOU under load loses no request`, async () => {
    const server = await startServer([APP, ...flags, "-w", "2"]);
    try {
      await server.waitFor(/Booting worker/);
      const r = await holdLoad(server.port, CLIENTS, async () => {
        await sleep(300);
        const from = server.lines.length;
        server.signal("SIGTTIN");
        await bootedSince(server.lines, from, 1);
        await sleep(700);
        server.signal("SIGTTOU");
        await server.waitFor(/Handling signal: ttou/);
        await sleep(800);
      });
      assertNoneLost(r, k);
      assertEquals(r.pids.size, 3);
    } finally {
      assertEquals((await server.stop()).code, 0);
    }
  });
}

Deno.test("denocorn USR2 then TERM of the old arbiter under load loses no request", async () => {
  const pidfile = await Deno.makeTempFile({ suffix: ".pid" });
  await Deno.remove(pidfile);
  const server = await startServer([APP, "-w", "2", "--pid", pidfile]);
  let newPid = 0;
  try {
    await server.waitFor(/Booting worker/);
    assertEquals(Number(Deno.readTextFileSync(pidfile).trim()), server.pid);
    const r = await holdLoad(server.port, CLIENTS, async () => {
      await sleep(300);
      server.signal("SIGUSR2");
      const line = await server.waitFor(/Started new arbiter with pid: \d+/);
      newPid = Number(/pid: (\d+)/.exec(line)![1]);
      await server.waitFor(new RegExp(`Listening at: .* \\(${newPid}\\)`));
      for (
        let i = 0;
        i < 100 && server.lines.filter((l) => l.includes("Booting worker")).length < 4;
        i++
      ) {
        await sleep(50);
      }
      await sleep(500);
      assertEquals(Number(Deno.readTextFileSync(`${pidfile}.oldbin`).trim()), server.pid);
      assertEquals(Number(Deno.readTextFileSync(pidfile).trim()), newPid);
      server.signal("SIGTERM");
      assertEquals((await server.exited).code, 0);
      await sleep(500);
    });
    assertNoneLost(r);
    const answered = await fetch(`http://127.0.0.1:${server.port}/pid`);
    assertEquals(answered.status, 200);
    await answered.text();
  } finally {
    server.signal("SIGTERM");
    await server.exited;
    if (newPid !== 0) {
      Deno.kill(newPid, "SIGTERM");
      for (let i = 0; i < 100; i++) {
        try {
          Deno.readTextFileSync(`/proc/${newPid}/stat`);
        } catch {
          break;
        }
        await sleep(50);
      }
    }
    await server.status;
    for (const p of [pidfile, `${pidfile}.oldbin`]) await Deno.remove(p).catch(() => {});
  }
});
