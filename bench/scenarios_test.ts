/** @module Tests of the scenario table's HTTPS scenario and how a scenario picks its peers. */

import { deepStrictEqual, strictEqual } from "node:assert/strict";
import { PEERS } from "./peer_table.ts";
import { scenarioPeers, SCENARIOS, scenarioUrl } from "./scenarios.ts";

function scenario(name: string) {
  const s = SCENARIOS.find((x) => x.name === name);
  if (s === undefined) throw new Error(`no scenario ${name}`);
  return s;
}

Deno.test("https-keepalive is hello-keepalive over HTTPS, run by default, with a target", () => {
  const https = scenario("https-keepalive"), plain = scenario("hello-keepalive");
  strictEqual(https.https, true);
  strictEqual(plain.https, undefined);
  for (const k of ["driver", "path", "threads", "connections"] as const) {
    strictEqual(https[k], plain[k], k);
  }
  deepStrictEqual(https.headers, plain.headers);
  strictEqual(https.extra, undefined);
  deepStrictEqual(https.targets, [
    { peer: "denocorn-async", against: "deno-reuseport", ratio: 0.8, metric: "rps" },
  ]);
});

Deno.test("an HTTPS scenario takes only the peers that serve HTTPS; the others take theirs", () => {
  strictEqual(
    scenarioPeers(scenario("https-keepalive"), PEERS).map((p) => p.name).join(),
    "denocorn-async,denocorn-async-strict,gunicorn-sync,gunicorn-gthread,deno-reuseport,nginx",
  );
  strictEqual(scenarioPeers(scenario("hello-keepalive"), PEERS).length, PEERS.length);
  strictEqual(
    scenarioPeers(scenario("file-100m"), PEERS).map((p) => p.name).join(),
    "denocorn-sync,denocorn-async,denocorn-async-strict,deno-serve-parallel,deno-reuseport",
  );
  // Every target names peers that take part in its scenario.
  for (const s of SCENARIOS) {
    const names = scenarioPeers(s, PEERS).map((p) => p.name);
    for (const t of s.targets) {
      strictEqual(names.includes(t.peer) && names.includes(t.against), true, `${s.name}`);
    }
  }
});

Deno.test("scenarioUrl() says https for an HTTPS scenario, always on 127.0.0.1", () => {
  strictEqual(scenarioUrl(scenario("https-keepalive"), 8443, "/"), "https://127.0.0.1:8443/");
  strictEqual(scenarioUrl(scenario("body-64k"), "PORT", "/64k"), "http://127.0.0.1:PORT/64k");
});
