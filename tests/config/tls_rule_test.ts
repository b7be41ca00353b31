/** @module Tests the TLS rule of engine_rule.ts: which settings refuse `--certfile`/`--keyfile`. */

import { assertEquals } from "../_assert.ts";
import { engineConflict, type EngineSettings } from "../../lib/config/engine_rule.ts";

const BASE: EngineSettings = {
  worker_class: "async",
  http: "auto",
  bind: ["127.0.0.1:8000"],
  proxy_protocol: false,
  limit_request_line: 4094,
  limit_request_fields: 100,
  limit_request_field_size: 8190,
  certfile: "c.pem",
  keyfile: "k.pem",
};

Deno.test("engineConflict() lets -k async --http auto|strict serve TLS", () => {
  assertEquals(engineConflict(BASE), null);
  assertEquals(engineConflict({ ...BASE, http: "strict" }), null);
});

Deno.test("engineConflict() refuses TLS with -k sync, --http deno, or half a pair", () => {
  assertEquals(
    engineConflict({ ...BASE, worker_class: "sync" }),
    "Cannot use --certfile/--keyfile with -k sync: TLS is served by -k async only; use -k " +
      "async, or terminate TLS in a proxy",
  );
  assertEquals(
    engineConflict({ ...BASE, http: "deno" })?.startsWith("Cannot use --certfile with --http deno"),
    true,
  );
  assertEquals(
    engineConflict({ ...BASE, keyfile: null }),
    "Cannot use --certfile without --keyfile: TLS needs both; add --keyfile or drop --certfile",
  );
});
