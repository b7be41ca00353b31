import { assertEquals } from "../_assert.ts";
import { CommandQueue } from "../../lib/arbiter/queue.ts";

Deno.test("CommandQueue.push() keeps commands in order and drops them beyond five", () => {
  const q = new CommandQueue();
  for (const c of ["SIGHUP", "SIGTTIN", "SIGTTIN", "reload", "SIGTTOU", "SIGUSR2"] as const) {
    q.push(c);
  }
  q.push({ scale: 3 });
  const out = [];
  for (let c = q.shift(); c !== undefined; c = q.shift()) out.push(c);
  assertEquals(out, ["SIGHUP", "SIGTTIN", "SIGTTIN", "reload", "SIGTTOU"]);
});

Deno.test("CommandQueue.sleep() ends when a command arrives", async () => {
  const q = new CommandQueue();
  const slept = q.sleep(60_000);
  q.push({ scale: 2 });
  await slept;
  assertEquals(q.shift(), { scale: 2 });
});

Deno.test("CommandQueue.sleep() returns at once while commands are pending, until cleared", async () => {
  const q = new CommandQueue();
  q.push("SIGHUP");
  await q.sleep(60_000);
  q.clear();
  const slept = q.sleep(60_000);
  q.wake();
  await slept;
  assertEquals(q.shift(), undefined);
});
