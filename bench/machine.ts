// deno-lint-ignore-file no-console
/**
 * @module What a benchmark run measures besides load: the machine's facts for the report, the
 * 100 MiB file of the download scenario, the throwaway certificate of the HTTPS scenario, and
 * each server's worker RSS after a short load.
 */

import { selfSigned } from "../tests/integration/pki.ts";
import { descendants, freePort, type Peer, type TlsFiles } from "./peers.ts";
import { versionOf } from "./peer_table.ts";
import type { MachineFacts, RssRow } from "./report.ts";
import { runWrk } from "./wrk.ts";

/** The machine and tool versions recorded with the figures. */
export async function machineFacts(): Promise<MachineFacts> {
  const read = (p: string) => {
    try {
      return Deno.readTextFileSync(p).trim();
    } catch {
      return "?";
    }
  };
  const cpu = /^model name\s*:\s*(.+)$/m.exec(read("/proc/cpuinfo"))?.[1] ?? Deno.build.arch;
  const nproc = Number(
    (await versionOf({ bin: "nproc", versionArgs: [] })) ?? navigator.hardwareConcurrency,
  );
  return {
    date: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
    cpu,
    nproc,
    kernel: `${Deno.build.os} ${Deno.osRelease()}`,
    deno:
      `deno ${Deno.version.deno} (v8 ${Deno.version.v8}, typescript ${Deno.version.typescript})`,
    gunicorn: (await versionOf({ bin: "gunicorn", versionArgs: ["--version"] })) ??
      "gunicorn: not installed",
    python: (await versionOf({ bin: "python3", versionArgs: ["--version"] })) ??
      "python3: not installed",
    wrk: ((await versionOf({ bin: "wrk", versionArgs: ["--version"] })) ?? "wrk: not installed")
      .replace(/\s*Copyright.*$/, ""),
    net:
      `ip_local_port_range ${
        read("/proc/sys/net/ipv4/ip_local_port_range").replace(/\s+/g, "-")
      }, ` +
      `tcp_tw_reuse ${read("/proc/sys/net/ipv4/tcp_tw_reuse")}, somaxconn ${
        read("/proc/sys/net/core/somaxconn")
      }`,
  };
}

/** The 100 MiB file the download scenario serves (BENCH_FILE, default in /tmp). */
export async function ensureBenchFile(): Promise<void> {
  const path = Deno.env.get("BENCH_FILE") ?? "/tmp/denocorn-bench-100m.bin";
  const size = 100 * 1024 * 1024;
  if ((await Deno.stat(path).catch(() => null))?.size === size) return;
  const chunk = new Uint8Array(1024 * 1024).map((_, i) => (i * 7) & 0xff);
  using file = await Deno.open(path, { write: true, create: true, truncate: true });
  for (let i = 0; i < 100; i++) await file.write(chunk);
}

/** The HTTPS scenario's certificate; disposing of it removes its directory. */
export interface BenchCert extends TlsFiles, AsyncDisposable {
  dir: string;
}

/**
 * A throwaway self-signed certificate for localhost and 127.0.0.1 (EC P-256, CA:FALSE, 1 day;
 * made by tests/integration/pki.ts) in a new temporary directory.
 */
export async function makeBenchCert(): Promise<BenchCert> {
  const dir = await Deno.makeTempDir({ prefix: "denocorn-bench-tls-" });
  const remove = () => Deno.remove(dir, { recursive: true }).catch(() => {});
  try {
    const { cert, key } = await selfSigned(dir, "localhost");
    return {
      dir,
      certFile: cert,
      keyFile: key,
      certPem: await Deno.readTextFile(cert),
      [Symbol.asyncDispose]: remove,
    };
  } catch (e) {
    await remove();
    throw e;
  }
}

/** VmRSS in KiB of a process, or 0 when it is gone. */
function rssKiB(pid: number): number {
  try {
    return Number(/^VmRSS:\s+(\d+)/m.exec(Deno.readTextFileSync(`/proc/${pid}/status`))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/** 7: each peer's worker RSS after a short keep-alive hello load. */
export async function measureRss(
  peers: Peer[],
  ctx: { root: string; workers: number },
  signal: AbortSignal,
): Promise<RssRow[]> {
  const rows: RssRow[] = [];
  for (const peer of peers) {
    if (peer.name === "nginx") continue;
    const port = freePort();
    let server;
    try {
      server = await peer.start({ root: ctx.root, port, workers: ctx.workers, signal });
    } catch (e) {
      console.error(`  ${peer.name}: start failed: ${(e as Error).message.split("\n")[0]}`);
      continue;
    }
    try {
      await runWrk({
        url: `http://127.0.0.1:${port}/`,
        threads: 2,
        connections: 32,
        durationSec: 2,
        headers: [],
        signal,
      });
      const tops = server.pids;
      const kids = tops.flatMap((p) => descendants(p).map((d) => d.pid));
      // Workers: the children when the server forks them, else its own processes.
      const workers = kids.length > 0 ? kids.filter((p) => rssKiB(p) > 0) : tops;
      const all = [...tops, ...kids];
      rows.push({
        name: peer.name,
        label: peer.label,
        workersKiB: workers.map(rssKiB).filter((k) => k > 0),
        totalKiB: all.reduce((a, p) => a + rssKiB(p), 0),
      });
      console.error(
        `  ${peer.name.padEnd(20)} workers ${workers.length}, RSS ${
          workers.map((p) => Math.round(rssKiB(p) / 1024)).join(", ")
        } MiB`,
      );
    } catch (e) {
      console.error(`  ${peer.name}: ${(e as Error).message.split("\n")[0]}`);
    } finally {
      await server.stop();
    }
  }
  return rows;
}
