/**
 * @module A test app for start and stop: `/hold?gate=PATH` answers once the file PATH exists
 * (and says on stderr that it holds a request); with `FAIL_BOOT_IF=PATH` in the environment, a
 * worker that imports this module while PATH exists prints a cause and exits 1 before it boots;
 * with `SPAWN_AT_IMPORT=1`, each worker starts a `sleep 60` as it imports it and prints its pid;
 * with `IMPORT_GATE=PATH`, importing it waits until PATH exists (and says so on stderr).
 */

const te = new TextEncoder();

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

const failIf = Deno.env.get("FAIL_BOOT_IF");
if (failIf !== undefined && exists(failIf)) {
  Deno.stderr.writeSync(te.encode(`Cannot start the app: ${failIf} exists\n`));
  Deno.exit(1);
}

if (Deno.env.get("SPAWN_AT_IMPORT") === "1") {
  const child = new Deno.Command("sleep", { args: ["60"], stdout: "null", stderr: "null" }).spawn();
  child.unref();
  Deno.stderr.writeSync(te.encode(`started a subprocess with pid ${child.pid}\n`));
}

const importGate = Deno.env.get("IMPORT_GATE");
if (importGate !== undefined) {
  Deno.stderr.writeSync(te.encode(`importing the app (pid ${Deno.pid})\n`));
  while (!exists(importGate)) await new Promise((r) => setTimeout(r, 20));
}

/** The fetch handler the lifecycle tests load as `tests/integration/apps/lifecycle.ts:app`. */
export async function app(req: Request): Promise<Response> {
  const url = new URL(req.url);
  if (url.pathname === "/hold") {
    const gate = url.searchParams.get("gate") ?? "";
    Deno.stderr.writeSync(te.encode(`holding a request (pid ${Deno.pid})\n`));
    while (!exists(gate)) await new Promise((r) => setTimeout(r, 20));
    return new Response("held\n");
  }
  return new Response(String(Deno.pid));
}
