// deno-lint-ignore-file no-console
/**
 * @module `deno task bench [--rounds N] [--duration S] [--only a,b] [--scenario x] [--write]`:
 * starts every peer in turn on 127.0.0.1, drives it with wrk, interleaving the servers across
 * rounds, and prints a table of median req/s (with range), latency, errors and ratios. With
 * `--write` it also rewrites docs/benchmarks.md. Every process it starts is stopped by pid.
 */

import { parseArgs } from "node:util";
import {
  type BenchCert,
  ensureBenchFile,
  machineFacts,
  makeBenchCert,
  measureRss,
} from "./machine.ts";
import { freePort, type Peer, stopAll, type TlsFiles } from "./peers.ts";
import { BASELINE, missingRequirement, PEERS, versionOf } from "./peer_table.ts";
import { barChart } from "./chart.ts";
import { runMixed, toSample } from "./mixed_client.ts";
import { openLoopSample, runOpenLoop } from "./open_loop.ts";
import {
  markdown,
  median,
  type PeerRuns,
  type Report,
  type RssRow,
  rssTable,
  type ScenarioResult,
  scenarioSection,
} from "./report.ts";
import { type Scenario, scenarioPeers, SCENARIOS, scenarioUrl } from "./scenarios.ts";
import { checkRssTargets, checkTargets, type RssTarget, targetLine } from "./targets.ts";
import { runWrk, socketErrorCount, wrkArgs } from "./wrk.ts";

const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const DOC = `${ROOT}/docs/benchmarks.md`;
const CHART = `${ROOT}/docs/benchmarks.svg`;
/** The peer whose single process is "a bare Deno.serve process" for the memory target. */
const RSS_BASELINE = "deno-reuseport";
/** Every denocorn worker class (and engine) holds its workers within 1.2x of that process. */
const RSS_TARGET: RssTarget = {
  peers: ["denocorn-sync", "denocorn-async", "denocorn-async-strict"],
  ratio: 1.2,
};

const USAGE = `usage: deno task bench [options]

  --rounds N        rounds; each runs every server once, in rotated order (default 3)
  --duration S      seconds of wrk per server per round (default 3; blocked-loop: 8 at least)
  --warmup S        seconds of unrecorded wrk after each start (default 1, 0 = none)
  --workers N       worker processes per server (default 2)
  --only a,b        servers to run (default all): ${PEERS.map((p) => p.name).join(", ")}
  --scenario a,b    scenarios to run, or all (default: those with targets):
                    ${SCENARIOS.map((s) => s.name + (s.extra ? " (extra)" : "")).join(", ")}
  --no-rss          skip the memory measurement (7)
  --write           rewrite docs/benchmarks.md and docs/benchmarks.svg with the results
  -h, --help        this text

Needs wrk (apt-get install -y wrk); peers whose program is missing are skipped.`;

interface Options {
  rounds: number;
  durationSec: number;
  warmupSec: number;
  workers: number;
  peers: Peer[];
  scenarios: Scenario[];
  write: boolean;
  rss: boolean;
}

class UsageError extends Error {}

function positiveInt(name: string, v: string | undefined, dflt: number, min = 1): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) {
    throw new UsageError(`--${name} wants an integer >= ${min}, got ${v}`);
  }
  return n;
}

function pick<T extends { name: string }>(what: string, table: readonly T[], list?: string): T[] {
  if (list === undefined) return [...table];
  const names = list.split(",").map((s) => s.trim()).filter((s) => s !== "");
  const unknown = names.filter((n) => !table.some((t) => t.name === n));
  if (unknown.length > 0) {
    throw new UsageError(
      `unknown ${what} ${unknown.join(", ")}; known: ${table.map((t) => t.name).join(", ")}`,
    );
  }
  return table.filter((t) => names.includes(t.name));
}

