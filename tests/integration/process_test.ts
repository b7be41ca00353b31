/** Process management: --daemon with --pid, and systemd readiness notification. */

import { assert, assertEquals, assertStringIncludes } from "../_assert.ts";
import { AF, SOCK } from "../../lib/sys/constants.ts";
import { libc } from "../../lib/sys/libc.ts";
import * as sys from "../../lib/sys/mod.ts";
import { alive, runCli, startServer } from "./harness.ts";
import { sleep } from "./load.ts";

const APP = "tests/integration/apps/probe.ts:app";

Deno.test("denocorn --daemon detaches into its own session and writes --pid", async () => {
  const dir = await Deno.makeTempDir();
  const port = (() => {
    const fd = sys.listenTcp("127.0.0.1", 0, 1);
    const a = sys.localAddr(fd);
    sys.close(fd);
    return a.transport === "tcp" ? a.port : 0;
  })();
  const r = await runCli([
    APP,
    "-D",
    "--bind",
    `127.0.0.1:${port}`,
    "--pid",
    `${dir}/app.pid`,
    "--error-logfile",
    `${dir}/error.log`,
  ]);
  assertEquals(r.code, 0, r.stderr);
  let pid = 0;
  try {
    for (let i = 0; i < 100 && pid === 0; i++) {
      pid = Number((await Deno.readTextFile(`${dir}/app.pid`).catch(() => "0")).trim());
      if (pid === 0) await sleep(50);
    }
    assert(pid > 0, "the daemon wrote its pidfile");
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`).split(") ")[1]!.split(" ");
    assertEquals(Number(stat[3]), pid, "the daemon leads its own session");
    for (let i = 0; i < 100; i++) {
      const res = await fetch(`http://127.0.0.1:${port}/`).catch(() => null);
      if (res !== null) {
        assertEquals(await res.text(), "Hello, world!\n");
        break;
      }
      await sleep(50);
    }
  } finally {
    if (pid > 0) Deno.kill(pid, "SIGTERM");
    for (let i = 0; i < 100 && pid > 0 && alive(pid); i++) await sleep(50);
  }
  assert(
    !(await Deno.stat(`${dir}/app.pid`).then(() => true, () => false)),
    "the pidfile is removed at exit",
  );
  assertStringIncludes(await Deno.readTextFile(`${dir}/error.log`), "Shutting down: Master");
  await Deno.remove(dir, { recursive: true });
});

Deno.test("denocorn tells systemd READY=1 once the workers loaded the app, and STOPPING=1", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/notify.sock`;
  const fd = libc().socket(AF.UNIX, SOCK.DGRAM | SOCK.NONBLOCK | SOCK.CLOEXEC, 0);
  const name = new TextEncoder().encode(path);
  const addr = new Uint8Array(2 + name.length + 1);
  new DataView(addr.buffer).setUint16(0, AF.UNIX, true);
  addr.set(name, 2);
  assertEquals(libc().bind(fd, addr, addr.length), 0);
  const messages: string[] = [];
  const drain = () => {
    const buf = new Uint8Array(256);
    for (;;) {
      const n = Number(libc().read(fd, buf, 256n as unknown as bigint));
      if (n <= 0) return;
      messages.push(new TextDecoder().decode(buf.subarray(0, n)));
    }
  };
  try {
    // An app that takes a second to load: READY=1 waits for it.
    const app = `${dir}/slow_load.ts`;
    await Deno.writeTextFile(
      app,
      "await new Promise((r) => setTimeout(r, 1000));\n" +
        "export const app = () => new Response('ok');\n",
    );
    const server = await startServer([`${app}:app`], { env: { NOTIFY_SOCKET: path } });
    await server.waitFor(/Booting worker/);
    drain();
    assertEquals(messages, [], "not ready while the app loads");
    for (let i = 0; i < 200 && messages.length === 0; i++) {
      await sleep(50);
      drain();
    }
    assertEquals(messages, ["READY=1"]);
    assertEquals((await server.stop()).code, 0);
    drain();
    assertEquals(messages, ["READY=1", "STOPPING=1"]);
  } finally {
    libc().close(fd);
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name: "denocorn -u/-g runs the workers as that user and keeps their heartbeat",
  // Switching users needs root; on other machines this case cannot run (reported as ignored).
  ignore: sys.geteuid() !== 0,
  fn: async () => {
    const server = await startServer([APP, "-u", "65534", "-g", "65534", "--timeout", "2"]);
    try {
      await server.waitFor(/Booting worker/);
      const pid = Number(await (await fetch(`${server.url}/pid`)).text());
      const status = Deno.readTextFileSync(`/proc/${pid}/status`);
      assertEquals(/^Uid:\s+(\d+)/m.exec(status)![1], "65534");
      await sleep(3500); // longer than --timeout: a worker that cannot heartbeat would be killed
      assertEquals(Number(await (await fetch(`${server.url}/pid`)).text()), pid);
      assert(!server.lines.some((l) => l.includes("WORKER TIMEOUT")));
    } finally {
      assertEquals((await server.stop()).code, 0);
    }
  },
});
