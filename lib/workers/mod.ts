/** @module Worker entry point: boot the shared base, then run the configured worker class's loop. */

import { log } from "../log.ts";
import { WorkerBase } from "./base.ts";
import { runAsyncWorker } from "./async.ts";
import { runSyncWorker } from "./sync.ts";
import type { WorkerClassName } from "../config/names.ts";

/** Worker classes by their --worker-class name. */
export const WORKER_CLASSES: Record<WorkerClassName, (w: WorkerBase) => Promise<void>> = {
  sync: runSyncWorker,
  async: runAsyncWorker,
};

/** Runs this process as a worker until it stops; returns the exit status. */
export async function runWorker(env: Record<string, string | undefined>): Promise<number> {
  const w = await WorkerBase.start(env);
  const loop = WORKER_CLASSES[w.settings.worker_class] ?? runSyncWorker;
  try {
    await loop(w);
    await w.exit();
  } catch (e) {
    log.error("Exception in worker process", e);
    return 1;
  }
  return 0;
}
