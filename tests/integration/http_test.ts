/** The HTTP engine over real sockets: proxies, PROXY protocol, sendfile, Expect, error statuses. */

import { assert, assertEquals, assertMatch, assertStringIncludes } from "../_assert.ts";
import { CLASS_NAMES, WORKER_CLASSES } from "./classes.ts";
import { rawRequest, startServer } from "./harness.ts";

const APP = "tests/integration/apps/probe.ts:app";

function bodyOf(response: string): string {
  return response.slice(response.indexOf("\r\n\r\n") + 4);
}

Deno.test("denocorn trusts X-Forwarded-* only from --forwarded-allow-ips", async () => {
  const req = "GET /info HTTP/1.1\r\nHost: example.com\r\nX-Forwarded-Proto: https\r\n" +
    "X-Forwarded-For: 203.0.113.7\r\nConnection: close\r\n\r\n";
  const trusted = await startServer([APP]); // default allows 127.0.0.1
  try {
    const info = JSON.parse(bodyOf(await rawRequest(trusted.port, req)));
    assertEquals(info.url, "https://example.com/info");
    assertEquals(info.remote.hostname, "203.0.113.7");
  } finally {
    await trusted.stop();
  }
  const untrusted = await startServer([APP, "--forwarded-allow-ips", "10.0.0.1"]);
  try {
    const info = JSON.parse(bodyOf(await rawRequest(untrusted.port, req)));
    assertEquals(info.url, "http://example.com/info");
    assertEquals(info.remote.hostname, "127.0.0.1");
    assertEquals(info.headers["x-forwarded-for"], "203.0.113.7", "left as a plain header");
  } finally {
    await untrusted.stop();
  }
});

for (const workerClass of ["sync", "async"]) {
  Deno.test(`denocorn -k ${workerClass} reads PROXY protocol v1 and v2 from trusted peers`, async () => {
    const server = await startServer([
      APP,
      "-k",
      workerClass,
      "--proxy-protocol",
      "--forwarded-allow-ips",
      "10.9.9.9",
    ]);
    try {
      const get = "GET /info HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
      const v1 = JSON.parse(
        bodyOf(await rawRequest(server.port, `PROXY TCP4 198.51.100.4 10.0.0.1 5555 80\r\n${get}`)),
      );
      assertEquals(v1.remote, { transport: "tcp", hostname: "198.51.100.4", port: 5555 });
      const sig = [0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a];
      const v2 = new Uint8Array([
        ...sig,
        0x21,
        0x11,
        0,
        12,
        192,
        0,
        2,
        1,
        10,
        0,
        0,
        1,
        0x1f,
        0x90,
        0,
        80,
        ...new TextEncoder().encode(get),
      ]);
      assertEquals(
        JSON.parse(bodyOf(await rawRequest(server.port, v2))).remote.hostname,
        "192.0.2.1",
      );
      const missing = await rawRequest(server.port, get);
      assertMatch(missing, /^HTTP\/1\.1 400 /);
      const malformed = await rawRequest(server.port, `PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n${get}`);
      assertMatch(malformed, /^HTTP\/1\.1 400 /);
      assertStringIncludes(malformed, "connection: close");
    } finally {
      await server.stop();
    }
  });
}

Deno.test("denocorn refuses a PROXY preamble from a peer not in --proxy-allow-from", async () => {
  const server = await startServer([APP, "--proxy-protocol", "--proxy-allow-from", "10.0.0.1"]);
  try {
    const get = "GET /pid HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    assertMatch(
      await rawRequest(server.port, `PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\n${get}`),
      /^HTTP\/1\.1 400 /,
    );
    assertMatch(
      await rawRequest(server.port, get),
      /^HTTP\/1\.1 200 /,
      "plain HTTP from others is served",
    );
  } finally {
    await server.stop();
  }
});

