import { assertEquals, assertThrows } from "./_assert.ts";
import { resolveGroup, resolveUser } from "../lib/users.ts";

const PASSWD = "root:x:0:0:root:/root:/bin/sh\nweb:x:1001:1002::/srv:/bin/false\n";
const GROUP = "root:x:0:\nweb:x:1002:\n";

Deno.test("resolveUser() reads names and numeric ids", () => {
  assertEquals(resolveUser("web", PASSWD), { uid: 1001, gid: 1002 });
  assertEquals(resolveUser("1001", PASSWD), { uid: 1001, gid: 1002 });
  assertEquals(resolveUser("4242", PASSWD), { uid: 4242, gid: 4242 });
  const e = assertThrows(() => resolveUser("nosuch", PASSWD), RangeError);
  assertEquals(
    e.message,
    'Cannot find user "nosuch": no such entry in /etc/passwd, pass a name or a numeric uid',
  );
});

Deno.test("resolveGroup() reads names and numeric ids", () => {
  assertEquals(resolveGroup("web", GROUP), 1002);
  assertEquals(resolveGroup("77", GROUP), 77);
  assertThrows(() => resolveGroup("nosuch", GROUP), RangeError);
});
