/** @module Tests of the HTTP engine choice (lib/workers/engines.ts): pure, no processes. */

import { assert, assertEquals, assertMatch } from "../_assert.ts";
import { detectDenoEngine } from "../../lib/workers/deno/internals.ts";
import { engineConflict, type EngineSettings } from "../../lib/config/engine_rule.ts";
import { chooseEngine } from "../../lib/workers/engines.ts";

const BASE: EngineSettings = {
  worker_class: "async",
  http: "auto",
  bind: ["127.0.0.1:8000"],
  proxy_protocol: false,
  limit_request_line: 4094,
  limit_request_fields: 100,
  limit_request_field_size: 8190,
};
const found = () => {
  const e = detectDenoEngine();
  if (typeof e === "string") throw new Error(e);
  return e;
};

Deno.test("engineConflict() names the strict-only setting given with --http deno, and the fix", () => {
  assertEquals(engineConflict({ ...BASE, http: "deno" }), null);
  assertEquals(engineConflict({ ...BASE, proxy_protocol: true }), null, "auto never conflicts");
  assertEquals(
    engineConflict({ ...BASE, http: "deno", proxy_protocol: true }),
    "Cannot use --proxy-protocol with --http deno: only the strict engine reads PROXY " +
      "preambles; use --http strict (or auto) or drop --proxy-protocol",
  );
  assertMatch(
    engineConflict({ ...BASE, http: "deno", limit_request_line: 8190 }) ?? "",
    /^Cannot use --limit-request-line with --http deno: Deno's engine has fixed limits;/,
  );
  assertMatch(
    engineConflict({ ...BASE, http: "deno", worker_class: "sync" }) ?? "",
    /^Cannot use --http deno with -k sync: .*use -k async or drop --http deno$/,
  );
  assertMatch(
    engineConflict({ ...BASE, http: "deno", bind: ["unix:/run/app.sock"] }) ?? "",
    /^Cannot use --bind "unix:\/run\/app\.sock" with --http deno: /,
  );
});

Deno.test("chooseEngine() takes Deno's engine for --http auto when it is there", () => {
  const c = chooseEngine(BASE, ["tcp"], found);
  assert(c.engine !== null);
  assertMatch(c.message, /^Using Deno's HTTP engine for async workers \(--http auto: Deno /);
});

Deno.test("chooseEngine() falls back to the strict engine and says why", () => {
  const never = () => {
    throw new Error("detection must not run");
  };
  const strict = chooseEngine({ ...BASE, http: "strict" }, ["tcp"], never);
  assertEquals([strict.engine, strict.message], [
    null,
    "Using denocorn's strict HTTP engine for async workers (--http strict)",
  ]);
  const proxy = chooseEngine({ ...BASE, proxy_protocol: true }, ["tcp"], never);
  assertMatch(proxy.message, /\(--http auto: --proxy-protocol needs it\)$/);
  const unix = chooseEngine({ ...BASE, http: "deno" }, ["tcp", "unix"], never);
  assertEquals([unix.engine, unix.level], [null, "warning"]);
  const missing = chooseEngine(BASE, ["tcp"], () => "Deno 9.9.9: serveHttpOnConnection is missing");
  assertEquals([missing.engine, missing.level], [null, "info"]);
  assertMatch(missing.message, /\(--http auto: Deno 9\.9\.9: serveHttpOnConnection is missing\)$/);
  const asked = chooseEngine({ ...BASE, http: "deno" }, ["tcp"], () => "disabled");
  assertEquals(asked.level, "warning", "an explicit --http deno that cannot be honoured warns");
});

Deno.test("TLS (--certfile/--keyfile): every --http serves it (auto picks Deno's engine); -k sync and half a pair are refused", () => {
  const tls = { ...BASE, certfile: "c.pem", keyfile: "k.pem" };
  assertEquals(engineConflict(tls), null);
  assertEquals(engineConflict({ ...tls, http: "strict" }), null);
  assertEquals(engineConflict({ ...tls, http: "deno" }), null);
  const choice = chooseEngine(tls, ["tcp"], found);
  assertEquals(choice.engine, found());
  assertEquals(
    engineConflict({ ...tls, worker_class: "sync" }),
    "Cannot use --certfile/--keyfile with -k sync: TLS is served by -k async only; use -k " +
      "async, or terminate TLS in a proxy",
  );
  assertEquals(
    engineConflict({ ...tls, keyfile: null }),
    "Cannot use --certfile without --keyfile: TLS needs both; add --keyfile or drop --certfile",
  );
});