Deno.test("denocorn sends fileResponse() bodies whole with sendfile", async () => {
  const path = await Deno.makeTempFile();
  const data = new Uint8Array(3 * 1024 * 1024 + 17).map((_, i) => (i * 31) & 0xff);
  await Deno.writeFile(path, data);
  const server = await startServer([APP]);
  try {
    const res = await fetch(`${server.url}/file?path=${encodeURIComponent(path)}`);
    assertEquals(res.headers.get("content-length"), String(data.length));
    assertEquals(res.headers.get("content-type"), "application/x-test");
    const got = new Uint8Array(await res.arrayBuffer());
    assertEquals(got.length, data.length);
    assert(got.every((b, i) => b === data[i]), "body matches the file byte for byte");
    const head = await rawRequest(
      server.port,
      `HEAD /file?path=${encodeURIComponent(path)} HTTP/1.1\r\nHost: x\r\n\r\n`,
    );
    assertStringIncludes(head, `content-length: ${data.length}\r\n`);
    assert(head.endsWith("\r\n\r\n"), "HEAD sends no body");
  } finally {
    await server.stop();
    await Deno.remove(path);
  }
});

Deno.test("denocorn answers Expect: 100-continue when the app reads, and 417 otherwise", async () => {
  const server = await startServer([APP]);
  try {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
    await conn.write(new TextEncoder().encode(
      "POST /echo-len HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n",
    ));
    const buf = new Uint8Array(1024);
    const n = await conn.read(buf);
    assertEquals(new TextDecoder().decode(buf.subarray(0, n!)), "HTTP/1.1 100 Continue\r\n\r\n");
    await conn.write(new TextEncoder().encode("hello"));
    let rest = "";
    for (let m = await conn.read(buf); m !== null; m = await conn.read(buf)) {
      rest += new TextDecoder().decode(buf.subarray(0, m));
    }
    conn.close();
    assertMatch(rest, /^HTTP\/1\.1 200 /);
    assertEquals(bodyOf(rest), "5");
    const refused = await rawRequest(
      server.port,
      "POST /echo HTTP/1.1\r\nHost: x\r\nExpect: gold\r\nContent-Length: 0\r\n\r\n",
    );
    assertMatch(refused, /^HTTP\/1\.1 417 /);
  } finally {
    await server.stop();
  }
});

for (const workerClass of ["sync", "async"]) {
  Deno.test(`denocorn -k ${workerClass} answers each bad request with its status and closes`, async () => {
    const server = await startServer([
      APP,
      "-k",
      workerClass,
      "--limit-request-line",
      "64",
      "--limit-request-fields",
      "3",
    ]);
    try {
      const cases: [string, number][] = [
        [`GET /${"a".repeat(100)} HTTP/1.1\r\nHost: x\r\n\r\n`, 414],
        ["GET / HTTP/1.1\r\nHost: x\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", 431],
        ["GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505],
        ["POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501],
        ["CONNECT x:443 HTTP/1.1\r\nHost: x\r\n\r\n", 501],
        ["GET / HTTP/1.1\nHost: x\n\n", 400],
        ["GET / HTTP/1.1\r\nHost: x\r\nFoo: a\r\n b\r\n\r\n", 400],
        ["GET / HTTP/1.1\r\n\r\n", 400],
        ["POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400],
      ];
      for (const [req, status] of cases) {
        const res = await rawRequest(server.port, req);
        assertMatch(res, new RegExp(`^HTTP/1\\.1 ${status} `), JSON.stringify(req));
        assertStringIncludes(res.toLowerCase(), "connection: close", JSON.stringify(req));
      }
      assertMatch(
        await rawRequest(server.port, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"),
        /^HTTP\/1\.1 200 /,
      );
    } finally {
      await server.stop();
    }
  });
}

for (const k of CLASS_NAMES) {
  Deno.test(`denocorn -k ${k} closes a response whose body is shorter than its Content-Length`, async () => {
    const server = await startServer([APP, ...WORKER_CLASSES[k]]);
    try {
      const res = await rawRequest(
        server.port,
        "GET /bad-length HTTP/1.1\r\nHost: x\r\n\r\n",
        5000,
      );
      assertStringIncludes(res, "content-length: 10\r\n");
      assert(res.endsWith("\r\n\r\nshort"), "the 5 bytes, then the connection closes");
      await server.waitFor(/Response body was 5 bytes but Content-Length said 10/);
    } finally {
      await server.stop();
    }
  });
}
