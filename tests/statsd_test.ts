import dgram from "node:dgram";
import { assertEquals, assertThrows } from "./_assert.ts";
import {
  logMetric,
  parseStatsdHost,
  requestMetrics,
  StatsdClient,
  workersGauge,
} from "../lib/statsd.ts";

Deno.test("parseStatsdHost() reads host and port, defaulting to 8125", () => {
  assertEquals(parseStatsdHost("localhost:9125"), { host: "localhost", port: 9125 });
  assertEquals(parseStatsdHost("10.0.0.1"), { host: "10.0.0.1", port: 8125 });
  assertEquals(parseStatsdHost("[::1]:8126"), { host: "::1", port: 8126 });
  assertThrows(() => parseStatsdHost("a:b:c"), RangeError);
  assertThrows(() => parseStatsdHost("host:99999"), RangeError);
});

Deno.test("StatsdClient sends gunicorn's metric names with the prefix", async () => {
  const server = dgram.createSocket("udp4");
  const got: string[] = [];
  const received = new Promise<void>((resolve) => {
    server.on("message", (msg) => {
      got.push(...msg.toString().split("\n"));
      if (got.length >= 5) resolve();
    });
  });
  await new Promise<void>((r) => server.bind(0, "127.0.0.1", () => r()));
  const port = server.address().port;
  const client = new StatsdClient(`127.0.0.1:${port}`, "web");
  try {
    client.send(...requestMetrics(404, 12.6));
    client.send(workersGauge(3), logMetric("error"));
    const timeout = setTimeout(() => server.close(), 5000);
    await received;
    clearTimeout(timeout);
    assertEquals(
      got.sort(),
      [
        "web.gunicorn.requests:1|c",
        "web.gunicorn.request.duration:13|ms",
        "web.gunicorn.request.status.404:1|c",
        "web.gunicorn.workers:3|g",
        "web.gunicorn.log.error:1|c",
      ].sort(),
    );
  } finally {
    client.close();
    server.close();
  }
});

Deno.test("StatsdClient reports a send failure once and never throws", () => {
  const errors: Error[] = [];
  const client = new StatsdClient("256.256.256.256:1", "", (e) => errors.push(e));
  client.send(workersGauge(1));
  client.send(workersGauge(2));
  client.close();
  assertEquals(errors.length <= 1, true);
});
