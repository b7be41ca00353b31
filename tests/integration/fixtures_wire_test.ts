/**
 * A sample of the HTTP byte fixtures over real sockets against the running server: rejected
 * requests get their table status and `Connection: close`; valid ones reach the app.
 */

import { assertEquals, assertMatch, assertStringIncludes } from "../_assert.ts";
import { HTTP_ERRORS } from "../../lib/http/mod.ts";
import { loadFixtures } from "../http/fixtures.ts";
import { rawRequest, startServer } from "./harness.ts";

const APP = "tests/integration/apps/probe.ts:app";

Deno.test("denocorn answers a sample of the fixtures over TCP as the parser decides", async () => {
  const all = loadFixtures().filter((f) => f.limits === null);
  const errors = all.filter((f) => f.expect.kind === "error").filter((_, i) => i % 3 === 0);
  const valid = all.filter((f) => f.expect.kind === "head" && f.checks.get("framing") !== "chunked")
    .filter((_, i) => i % 4 === 0);
  const server = await startServer([APP]);
  try {
    for (const f of errors) {
      const code = (f.expect as { code: keyof typeof HTTP_ERRORS }).code;
      const res = await rawRequest(server.port, f.bytes, 3000);
      const status = HTTP_ERRORS[code].status;
      assertMatch(res, new RegExp(`^HTTP/1\\.1 ${status} `), `${f.topic}/${f.name}`);
      assertStringIncludes(res, "connection: close\r\n", `${f.topic}/${f.name}`);
    }
    for (const f of valid) {
      const res = await rawRequest(server.port, f.bytes, 3000);
      // The probe app answers its paths with 200 and anything else with 404: never a parse error.
      assertMatch(res, /^HTTP\/1\.1 (200|404|405|500) /, `${f.topic}/${f.name}`);
    }
    assertEquals(server.workerPids().length, 1, "no worker crashed on any of them");
  } finally {
    await server.stop();
  }
});
