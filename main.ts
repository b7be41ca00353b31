/**
 * @module denocorn's command: `deno run -A main.ts [OPTIONS] APP_MODULE`, or `denocorn ...` once
 * installed with `deno install -g -A -n denocorn main.ts`. Runs as the arbiter, as a worker when
 * the arbiter re-executes it with DENOCORN_ROLE=worker, or as the control client with `ctl`.
 */

import { USAGE_ERROR, WORKER_BOOT_ERROR } from "./lib/exit_codes.ts";
import { missingPermissions, permissionError } from "./lib/permissions.ts";
import { ignoreInspectorSignal } from "./lib/sys/signals.ts";

function fail(text: string): never {
  Deno.stderr.writeSync(new TextEncoder().encode(`Error: ${text}\n`));
  Deno.exit(USAGE_ERROR);
}

if (import.meta.main) {
  const missing = missingPermissions();
  if (missing.length > 0) fail(permissionError(missing));
  // Deno opens an unauthenticated inspector on SIGUSR1 (Deno >= 2.9.2): every denocorn process
  // ignores it, as early as possible (docs/signals.md).
  ignoreInspectorSignal();
  // Loaded dynamically so that a worker whose module graph cannot load (a lock or node_modules
  // that lacks denocorn's own dependency) exits as "failed to boot" and the arbiter stops.
  let cli: typeof import("./lib/cli.ts");
  try {
    cli = await import("./lib/cli.ts");
  } catch (e) {
    const worker = Deno.env.get("DENOCORN_ROLE") !== undefined;
    Deno.stderr.writeSync(
      new TextEncoder().encode(`Error: Cannot load denocorn: ${(e as Error).message}\n`),
    );
    Deno.exit(worker ? WORKER_BOOT_ERROR : 1);
  }
  Deno.exit(await cli.main(Deno.args));
}
