/**
 * @module The in-flight board between a worker and the arbiter, for timeout forensics: each
 * worker maps a small file next to its heartbeat file into memory and writes, as each request
 * reaches the app, its method, target, client and start time into a slot, cleared when the
 * request ends. Plain stores into shared memory: nothing per request but a few hundred bytes
 * copied, and the record is there even when the request holds the event loop (the case
 * `--timeout` kills a worker for) or the worker is killed. The arbiter reads the file once the
 * worker is gone and names the requests it had in flight ({@linkcode readInFlight}).
 */

import { log } from "./log.ts";
import { mapNewFile } from "./sys/mod.ts";

/** Requests recorded at once; more in flight are counted, not named. */
export const BOARD_SLOTS = 64;
/** Bytes per slot: state (4), pad (4), start in epoch ms (8), text length (2), text. */
const SLOT = 256;
const TEXT_AT = 18;
const HEADER = 64;
const SIZE = HEADER + BOARD_SLOTS * SLOT;
const MAGIC = 0x64636e31; // "dcn1"
const LIVE = 2;

/** The board file of the worker whose heartbeat file is `heartbeat`. */
export function inFlightPath(heartbeat: string): string {
  return `${heartbeat}.inflight`;
}

/** One request the worker had in flight. */
export interface InFlightRequest {
  /** `METHOD target client`, as the worker wrote it (cut to the slot's size). */
  text: string;
  /** When it reached the app (epoch ms). */
  started: number;
}

/** The worker's side: slots taken as requests start and freed as they end. */
export class InFlightBoard {
  #bytes: Uint8Array;
  #view: DataView;
  #free: number[] = [];
  #enc = new TextEncoder();
  #overflow = 0;

  private constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.#view.setUint32(0, MAGIC, true);
    for (let i = BOARD_SLOTS - 1; i >= 0; i--) this.#free.push(i);
  }

  /** Creates the board file at `path` (mode 0600); null, with a log line, when it cannot. */
  static open(path: string): InFlightBoard | null {
    try {
      return new InFlightBoard(mapNewFile(path, SIZE, 0o600));
    } catch (e) {
      log.warning(`Cannot create the in-flight board "${path}": ${(e as Error).message}`);
      return null;
    }
  }

  /** Records a request as it reaches the app; returns its slot (-1: all slots taken). */
  begin(method: string, target: string, client: string): number {
    const slot = this.#free.pop();
    if (slot === undefined) {
      this.#view.setUint32(4, ++this.#overflow, true);
      return -1;
    }
    const at = HEADER + slot * SLOT;
    const text = this.#bytes.subarray(at + TEXT_AT, at + SLOT);
    const { written } = this.#enc.encodeInto(`${method} ${target} ${client}`, text);
    this.#view.setFloat64(at + 8, Date.now(), true);
    this.#view.setUint16(at + 16, written, true);
    this.#view.setUint32(at, LIVE, true); // last: a slot is live only once whole
    return slot;
  }

  /** Frees the slot `begin` returned. */
  end(slot: number): void {
    if (slot < 0) {
      if (this.#overflow > 0) this.#view.setUint32(4, --this.#overflow, true);
      return;
    }
    this.#view.setUint32(HEADER + slot * SLOT, 0, true);
    this.#free.push(slot);
  }
}

/**
 * The arbiter's side: the requests a (dead) worker's board at `path` shows in flight, oldest
 * first, and how many more there were than slots; null when there is no readable board.
 */
export function readInFlight(path: string): { requests: InFlightRequest[]; more: number } | null {
  let bytes: Uint8Array;
  try {
    bytes = Deno.readFileSync(path);
  } catch {
    return null;
  }
  if (bytes.byteLength < SIZE) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) !== MAGIC) return null;
  const dec = new TextDecoder();
  const requests: InFlightRequest[] = [];
  for (let slot = 0; slot < BOARD_SLOTS; slot++) {
    const at = HEADER + slot * SLOT;
    if (view.getUint32(at, true) !== LIVE) continue;
    const length = Math.min(view.getUint16(at + 16, true), SLOT - TEXT_AT);
    const text = dec.decode(bytes.subarray(at + TEXT_AT, at + TEXT_AT + length));
    requests.push({ text, started: view.getFloat64(at + 8, true) });
  }
  requests.sort((a, b) => a.started - b.started);
  return { requests, more: view.getUint32(4, true) };
}

/**
 * The log lines naming what worker `pid` had in flight at `now` (epoch ms), one per request;
 * none when it had nothing in flight.
 *
 * @example
 * ```ts
 * import { inFlightLines } from "./inflight.ts";
 * const lines = inFlightLines(7, { requests: [{ text: "GET /a 10.0.0.1", started: 1000 }], more: 0 }, 3500);
 * console.assert(lines[0] === "Worker (pid:7) had 1 request in flight:");
 * console.assert(lines[1] === "  GET /a 10.0.0.1, running for 2.5 s");
 * ```
 */
export function inFlightLines(
  pid: number,
  board: { requests: InFlightRequest[]; more: number },
  now: number,
): string[] {
  const n = board.requests.length + board.more;
  if (n === 0) return [];
  const lines = [`Worker (pid:${pid}) had ${n} request${n === 1 ? "" : "s"} in flight:`];
  for (const r of board.requests) {
    const secs = Math.max(0, (now - r.started) / 1000).toFixed(1);
    // The text is the client's: control characters cannot forge a log line.
    lines.push(`  ${JSON.stringify(r.text).slice(1, -1)}, running for ${secs} s`);
  }
  if (board.more > 0) lines.push(`  and ${board.more} more (not recorded: all slots taken)`);
  return lines;
}
