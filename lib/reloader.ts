/**
 * @module `--reload`: watches the app's source tree, the config file, the TLS files and
 * `--reload-extra-file` paths, and reports changes (debounced) so the arbiter can restart its
 * workers gracefully.
 */

import { dirname, resolve } from "node:path";
import type { Settings } from "./config/mod.ts";
import { log } from "./log.ts";

/** File extensions whose change means "code changed". */
export const WATCHED_EXTENSIONS = [".ts", ".tsx", ".js", ".mjs", ".jsx", ".json", ".jsonc"];

const SKIPPED_DIRS = ["/node_modules/", "/.git/", "/.deno/"];

/** What to watch for an app spec, a config file and extra files (all resolved against `cwd`). */
export function watchTargets(
  app: string | null,
  config: string | null,
  extra: readonly string[],
  cwd: string,
): { dirs: string[]; files: string[] } {
  const files = [...(config === null ? [] : [config]), ...extra].map((f) => resolve(cwd, f));
  const module = app?.split(":")[0] ?? "";
  const dirs = [module === "" ? cwd : dirname(resolve(cwd, module))];
  return { dirs, files };
}

/** True when a change to `path` should reload: a source file in a watched dir, or a listed file. */
export function isRelevant(
  path: string,
  dirs: readonly string[],
  files: readonly string[],
): boolean {
  if (files.includes(path)) return true;
  if (SKIPPED_DIRS.some((d) => path.includes(d))) return false;
  if (!dirs.some((d) => path.startsWith(`${d}/`))) return false;
  return WATCHED_EXTENSIONS.some((ext) => path.endsWith(ext));
}

/**
 * Watches the targets and calls `onChange` with the changed paths, once per burst of events.
 *
 * @example
 * ```ts
 * import { Reloader } from "./reloader.ts";
 * const dir = Deno.makeTempDirSync();
 * const r = new Reloader({ dirs: [dir], files: [] }, (paths) => console.assert(paths.length > 0));
 * r.start();
 * r.close();
 * Deno.removeSync(dir);
 * ```
 */
export class Reloader {
  #targets: { dirs: string[]; files: string[] };
  #onChange: (paths: string[]) => void;
  #debounceMs: number;
  #watchers: Deno.FsWatcher[] = [];
  #pending = new Set<string>();
  #timer: ReturnType<typeof setTimeout> | null = null;

  /** Creates the reloader; nothing is watched until {@linkcode Reloader.start}. */
  constructor(
    targets: { dirs: string[]; files: string[] },
    onChange: (paths: string[]) => void,
    debounceMs = 300,
  ) {
    this.#targets = targets;
    this.#onChange = onChange;
    this.#debounceMs = debounceMs;
  }

  /**
   * Watches what `--reload` names for `settings` (the app's directory, the config file, the TLS
   * files, every --reload-extra-file), logs `Reloading: PATHS modified` and calls `onChange` for
   * each burst.
   */
  static forSettings(
    settings: Pick<
      Settings,
      "app" | "config" | "reload_extra_files" | "certfile" | "keyfile" | "ca_certs"
    >,
    onChange: () => void,
  ): Reloader {
    const { app, config, reload_extra_files, certfile, keyfile, ca_certs } = settings;
    // New workers read the TLS files at boot: a renewed certificate reloads too.
    const tls = [certfile, keyfile, ca_certs].filter((f) => f !== null);
    const extra = [...reload_extra_files, ...tls];
    const r = new Reloader(watchTargets(app, config, extra, Deno.cwd()), (paths) => {
      log.info(`Reloading: ${paths.join(", ")} modified`);
      onChange();
    });
    r.start();
    return r;
  }

  /** Starts watching (directories recursively, files through their directories). */
  start(): void {
    const roots = new Set([...this.#targets.dirs, ...this.#targets.files.map((f) => dirname(f))]);
    for (const root of roots) {
      const watcher = Deno.watchFs(root, { recursive: this.#targets.dirs.includes(root) });
      this.#watchers.push(watcher);
      this.#pump(watcher);
    }
  }

  async #pump(watcher: Deno.FsWatcher): Promise<void> {
    try {
      for await (const event of watcher) {
        if (event.kind === "access") continue;
        for (const path of event.paths) {
          if (isRelevant(path, this.#targets.dirs, this.#targets.files)) this.#pending.add(path);
        }
        if (this.#pending.size > 0 && this.#timer === null) {
          this.#timer = setTimeout(() => this.#flush(), this.#debounceMs);
        }
      }
    } catch { /* closed */ }
  }

  #flush(): void {
    this.#timer = null;
    const paths = [...this.#pending];
    this.#pending.clear();
    if (paths.length > 0) this.#onChange(paths);
  }

  /** Stops watching. */
  close(): void {
    for (const w of this.#watchers) w.close();
    this.#watchers = [];
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }
}
