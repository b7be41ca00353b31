/** @module A bounded load generator for tests: N plain HTTP/1.1 clients checking every response. */

/** What a load run saw. */
export interface LoadResult {
  ok: number;
  /** One line per failed, reset or truncated request. */
  failures: string[];
  /** Distinct worker pids that answered (the app's /pid path). */
  pids: Set<number>;
}

const REQUEST = new TextEncoder().encode(
  "GET /pid HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
);

/** One request on a fresh connection; returns the answering pid or throws why it failed. */
async function once(port: number): Promise<number> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const timer = setTimeout(() => conn.close(), 10_000);
  try {
    await conn.write(REQUEST);
    const chunks: Uint8Array[] = [];
    const buf = new Uint8Array(4096);
    for (;;) {
      const n = await conn.read(buf);
      if (n === null) break;
      chunks.push(buf.slice(0, n));
    }
    const text = new TextDecoder().decode(new Uint8Array(chunks.flatMap((c) => [...c])));
    const split = text.indexOf("\r\n\r\n");
    if (!text.startsWith("HTTP/1.1 200 ") || split < 0) {
      throw new Error(`bad response ${JSON.stringify(text.slice(0, 80))}`);
    }
    const length = Number(/\r\ncontent-length: (\d+)/i.exec(text.slice(0, split))?.[1] ?? NaN);
    const body = text.slice(split + 4);
    if (body.length !== length || !/^\d+$/.test(body)) {
      throw new Error(`truncated body ${JSON.stringify(body)}`);
    }
    return Number(body);
  } finally {
    clearTimeout(timer);
    try {
      conn.close();
    } catch { /* closed */ }
  }
}

/**
 * Runs `clients` request loops against `port` while `during` runs, then stops them and reports.
 * Each loop sends one request per connection, as fast as the server answers.
 */
export async function holdLoad(
  port: number,
  clients: number,
  during: () => Promise<void>,
): Promise<LoadResult> {
  const result: LoadResult = { ok: 0, failures: [], pids: new Set() };
  let running = true;
  const loop = async () => {
    while (running) {
      try {
        result.pids.add(await once(port));
        result.ok++;
      } catch (e) {
        result.failures.push((e as Error).message);
      }
    }
  };
  const loops = Array.from({ length: clients }, loop);
  try {
    await during();
  } finally {
    running = false;
    await Promise.all(loops);
  }
  return result;
}

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
