import { assert, assertEquals } from "../../_assert.ts";
import * as sys from "../../../lib/sys/mod.ts";
import { graftListener } from "../../../lib/workers/deno/graft.ts";

Deno.test("graftListener refuses what is no listening socket, and changes nothing", () => {
  assertEquals(typeof graftListener(-1), "string");
  const [r, w] = sys.pipe();
  try {
    assertEquals(graftListener(r), `fd ${r} is no listening socket`);
  } finally {
    sys.close(r);
    sys.close(w);
  }
});

Deno.test("graftListener accepts from the shared socket; closing it leaves the socket listening", async () => {
  const fd = sys.listenTcp("127.0.0.1", 0, 16);
  try {
    const a = sys.localAddr(fd);
    assert(a.transport === "tcp");
    const l = graftListener(fd);
    assert(typeof l !== "string", String(l));
    const client = await Deno.connect({ hostname: "127.0.0.1", port: a.port });
    const conn = await l.accept();
    assertEquals(conn.localAddr.port, a.port, "the connection came through the shared socket");
    conn.close();
    client.close();
    l.close();
    assert(sys.isListeningSocket(fd), "the shared socket still listens");
    const again = await Deno.connect({ hostname: "127.0.0.1", port: a.port });
    again.close();
  } finally {
    sys.close(fd);
  }
});
