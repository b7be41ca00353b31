import { deepStrictEqual, strictEqual, throws } from "node:assert/strict";
import { parseCount, parseDurationMs, parseWrk, wrkArgs, WrkParseError } from "./wrk.ts";

// Real wrk 4.1.0 output (Deno.serve answering 500 on 127.0.0.1).
const NON2XX = `Running 1s test @ http://127.0.0.1:18931/e
  1 threads and 4 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    62.93us  195.85us   3.41ms   97.54%
    Req/Sec   102.78k    13.43k  113.17k    90.91%
  Latency Distribution
     50%   31.00us
     75%   42.00us
     90%   56.00us
     99%    1.09ms
  112028 requests in 1.10s, 14.42MB read
  Non-2xx or 3xx responses: 112028
Requests/sec: 101904.50
Transfer/sec:     13.12MB
`;

// Shape of a run with socket errors, large counts and second-scale latencies.
const ERRORS = `Running 1m test @ http://127.0.0.1:8000/
  2 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.50ms    2.00ms    1.02m    99.00%
    Req/Sec    10.00k     1.00k    12.00k    70.00%
  Latency Distribution
     50%    1.10ms
     75%    1.40ms
     90%    1.80ms
     99%    2.00s
  1.20M requests in 1.00m, 150.00MB read
  Socket errors: connect 1, read 22, write 3, timeout 4
Requests/sec:  20000.00
Transfer/sec:      2.50MB
`;

Deno.test("parseDurationMs reads every wrk time unit", () => {
  strictEqual(parseDurationMs("456.00us"), 0.456);
  strictEqual(parseDurationMs("1.23ms"), 1.23);
  strictEqual(parseDurationMs("2.00s"), 2000);
  strictEqual(parseDurationMs("1.50m"), 90_000);
  strictEqual(parseDurationMs("1h"), 3_600_000);
  throws(() => parseDurationMs("1.0x"), WrkParseError);
});

Deno.test("parseCount reads wrk's metric suffixes", () => {
  strictEqual(parseCount("80000"), 80000);
  strictEqual(parseCount("1.50k"), 1500);
  strictEqual(parseCount("1.20M"), 1_200_000);
  throws(() => parseCount("-1"), WrkParseError);
});

Deno.test("parseWrk reads a clean run with non-2xx responses", () => {
  const r = parseWrk(NON2XX);
  strictEqual(r.requestsPerSec, 101904.5);
  strictEqual(r.requests, 112028);
  strictEqual(r.durationSec, 1.1);
  deepStrictEqual(r.latency, {
    avgMs: 0.06293,
    maxMs: 3.41,
    p50Ms: 0.031,
    p75Ms: 0.042,
    p90Ms: 0.056,
    p99Ms: 1.09,
  });
  strictEqual(r.non2xx, 112028);
  deepStrictEqual(r.socketErrors, { connect: 0, read: 0, write: 0, timeout: 0 });
});

Deno.test("parseWrk reads socket errors and large figures", () => {
  const r = parseWrk(ERRORS);
  strictEqual(r.requestsPerSec, 20000);
  strictEqual(r.requests, 1_200_000);
  strictEqual(r.durationSec, 60);
  strictEqual(r.latency.maxMs, 61_200);
  strictEqual(r.latency.p99Ms, 2000);
  strictEqual(r.non2xx, 0);
  deepStrictEqual(r.socketErrors, { connect: 1, read: 22, write: 3, timeout: 4 });
});

Deno.test("parseWrk refuses output without the latency distribution", () => {
  const noLatency = NON2XX.replace(/ {2}Latency Distribution\n(.*%.*\n)+/, "");
  throws(() => parseWrk(noLatency), /50% latency \(was wrk run with --latency\?\)/);
  throws(() => parseWrk("unable to connect to 127.0.0.1:1 Connection refused\n"), WrkParseError);
});

Deno.test("wrkArgs builds a bounded --latency command", () => {
  deepStrictEqual(
    wrkArgs({
      url: "http://127.0.0.1:1/",
      threads: 2,
      connections: 32,
      durationSec: 5,
      headers: ["Connection: close"],
    }),
    ["-t2", "-c32", "-d5s", "--latency", "-H", "Connection: close", "http://127.0.0.1:1/"],
  );
});