function parseOptions(args: string[]): Options | null {
  const { values } = parseArgs({
    args,
    options: {
      rounds: { type: "string" },
      duration: { type: "string" },
      warmup: { type: "string" },
      workers: { type: "string" },
      only: { type: "string" },
      scenario: { type: "string" },
      write: { type: "boolean", default: false },
      "no-rss": { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) return null;
  return {
    rounds: positiveInt("rounds", values.rounds, 3),
    durationSec: positiveInt("duration", values.duration, 3),
    warmupSec: positiveInt("warmup", values.warmup, 1, 0),
    workers: positiveInt("workers", values.workers, 2),
    peers: pick("server", PEERS, values.only),
    scenarios: values.scenario === "all"
      ? [...SCENARIOS]
      : values.scenario === undefined
      ? SCENARIOS.filter((s) => !s.extra)
      : pick("scenario", SCENARIOS, values.scenario),
    write: values.write ?? false,
    rss: !(values["no-rss"] ?? false),
  };
}

function fmtMs(ms: number): string {
  return ms < 1 ? `${(ms * 1000).toFixed(0)}us` : `${ms.toFixed(2)}ms`;
}

/** One measurement: fresh server on a fresh port, warm-up, wrk, stop. */
async function measure(
  peer: Peer,
  scenario: Scenario,
  opts: Options,
  runs: PeerRuns,
  signal: AbortSignal,
  script: string | null,
  tls: TlsFiles | null,
): Promise<void> {
  const port = freePort();
  let server;
  try {
    server = await peer.start({
      root: ROOT,
      port,
      workers: opts.workers,
      signal,
      ...(tls === null ? {} : { tls }),
    });
  } catch (e) {
    if (signal.aborted) throw e;
    const msg = `start failed: ${(e as Error).message}`;
    runs.failures.push(msg);
    console.error(`  ${peer.name}: ${msg}`);
    return;
  }
  try {
    const once = async (durationSec: number, warmup = false) => {
      if (scenario.driver === "mixed") {
        return toSample(await runMixed(port, scenario.connections, durationSec, scenario.path));
      }
      if (scenario.openLoop !== undefined) {
        const { rate, blockEvery, blockPath, minDurationSec } = scenario.openLoop;
        // The warm-up (shorter than minDurationSec) stays short; a measurement never is.
        const sec = warmup ? durationSec : Math.max(durationSec, minDurationSec);
        return openLoopSample(
          await runOpenLoop(port, {
            rate,
            durationSec: sec,
            blockEvery,
            fastPath: scenario.path,
            blockPath,
            ...(tls === null ? {} : { caCerts: [tls.certPem] }),
          }),
        );
      }
      const path = scenario.paths?.[peer.family] ?? scenario.path;
      return await runWrk({
        url: scenarioUrl(scenario, port, path),
        threads: scenario.threads,
        connections: scenario.connections,
        durationSec,
        headers: scenario.headers,
        ...(script === null ? {} : { script }),
        signal,
      });
    };
    if (opts.warmupSec > 0) await once(opts.warmupSec, true);
    const r = await once(opts.durationSec);
    runs.samples.push(r);
    const errs = socketErrorCount(r.socketErrors);
    console.error(
      `  ${peer.name.padEnd(20)} ${Math.round(r.requestsPerSec).toString().padStart(7)} req/s  ` +
        `p50 ${fmtMs(r.latency.p50Ms)}  p99 ${fmtMs(r.latency.p99Ms)}  ` +
        `non-2xx ${r.non2xx}  socket errors ${errs}`,
    );
  } catch (e) {
    if (signal.aborted) throw e;
    const msg = `load failed: ${(e as Error).message}`;
    runs.failures.push(msg);
    console.error(`  ${peer.name}: ${msg}`);
  } finally {
    await server.stop();
  }
}

/** A note naming the scenarios this run left out, if any. */
function notRun(ran: readonly Scenario[]): string[] {
  const left = SCENARIOS.filter((s) => !ran.includes(s)).map((s) => s.name);
  return left.length === 0
    ? []
    : [`Not run this time (\`--scenario all\` runs them): ${left.join(", ")}.`];
}

/** The load command of a scenario as the report shows it. */
function driverCommand(scenario: Scenario, durationSec: number): string {
  return scenario.openLoop !== undefined
    ? `bench/open_loop.ts: ${scenario.openLoop.rate} arrivals/s for ` +
      `${Math.max(durationSec, scenario.openLoop.minDurationSec)} s, every ` +
      `${scenario.openLoop.blockEvery}th GET ${scenario.openLoop.blockPath}, the rest GET ` +
      `${scenario.path}, each on a new connection with Connection: close`
    : scenario.driver === "mixed"
    ? `bench/mixed_client.ts: ${scenario.connections} clients, ${durationSec} s, ` +
      `every 20th request GET /slow, the rest GET ${scenario.path}, Connection: close`
    : "wrk " +
      wrkArgs({
        url: scenarioUrl(scenario, "PORT", scenario.path),
        threads: scenario.threads,
        connections: scenario.connections,
        durationSec,
        headers: scenario.headers.map((h) => `"${h}"`),
        ...(scenario.script === undefined ? {} : { script: "post.lua" }),
      }).join(" ");
}

/**
 * The HTTPS scenario's certificate, or why there is none, in the skip line's form: its servers are
 * then shown as skipped with that reason.
 */
async function benchCert(): Promise<BenchCert | string> {
  try {
    return await makeBenchCert();
  } catch (e) {
    const why = `https: skipped, the certificate could not be made: ${
      (e as Error).message.split("\n")[0]
    }`;
    console.error(why);
    return why;
  }
}

/** Writes docs/benchmarks.md and the chart, in `deno fmt`'s canonical form. */
async function writeDocs(report: Report): Promise<void> {
  await Deno.writeTextFile(DOC, markdown(report));
  await Deno.writeTextFile(
    CHART,
    // Open-loop runs answer at the arrival rate, so their req/s says nothing; no bars.
    barChart(
      report.scenarios.filter((s) => s.driver !== "open-loop").map((s) => ({
        title: s.description,
        bars: s.runs.flatMap((r) =>
          r.samples.length === 0
            ? []
            : [{ label: r.label, value: median(r.samples.map((x) => x.requestsPerSec)) }]
        ),
      })),
    ),
  );
  // `deno fmt --check` runs over the whole repo; leave the doc in its canonical form.
  const fmt = await new Deno.Command(Deno.execPath(), {
    args: ["fmt", "--quiet", DOC, CHART],
    cwd: ROOT,
    stdin: "null",
  }).output();
  if (!fmt.success) console.error(`deno fmt ${DOC} failed (code ${fmt.code})`);
}

async function bench(opts: Options, signal: AbortSignal): Promise<number> {
  if ((await versionOf({ bin: "wrk", versionArgs: ["--version"] })) === null) {
    console.error(
      "wrk not found; install it with: apt-get install -y wrk   (no numbers without it)",
    );
    return 1;
  }
  const skipped = new Map<string, string>();
  for (const p of opts.peers) {
    const why = await missingRequirement(p);
    if (why !== null) {
      skipped.set(p.name, why);
      console.error(why);
    }
  }
  const results: ScenarioResult[] = [];
  if (opts.scenarios.some((s) => s.name === "file-100m")) await ensureBenchFile();
  // The HTTPS scenario's throwaway certificate, removed when the run ends however it ends.
  const certOrWhy = opts.scenarios.some((s) => s.https) ? await benchCert() : null;
  await using cert = typeof certOrWhy === "string" ? null : certOrWhy;
  for (const scenario of opts.scenarios) {
    const peers = scenarioPeers(scenario, opts.peers);
    const tls = scenario.https ? cert : null;
    const noTls = scenario.https && typeof certOrWhy === "string" ? certOrWhy : null;
    let script: string | null = null;
    if (scenario.script !== undefined) {
      script = await Deno.makeTempFile({ suffix: ".lua" });
      await Deno.writeTextFile(script, scenario.script);
    }
    const runs = new Map<string, PeerRuns>(
      peers.map((p) => {
        const r: PeerRuns = { name: p.name, label: p.label, samples: [], failures: [] };
        const why = noTls ?? skipped.get(p.name);
        if (why !== undefined) r.skipped = why.replace(/^[^:]*: (skipped, )?/, "");
        return [p.name, r];
      }),
    );
    const active = noTls === null ? peers.filter((p) => !skipped.has(p.name)) : [];
    console.error(
      `scenario ${scenario.name}: ${opts.rounds} rounds x ${opts.durationSec}s, ` +
        `servers ${active.map((p) => p.name).join(", ") || "(none)"}`,
    );
    for (let round = 0; round < opts.rounds; round++) {
      const order = active.map((_, i) => active[(i + round) % active.length]!);
      console.error(`round ${round + 1}/${opts.rounds}: ${order.map((p) => p.name).join(" ")}`);
      for (const peer of order) {
        if (signal.aborted) throw new Error("interrupted");
        await measure(peer, scenario, opts, runs.get(peer.name)!, signal, script, tls);
      }
    }
    if (script !== null) await Deno.remove(script);
    results.push({
      name: scenario.name,
      driver: scenario.driver,
      description: scenario.description,
      wrkCommand: driverCommand(scenario, opts.durationSec),
      apps: [],
      targets: scenario.targets,
      runs: [...runs.values()],
    });
  }

  let rss: RssRow[] = [];
  if (opts.rss) {
    console.error("memory: worker RSS after a 2 s keep-alive load");
    rss = await measureRss(
      opts.peers.filter((p) => !skipped.has(p.name)),
      { root: ROOT, workers: opts.workers },
      signal,
    );
  }
  const checks = [
    ...results.flatMap(checkTargets),
    ...(opts.rss ? checkRssTargets(rss, RSS_BASELINE, RSS_TARGET) : []),
  ];
  console.log("");
  for (const s of results) console.log(scenarioSection(s, BASELINE, checks) + "\n");
  if (rss.length > 0) console.log(rssTable(rss, RSS_BASELINE) + "\n");
  for (const c of checks) console.log(targetLine(c));

  if (opts.write) {
    const report: Report = {
      facts: await machineFacts(),
      command: ["deno task bench", ...Deno.args].join(" "),
      rounds: opts.rounds,
      durationSec: opts.durationSec,
      workers: opts.workers,
      peers: opts.peers.map((p) => ({
        label: p.label,
        command: p.command.replaceAll("{workers}", String(opts.workers)),
        ...(p.https === undefined ? {} : { https: p.https }),
      })),
      scenarios: results,
      baseline: BASELINE,
      notes: [
        ...skipped.values(),
        ...(typeof certOrWhy === "string" ? [certOrWhy] : []),
        ...notRun(opts.scenarios),
      ],
      rss,
      rssBaseline: RSS_BASELINE,
      checks,
    };
    await writeDocs(report);
    console.log(`wrote ${DOC}`);
  }
  const anyFailure = results.some((s) => s.runs.some((r) => r.failures.length > 0));
  return anyFailure ? 1 : 0;
}

async function main(): Promise<number> {
  let opts: Options | null;
  try {
    opts = parseOptions(Deno.args);
  } catch (e) {
    console.error(`error: ${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (opts === null) {
    console.log(USAGE);
    return 0;
  }
  const ctrl = new AbortController();
  const onSignal = () => {
    if (ctrl.signal.aborted) return;
    console.error("\ninterrupted: stopping the servers");
    ctrl.abort();
  };
  const signals: Deno.Signal[] = ["SIGINT", "SIGTERM"];
  for (const s of signals) Deno.addSignalListener(s, onSignal);
  try {
    return await bench(opts, ctrl.signal);
  } catch (e) {
    if (ctrl.signal.aborted) return 130;
    throw e;
  } finally {
    await stopAll();
    for (const s of signals) Deno.removeSignalListener(s, onSignal);
  }
}

if (import.meta.main) Deno.exit(await main());
