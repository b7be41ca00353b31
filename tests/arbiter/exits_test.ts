import { assertEquals } from "../_assert.ts";
import {
  BOOT_ATTEMPTS,
  type BootFailure,
  describeExit,
  judgeBootFailure,
  judgeExit,
  loadFailureMessage,
} from "../../lib/arbiter/exits.ts";
import { APP_LOAD_ERROR, WORKER_BOOT_ERROR } from "../../lib/exit_codes.ts";

const running = { stopping: false };

Deno.test("judgeExit() halts the server when a worker cannot boot or load the app", () => {
  assertEquals(judgeExit(7, WORKER_BOOT_ERROR, null, running), {
    kind: "halt",
    reason: "Worker failed to boot.",
    exitCode: 3,
  });
  assertEquals(judgeExit(7, APP_LOAD_ERROR, null, running), {
    kind: "halt",
    reason: "App failed to load.",
    exitCode: 4,
  });
});

Deno.test("judgeExit() logs other exits and says nothing of a clean one", () => {
  assertEquals(judgeExit(7, 0, null, running), { kind: "log", message: null });
  assertEquals(judgeExit(7, 1, null, running), {
    kind: "log",
    message: "Worker (pid:7) exited with code 1.",
  });
});

Deno.test("judgeExit() keeps quiet about the KILLs of a stopping arbiter", () => {
  assertEquals(judgeExit(7, 137, "SIGKILL", { stopping: true }), { kind: "log", message: null });
  assertEquals(judgeExit(7, 137, "SIGKILL", running).kind, "log");
});

Deno.test("describeExit() words exits the way gunicorn does", () => {
  assertEquals(describeExit(7, 0, null), null);
  assertEquals(describeExit(7, 1, null), "Worker (pid:7) exited with code 1.");
  assertEquals(
    describeExit(7, 137, "SIGKILL"),
    "Worker (pid:7) was sent SIGKILL! Perhaps out of memory?",
  );
  assertEquals(describeExit(7, 143, "SIGTERM"), "Worker (pid:7) was sent SIGTERM!");
});

Deno.test("describeExit() says the arbiter sent a SIGKILL it sent, not out of memory", () => {
  assertEquals(
    describeExit(7, 137, "SIGKILL", { killedFor: "--graceful-timeout" }),
    "Worker (pid:7) was sent SIGKILL! The arbiter killed it: --graceful-timeout.",
  );
  assertEquals(
    judgeExit(7, 137, "SIGKILL", { stopping: false, killedFor: "WORKER TIMEOUT" }),
    {
      kind: "log",
      message: "Worker (pid:7) was sent SIGKILL! The arbiter killed it: WORKER TIMEOUT.",
    },
  );
});

Deno.test("describeExit() reads V8's SIGTRAP as out of memory, with the last heap figures", () => {
  assertEquals(
    describeExit(7, 133, "SIGTRAP"),
    "Worker (pid:7) was sent SIGTRAP! Perhaps out of memory?",
  );
  assertEquals(
    describeExit(7, 133, "SIGTRAP", { heap: { used: 30.5 * 2 ** 20, limit: 64 * 2 ** 20 } }),
    "Worker (pid:7) was sent SIGTRAP! Perhaps out of memory? V8 heap at its last heartbeat: 30.5 of 64.0 MiB.",
  );
  assertEquals(
    describeExit(7, 134, "SIGABRT", { heap: { used: 1, limit: 2 } }),
    "Worker (pid:7) was sent SIGABRT!",
  );
});

Deno.test("judgeExit() keeps the server up when a worker cannot load but others serve", () => {
  const ctx = { stopping: false, keepServing: true };
  assertEquals(judgeExit(7, APP_LOAD_ERROR, null, ctx), {
    kind: "load-failed",
    reason: "App failed to load.",
    exitCode: 4,
  });
  assertEquals(judgeExit(7, WORKER_BOOT_ERROR, null, ctx).kind, "load-failed");
  assertEquals(judgeExit(7, 1, null, ctx).kind, "log");
});

