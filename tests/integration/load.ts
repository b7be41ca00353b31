/**
 * @module A bounded load generator for tests: plain HTTP/1.1 clients checking every response,
 * either one request per connection or keep-alive clients that never retry a failed request.
 */

/** What a load run saw. */
export interface LoadResult {
  ok: number;
  /** One line per failed, reset or truncated request. */
  failures: string[];
  /** Distinct worker pids that answered (the app's /pid path). */
  pids: Set<number>;
  /** Requests answered on a connection that had already carried one (keep-alive clients). */
  reused: number;
}

const enc = new TextEncoder();
const dec = new TextDecoder();
const REQUEST = enc.encode("GET /pid HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");

/** One request on a fresh connection; returns the answering pid or throws why it failed. */
export async function getPid(port: number): Promise<number> {
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
    const text = dec.decode(new Uint8Array(chunks.flatMap((c) => [...c])));
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

/** A kept-alive connection that reads responses framed by Content-Length. */
class KeptConnection {
  #conn: Deno.Conn;
  #buf = new Uint8Array(0);
  /** Requests answered on it so far. */
  served = 0;
  /** When it last finished a response (performance clock). */
  idleSince = performance.now();
  /** The server's `Keep-Alive: timeout=N`, in ms (Infinity until it says). */
  idleLimit = Infinity;

  private constructor(conn: Deno.Conn) {
    this.#conn = conn;
  }

  static async open(port: number): Promise<KeptConnection> {
    return new KeptConnection(await Deno.connect({ hostname: "127.0.0.1", port }));
  }

  async #fill(): Promise<void> {
    const chunk = new Uint8Array(65536);
    const n = await this.#conn.read(chunk);
    if (n === null) throw new Error("EOF before the whole response");
    const next = new Uint8Array(this.#buf.byteLength + n);
    next.set(this.#buf);
    next.set(chunk.subarray(0, n), this.#buf.byteLength);
    this.#buf = next;
  }

  /** Sends one request and reads its response; returns the body and whether the server keeps it. */
  async exchange(head: string, body: Uint8Array | null): Promise<{ body: string; keep: boolean }> {
    const timer = setTimeout(() => this.close(), 10_000);
    try {
      return await this.#exchange(head, body);
    } finally {
      clearTimeout(timer);
    }
  }

  async #exchange(head: string, body: Uint8Array | null): Promise<{ body: string; keep: boolean }> {
    await this.#conn.write(enc.encode(head));
    if (body !== null) await this.#conn.write(body);
    let end: number;
    while ((end = dec.decode(this.#buf).indexOf("\r\n\r\n")) < 0) await this.#fill();
    const text = dec.decode(this.#buf.subarray(0, end + 4)).toLowerCase();
    if (!text.startsWith("http/1.1 200 ")) throw new Error(`bad response ${text.slice(0, 40)}`);
    const length = Number(/\r\ncontent-length: (\d+)/.exec(text)?.[1] ?? NaN);
    while (this.#buf.byteLength < end + 4 + length) await this.#fill();
    const got = dec.decode(this.#buf.subarray(end + 4, end + 4 + length));
    this.#buf = this.#buf.slice(end + 4 + length);
    const timeout = /\r\nkeep-alive: timeout=(\d+)/.exec(text);
    if (timeout !== null) this.idleLimit = Number(timeout[1]) * 1000;
    this.served++;
    this.idleSince = performance.now();
    return { body: got, keep: !text.includes("\r\nconnection: close\r\n") };
  }

  close(): void {
    try {
      this.#conn.close();
    } catch { /* closed */ }
  }
}

const POST_BODY = new Uint8Array(1024 * 1024).fill(120);
const POST_EVERY = 10;

/**
 * A keep-alive client as a pool would be: reuses its connection unless the server said
 * `Connection: close` or it has been idle for the advertised keep-alive time (less a margin),
 * and never retries; every 10th request is a 1 MiB POST to /echo-len, the rest GET /pid.
 */
async function keepAliveLoop(port: number, result: LoadResult, running: () => boolean) {
  let conn: KeptConnection | null = null;
  for (let i = 1; running(); i++) {
    try {
      if (conn !== null && performance.now() - conn.idleSince > conn.idleLimit - 500) {
        conn.close();
        conn = null;
      }
      conn ??= await KeptConnection.open(port);
      const reused = conn.served > 0;
      const post = i % POST_EVERY === 0;
      const head = post
        ? `POST /echo-len HTTP/1.1\r\nHost: x\r\nContent-Length: ${POST_BODY.byteLength}\r\n\r\n`
        : "GET /pid HTTP/1.1\r\nHost: x\r\n\r\n";
      const r = await conn.exchange(head, post ? POST_BODY : null);
      if (post && r.body !== String(POST_BODY.byteLength)) throw new Error(`echo ${r.body}`);
      if (!post) result.pids.add(Number(r.body));
      result.ok++;
      if (reused) result.reused++;
      if (!r.keep) {
        conn.close();
        conn = null;
      }
    } catch (e) {
      result.failures.push(`keep-alive: ${(e as Error).message}`);
      conn?.close();
      conn = null;
    }
  }
  conn?.close();
}

/** How many clients of each kind {@link holdLoad} runs. */
export interface Clients {
  /** Clients sending one request per connection. */
  close?: number;
  /** Keep-alive clients (see {@link keepAliveLoop}). */
  keepAlive?: number;
}

/**
 * Runs request loops against `port` while `during` runs, then stops them and reports. A number
 * means that many one-request-per-connection clients. `during` sees the result as it grows.
 */
export async function holdLoad(
  port: number,
  clients: number | Clients,
  during: (live: LoadResult) => Promise<void>,
): Promise<LoadResult> {
  const { close = 0, keepAlive = 0 } = typeof clients === "number" ? { close: clients } : clients;
  const result: LoadResult = { ok: 0, failures: [], pids: new Set(), reused: 0 };
  let running = true;
  const closeLoop = async () => {
    while (running) {
      try {
        result.pids.add(await getPid(port));
        result.ok++;
      } catch (e) {
        result.failures.push((e as Error).message);
      }
    }
  };
  const loops = [
    ...Array.from({ length: close }, closeLoop),
    ...Array.from({ length: keepAlive }, () => keepAliveLoop(port, result, () => running)),
  ];
  try {
    await during(result);
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
