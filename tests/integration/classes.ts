/**
 * @module What every integration test that runs "on each worker class" loops over, and the one
 * raw-socket reader they share.
 */

/** The worker classes and engines whose shared behaviour the integration suite checks. */
export const WORKER_CLASSES = {
  sync: ["-k", "sync"],
  "async --http strict": ["-k", "async", "--http", "strict"],
  "async --http deno": ["-k", "async", "--http", "deno"],
} as const;

/**
 * {@link WORKER_CLASSES} plus Deno's engine on its fallback accept path (poll + accept4, as when
 * the graft of lib/workers/deno/graft.ts is unavailable): what the ops tests (zero loss on
 * HUP/TTOU/max-requests) run on. The rest of the suite runs the default (grafted) path only.
 */
export const OPS_CLASSES = {
  ...WORKER_CLASSES,
  "async --http deno (poll accept)": [
    "-k",
    "async",
    "--http",
    "deno",
    "-e",
    "DENOCORN_DENO_GRAFT=0",
  ],
} as const;

/** A name of {@link WORKER_CLASSES}. */
export type WorkerClass = keyof typeof WORKER_CLASSES;

/** The names of {@link WORKER_CLASSES}, in order. */
export const CLASS_NAMES = Object.keys(WORKER_CLASSES) as WorkerClass[];

/** The async entries of {@link WORKER_CLASSES} (both engines). */
export const ASYNC_CLASSES = CLASS_NAMES.filter((k) => k.startsWith("async"));

/** What {@link readUntil} read, and whether the peer closed (or reset) before `done` held. */
export interface ReadResult {
  text: string;
  /** The read ended before `done` held: the peer closed or reset, or the time ran out. */
  closed: boolean;
  /** The time ran out (then `closed` is true as well: `readUntil` closed the connection). */
  timedOut: boolean;
}

const dec = new TextDecoder();

/**
 * Reads from `conn` until `done(text)` holds, the peer closes or resets, or `timeoutMs` passes
 * (then `conn` is closed, and `closed` and `timedOut` are true).
 */
export async function readUntil(
  conn: Deno.Conn,
  done: (text: string) => boolean,
  timeoutMs = 5000,
): Promise<ReadResult> {
  let text = "";
  let closed = false;
  let timedOut = false;
  const buf = new Uint8Array(65536);
  const timer = setTimeout(() => {
    timedOut = true;
    conn.close();
  }, timeoutMs);
  try {
    while (!done(text)) {
      const n = await conn.read(buf).catch(() => null);
      if (n === null) {
        closed = true;
        break;
      }
      text += dec.decode(buf.subarray(0, n));
    }
  } finally {
    clearTimeout(timer);
  }
  return { text, closed, timedOut };
}
