/**
 * @module What a worker prints before it boots: forwarded to the arbiter's stderr as it arrives,
 * and the line that names why it failed kept (see lib/workers/boot_stderr.ts for the hand-over at
 * boot, and docs/architecture.md, "Spawning workers", for why only until then).
 */

/** Terminal escape sequences (Deno colours its errors and its lockfile diff). */
// deno-lint-ignore no-control-regex
const ANSI = /\x1b\[[0-9;?]*[ -/]*[@-~]/g;
/** The longest cause line kept, in characters. */
const MAX_LINE = 300;
/** Lines Deno or denocorn print for an error: preferred over whatever was printed after. */
const ERROR_LINE = /^error:|\[(ERROR|CRITICAL)\]/i;

/**
 * The line that best names why a worker failed to boot (pure): the last error line it printed
 * (`error: …` from Deno, `[ERROR]` from denocorn), else its last non-empty line.
 */
export class CauseLine {
  #rest = "";
  #error: string | null = null;
  #last: string | null = null;

  /** Takes text as it arrives, in pieces of any size. */
  push(text: string): void {
    const parts = (this.#rest + text).split("\n");
    this.#rest = (parts.pop() ?? "").slice(-4 * MAX_LINE);
    for (const p of parts) this.#take(p);
  }

  /** The output has ended: takes the unterminated last line. */
  end(): void {
    this.#take(this.#rest);
    this.#rest = "";
  }

  /** The cause, or null when nothing was printed. */
  get line(): string | null {
    return this.#error ?? this.#last;
  }

  #take(raw: string): void {
    const line = raw.replace(ANSI, "").trim();
    if (line === "") return;
    const short = line.length > MAX_LINE ? `${line.slice(0, MAX_LINE - 1)}…` : line;
    this.#last = short;
    if (ERROR_LINE.test(line)) this.#error = short;
  }
}

/** Where forwarded output goes (the arbiter's `Deno.stderr`). */
export interface SyncWriter {
  writeSync(p: Uint8Array): number;
}

function writeAll(out: SyncWriter, bytes: Uint8Array): void {
  for (let off = 0; off < bytes.byteLength;) off += out.writeSync(bytes.subarray(off));
}

/**
 * Reads a worker's boot-time stderr to its end: each chunk is written to `out` (the arbiter's
 * stderr) and fed to `cause`. Reading never stops early, or the worker would block on a full pipe.
 */
export async function forwardBootOutput(
  stream: ReadableStream<Uint8Array>,
  opts: { cause: CauseLine; out: SyncWriter },
): Promise<void> {
  const dec = new TextDecoder();
  try {
    for await (const chunk of stream) {
      try {
        writeAll(opts.out, chunk);
      } catch { /* our stderr is gone: keep reading */ }
      opts.cause.push(dec.decode(chunk, { stream: true }));
    }
  } catch { /* the pipe broke: what was read is what there is */ }
  opts.cause.end();
}
