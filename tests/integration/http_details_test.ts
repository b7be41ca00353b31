/**
 * Issue 9 item 13 over real sockets: `OPTIONS *` as the app sees it, a repeated singleton field,
 * --limit-request-field_size counted as gunicorn counts it, and a PROXY v1 line with a bad address.
 */

import { assertMatch, assertStringIncludes } from "../_assert.ts";
import { CLASS_NAMES, WORKER_CLASSES } from "./classes.ts";
import { rawRequest, startServer } from "./harness.ts";

const APP = "tests/integration/apps/url_echo.ts:app";

for (const k of CLASS_NAMES) {
  Deno.test(`denocorn -k ${k} shows OPTIONS * to the app as /* and OPTIONS / as /`, async () => {
    const server = await startServer([APP, ...WORKER_CLASSES[k]]);
    try {
      const star = await rawRequest(
        server.port,
        "OPTIONS * HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
      );
      assertMatch(star, /^HTTP\/1\.1 200 [^]*\r\n\r\nOPTIONS http:\/\/x\/\* null$/);
      const slash = await rawRequest(
        server.port,
        "OPTIONS / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
      );
      assertMatch(slash, /^HTTP\/1\.1 200 [^]*\r\n\r\nOPTIONS http:\/\/x\/ null$/);
    } finally {
      await server.stop();
    }
  });
}

Deno.test("denocorn refuses a repeated Content-Type and counts a field line with its CRLF", async () => {
  const server = await startServer([APP, "--limit-request-field_size", "40"]);
  const req = (fields: string) =>
    rawRequest(server.port, `POST / HTTP/1.1\r\nHost: x\r\n${fields}Content-Length: 0\r\n\r\n`);
  try {
    const twice = await req("Content-Type: text/plain\r\nContent-Type: text/html\r\n");
    assertMatch(twice, /^HTTP\/1\.1 400 /);
    assertStringIncludes(twice, "Content-Type");
    const once = await req("Content-Type: text/plain\r\n");
    assertMatch(once, /^HTTP\/1\.1 200 [^]*text\/plain$/);
    // 38 bytes + CRLF = 40: admitted, as gunicorn admits it; one byte more is refused.
    assertMatch(await req(`X-A: ${"1".repeat(33)}\r\n`), /^HTTP\/1\.1 200 /);
    assertMatch(await req(`X-A: ${"1".repeat(34)}\r\n`), /^HTTP\/1\.1 431 /);
  } finally {
    await server.stop();
  }
});

Deno.test("denocorn answers a PROXY v1 line with the address 999.2.3.4 with 400", async () => {
  const server = await startServer([APP, "--proxy-protocol"]);
  const get = "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  try {
    const bad = await rawRequest(server.port, `PROXY TCP4 999.2.3.4 5.6.7.8 1000 80\r\n${get}`);
    assertMatch(bad, /^HTTP\/1\.1 400 /);
    const good = await rawRequest(server.port, `PROXY TCP4 1.2.3.4 5.6.7.8 1000 80\r\n${get}`);
    assertMatch(good, /^HTTP\/1\.1 200 /);
  } finally {
    await server.stop();
  }
});