Deno.test("loadFailureMessage() says who keeps serving and what retries", () => {
  assertEquals(
    loadFailureMessage("App failed to load.", 2, true),
    "App failed to load: 2 workers of the previous code keep serving; no new worker starts until the next change (--reload)",
  );
  assertEquals(
    loadFailureMessage("App failed to load.", 1, false),
    "App failed to load: 1 worker of the previous code keeps serving; no new worker starts until the next HUP (or denocorn ctl reload)",
  );
  assertEquals(
    loadFailureMessage("Worker failed to boot.", 0, true),
    "Worker failed to boot: no worker is serving; waiting for the next change (--reload)",
  );
});

Deno.test("judgeExit() says nothing of a retired worker killed by the TERM it was sent", () => {
  assertEquals(judgeExit(7, 143, "SIGTERM", { stopping: false, retired: true }), {
    kind: "log",
    message: null,
  });
  assertEquals(judgeExit(7, 143, "SIGTERM", running).kind, "log");
  assertEquals(
    (judgeExit(7, 143, "SIGTERM", running) as { message: string }).message,
    "Worker (pid:7) was sent SIGTERM!",
  );
});

const bootFailure = (over: Partial<BootFailure>): BootFailure => ({
  pid: 9,
  code: 1,
  signal: null,
  cause: "Cannot start: DATABASE_URL is not set",
  failures: 1,
  everBooted: false,
  reload: false,
  ...over,
});

Deno.test("judgeBootFailure() halts with exit 3 and the cause once no worker ever booted", () => {
  for (let n = 1; n < BOOT_ATTEMPTS; n++) {
    assertEquals(judgeBootFailure(bootFailure({ failures: n })), {
      kind: "retry",
      message: "Worker (pid:9) exited with code 1 before it booted: " +
        "Cannot start: DATABASE_URL is not set",
      waitS: 0,
    });
  }
  assertEquals(judgeBootFailure(bootFailure({ failures: BOOT_ATTEMPTS })), {
    kind: "halt",
    reason: "Worker failed to boot: 5 workers in a row exited with code 1 before their first " +
      "heartbeat: Cannot start: DATABASE_URL is not set",
    exitCode: WORKER_BOOT_ERROR,
  });
  assertEquals(
    judgeBootFailure(bootFailure({ failures: 7, signal: "SIGKILL", cause: null })),
    {
      kind: "halt",
      reason: "Worker failed to boot: 7 workers in a row were sent SIGKILL before their first " +
        "heartbeat: it printed nothing on stderr",
      exitCode: WORKER_BOOT_ERROR,
    },
  );
});

Deno.test("judgeBootFailure() backs off and never halts a server that was healthy once", () => {
  const waits = [1, 2, 3, 4, 5, 6, 10].map((failures) => {
    const v = judgeBootFailure(bootFailure({ failures, everBooted: true }));
    assertEquals(v.kind, "retry");
    return v.kind === "retry" ? v.waitS : -1;
  });
  assertEquals(waits, [1, 2, 4, 8, 16, 30, 30]);
  assertEquals(judgeBootFailure(bootFailure({ failures: 2, everBooted: true })), {
    kind: "retry",
    message: "Worker (pid:9) exited with code 1 before it booted: " +
      "Cannot start: DATABASE_URL is not set; next worker in 2s",
    waitS: 2,
  });
});

Deno.test("judgeBootFailure() under --reload waits for a change instead of halting", () => {
  const v = judgeBootFailure(bootFailure({ failures: BOOT_ATTEMPTS + 3, reload: true }));
  assertEquals(v, {
    kind: "retry",
    message: "Worker (pid:9) exited with code 1 before it booted: " +
      "Cannot start: DATABASE_URL is not set; next worker in 30s",
    waitS: 30,
  });
});

Deno.test("judgeBootFailure() keeps a HUP's failing new code out while the previous code serves", () => {
  assertEquals(judgeBootFailure(bootFailure({ everBooted: true, previousServes: true })), {
    kind: "keep-previous",
    message: "Worker (pid:9) exited with code 1 before it booted: " +
      "Cannot start: DATABASE_URL is not set",
  });
});
