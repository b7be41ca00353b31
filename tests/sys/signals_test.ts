/** lib/sys/signals.ts in child processes, so the test runner's own signal settings stay as they are. */

import { assertEquals } from "../_assert.ts";
import { parentChanged } from "../../lib/sys/mod.ts";

const SYS = new URL("../../lib/sys/mod.ts", import.meta.url).href;

/** Runs `code` (with `sys` imported) in a fresh Deno process; returns its stdout, trimmed. */
async function inChild(code: string): Promise<string> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", `import * as sys from "${SYS}";\n${code}`],
    stdin: "null",
  }).output();
  const text = new TextDecoder().decode(out.stdout).trim();
  if (out.code !== 0) {
    throw new Error(`child exited ${out.code}: ${new TextDecoder().decode(out.stderr)}`);
  }
  return text;
}

Deno.test("ignoreInspectorSignal() keeps SIGUSR1 ignored past Deno's own listener and later ones", async () => {
  const out = await inChild(`
    const ok = sys.ignoreInspectorSignal();
    let fired = 0;
    Deno.addSignalListener("SIGUSR1", () => fired++); // must not install a handler again
    await new Promise((r) => setTimeout(r, 800)); // Deno arms its inspector listener at 500 ms
    Deno.kill(Deno.pid, "SIGUSR1");
    await new Promise((r) => setTimeout(r, 300));
    const mine = [...Deno.readDirSync("/proc/self/fd")].map((e) => {
      try { return Deno.readLinkSync("/proc/self/fd/" + e.name); } catch { return ""; }
    });
    const listening = Deno.readTextFileSync("/proc/net/tcp").split("\\n")
      .map((l) => l.trim().split(/\\s+/))
      .some((f) => f[3] === "0A" && mine.includes("socket:[" + f[9] + "]"));
    console.log(JSON.stringify([ok, sys.signalIgnored(10), fired, listening]));
    Deno.exit(0);
  `);
  assertEquals(JSON.parse(out), [true, true, 0, false]);
});

Deno.test("setParentDeathSignal() sets the signal the kernel sends when the parent dies", async () => {
  const out = await inChild(`
    const before = sys.parentDeathSignal();
    sys.setParentDeathSignal("SIGTERM");
    console.log(JSON.stringify([before, sys.parentDeathSignal()]));
  `);
  assertEquals(JSON.parse(out), [0, 15]);
});

Deno.test("parentChanged() compares the parent pid with the expected one", () => {
  assertEquals([parentChanged(Deno.ppid), parentChanged(Deno.ppid + 1)], [false, true]);
});
