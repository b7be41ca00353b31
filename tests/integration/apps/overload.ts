/**
 * @module A test app for overload: `/pid` answers with the worker's pid (so does any path not
 * below), `/echo-len` with the length of the body it read; `/hog?ms=N` runs the
 * worker out of file descriptors (opens /dev/null until open() fails, answers with how many, and
 * closes them N ms later); `/stall?ms=N&report=PATH` writes PATH, then blocks the event loop N ms.
 */

function hog(ms: number): number {
  const files: Deno.FsFile[] = [];
  try {
    for (;;) files.push(Deno.openSync("/dev/null"));
  } catch { /* out of descriptors */ }
  setTimeout(() => files.forEach((f) => f.close()), ms);
  return files.length;
}

function stall(ms: number, report: string): string {
  Deno.writeTextFileSync(report, "stalling");
  const until = performance.now() + ms;
  while (performance.now() < until) { /* the whole worker is blocked */ }
  return "stalled";
}

/** The fetch handler the integration tests load as `tests/integration/apps/overload.ts:app`. */
export async function app(req: Request): Promise<Response> {
  const url = new URL(req.url);
  const q = (name: string) => url.searchParams.get(name) ?? "";
  switch (url.pathname) {
    case "/hog":
      return new Response(String(hog(Number(q("ms")))));
    case "/echo-len":
      return new Response(String((await req.arrayBuffer()).byteLength));
    case "/stall":
      return new Response(stall(Number(q("ms")), q("report")));
  }
  return new Response(String(Deno.pid));
}
