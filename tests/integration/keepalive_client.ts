/**
 * @module A bounded keep-alive load client for tests: each client reuses its connection until a
 * response says `Connection: close`, and never retries, so every lost request shows as a failure.
 */

const enc = new TextEncoder();
const dec = new TextDecoder();

/** What a keep-alive run saw. */
export interface KeepAliveResult {
  ok: number;
  /** One line per request that got no complete response. */
  failures: string[];
  /** Distinct bodies of the answers (the app's pid for `/pid`). */
  bodies: Set<string>;
  /** Connections opened. */
  connections: number;
}

/** Reads one response (Content-Length framing); null when the peer closed first. */
async function readResponse(
  conn: Deno.Conn,
  pending: { buf: string },
): Promise<{ head: string; body: string } | null> {
  const chunk = new Uint8Array(16384);
  for (;;) {
    const split = pending.buf.indexOf("\r\n\r\n");
    if (split >= 0) {
      const head = pending.buf.slice(0, split);
      const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
      if (pending.buf.length >= split + 4 + length) {
        const body = pending.buf.slice(split + 4, split + 4 + length);
        pending.buf = pending.buf.slice(split + 4 + length);
        return { head, body };
      }
    }
    const n = await conn.read(chunk);
    if (n === null) return null;
    pending.buf += dec.decode(chunk.subarray(0, n));
  }
}

/** One client: `count` GETs of `path`, reconnecting only when told to close. */
async function client(
  port: number,
  path: string,
  opts: KeepAliveOptions,
  r: KeepAliveResult,
) {
  const request = enc.encode(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
  let conn: Deno.Conn | null = null;
  const pending = { buf: "" };
  for (let i = 0; i < opts.count && !(opts.until?.() ?? false); i++) {
    try {
      if (conn === null) {
        conn = await (opts.connect?.() ?? Deno.connect({ hostname: "127.0.0.1", port }));
        r.connections++;
        pending.buf = "";
      }
      await conn.write(request);
      const res = await readResponse(conn, pending);
      if (res === null || !res.head.startsWith("HTTP/1.1 200 ")) {
        throw new Error(res === null ? "closed before the response" : res.head.split("\r\n")[0]);
      }
      r.ok++;
      r.bodies.add(res.body);
      if (/\r\nconnection: *close/i.test(res.head)) {
        conn.close();
        conn = null;
      }
    } catch (e) {
      r.failures.push(`request ${i}: ${(e as Error).message}`);
      try {
        conn?.close();
      } catch { /* already closed */ }
      conn = null;
    }
  }
  conn?.close();
}

/** Options of a keep-alive run: `clients` clients of `count` requests (fewer once `until()`). */
export interface KeepAliveOptions {
  clients: number;
  count: number;
  path?: string;
  until?: () => boolean;
  /** Opens a connection (default: TCP to 127.0.0.1:`port`); e.g. `Deno.connectTls`. */
  connect?: () => Promise<Deno.Conn>;
}

/** Starts a keep-alive run; `state` shows its progress, `done` resolves when it ends. */
export function startKeepAliveLoad(
  port: number,
  opts: KeepAliveOptions,
): { state: KeepAliveResult; done: Promise<KeepAliveResult> } {
  const state: KeepAliveResult = { ok: 0, failures: [], bodies: new Set(), connections: 0 };
  const path = opts.path ?? "/pid";
  const clients = Array.from({ length: opts.clients }, () => client(port, path, opts, state));
  return { state, done: Promise.all(clients).then(() => state) };
}

/** Runs keep-alive clients against 127.0.0.1:`port` to the end; see {@link KeepAliveOptions}. */
export function keepAliveLoad(port: number, opts: KeepAliveOptions): Promise<KeepAliveResult> {
  return startKeepAliveLoad(port, opts).done;
}
