/** @module The arbiter's view of a worker, for tests of its pure decisions. */

import type { MemoryState } from "../../lib/arbiter/memory.ts";

/** A booted, serving worker of generation 0 numbered `pid` and `age`, with `extra` fields. */
export function workerState(
  pid: number,
  age: number,
  extra: Partial<MemoryState> = {},
): MemoryState {
  return {
    pid,
    age,
    generation: 0,
    lastBeat: 1000,
    booted: true,
    aborted: false,
    retiring: false,
    retiredAt: null,
    killed: false,
    ...extra,
  };
}
