import { assertEquals } from "./_assert.ts";
import { INHERIT_ENV, inheritedFds } from "../lib/address.ts";

Deno.test("inheritedFds() reads DENOCORN_FD from a USR2 parent", () => {
  assertEquals(inheritedFds({ [INHERIT_ENV]: "5,7" }, 100), [5, 7]);
});

Deno.test("inheritedFds() reads systemd's LISTEN_FDS only for this pid", () => {
  assertEquals(inheritedFds({ LISTEN_FDS: "2", LISTEN_PID: "100" }, 100), [3, 4]);
  assertEquals(inheritedFds({ LISTEN_FDS: "2", LISTEN_PID: "99" }, 100), null);
  assertEquals(inheritedFds({ LISTEN_FDS: "0", LISTEN_PID: "100" }, 100), null);
  assertEquals(inheritedFds({}, 100), null);
});
