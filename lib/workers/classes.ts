/**
 * @module The worker class names and HTTP engine names: the lists `--worker-class` and `--http`
 * accept. A leaf module (no imports) so the settings table can read it without loading any
 * worker code; `mod.ts` maps each class name to its loop, and the compiler keeps the two in step.
 */

/** Every worker class by its `--worker-class` name; the first is the default. */
export const WORKER_CLASS_NAMES = ["sync", "async"] as const;

/** One of {@link WORKER_CLASS_NAMES}. */
export type WorkerClassName = typeof WORKER_CLASS_NAMES[number];

/** The HTTP engines of `async` workers, the one list `--http` accepts (lib/workers/engine.ts). */
export const HTTP_ENGINE_NAMES = ["auto", "deno", "strict"] as const;
