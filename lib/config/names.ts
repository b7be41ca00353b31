/**
 * @module The worker class names and HTTP engine names: the lists `--worker-class` and `--http`
 * accept. Owned by the settings (a leaf module, no imports), so lib/config never loads worker
 * code; lib/workers/mod.ts maps each class name to its loop, and the compiler keeps the two in
 * step.
 */

/** Every worker class by its `--worker-class` name; the first is the default. */
export const WORKER_CLASS_NAMES = ["sync", "async"] as const;

/** One of {@link WORKER_CLASS_NAMES}. */
export type WorkerClassName = typeof WORKER_CLASS_NAMES[number];

/**
 * The HTTP engines of `async` workers, the one list `--http` accepts (the settings rule:
 * lib/config/engine_rule.ts; the choice at boot: lib/workers/engines.ts).
 */
export const HTTP_ENGINE_NAMES = ["auto", "deno", "strict"] as const;
