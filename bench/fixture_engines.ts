// deno-lint-ignore-file no-console
/**
 * @module `deno run -A bench/fixture_engines.ts`: replays the HTTP fixture corpus
 * (tests/http/fixtures) over TCP against `-k async` on each HTTP engine and prints how many
 * fixtures each answers as the corpus expects, by kind, with every difference.
 */

import { HTTP_ERRORS } from "../lib/http/mod.ts";
import { type Fixture, loadFixtures } from "../tests/http/fixtures.ts";
import { startServer } from "../tests/integration/harness.ts";

const APP = "bench/apps/body_length.ts:app";
const ENGINES = ["strict", "deno"] as const;
const dec = new TextDecoder();

/** What came back for one fixture: a status, silence (still waiting), or a bare close. */
export type Outcome = { status: number } | "silent" | "closed";

/**
 * The expected answer of a fixture, in words; whether `got` is exactly that; and whether it is at
 * least safe: an invalid request refused (any 4xx/5xx, or closed without an answer) or a valid one
 * not refused.
 */
export function verdict(
  f: Fixture,
  got: Outcome,
): { expected: string; ok: boolean; safe: boolean } {
  const status = typeof got === "object" ? got.status : null;
  switch (f.expect.kind) {
    case "head":
      return { expected: "200 from the app", ok: status === 200, safe: status === 200 };
    case "more":
      return { expected: "no answer yet", ok: got === "silent", safe: got === "silent" };
    case "error":
    case "body-error": {
      const want = HTTP_ERRORS[f.expect.code].status;
      const refused = got === "closed" || (status !== null && status >= 400);
      return { expected: `${want} ${f.expect.code}`, ok: status === want, safe: refused };
    }
  }
}

/** The final status line, after any interim 1xx answers (100 Continue). */
const FINAL = /^(?:HTTP\/\d\.\d 1\d\d [^]*?\r\n\r\n)*HTTP\/\d\.\d ([2-5]\d\d) /;

/** Reads the first response's status line; "silent" when nothing came within `ms`. */
async function firstAnswer(port: number, bytes: Uint8Array, ms: number): Promise<Outcome> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    conn.close();
  }, ms);
  let text = "";
  try {
    await conn.write(bytes);
    const buf = new Uint8Array(4096);
    // Interim 1xx answers (100 Continue) come before the one that counts.
    while (!FINAL.test(text)) {
      const n = await conn.read(buf);
      if (n === null) break;
      text += dec.decode(buf.subarray(0, n));
    }
  } catch {
    // closed by the timer or reset by the server
  } finally {
    clearTimeout(timer);
    if (!timedOut) conn.close();
  }
  const m = FINAL.exec(text);
  if (m !== null) return { status: Number(m[1]) };
  return timedOut && text === "" ? "silent" : "closed";
}

function limitArgs(f: Fixture): string[] {
  if (f.limits === null) return [];
  const l = f.limits;
  return [
    "--limit-request-line",
    String(l.requestLine),
    "--limit-request-fields",
    String(l.fields),
    "--limit-request-field_size",
    String(l.fieldSize),
  ];
}

function describe(got: Outcome): string {
  return typeof got === "object" ? String(got.status) : got;
}

/** Replays every fixture against one engine; fixtures with limits get a server with them. */
async function run(engine: typeof ENGINES[number], fixtures: Fixture[]) {
  // One server per set of limits and per app mode: body-error fixtures need the body read.
  const groups = new Map<string, Fixture[]>();
  for (const f of fixtures) {
    const key = `${f.expect.kind === "body-error" ? 1 : 0}${limitArgs(f).join(" ")}`;
    groups.set(key, [...(groups.get(key) ?? []), f]);
  }
  const rows: {
    f: Fixture;
    got: Outcome | "refused";
    expected: string;
    ok: boolean;
    safe: boolean;
  }[] = [];
  for (const [key, group] of groups) {
    const args = [APP, "-k", "async", "--http", engine, "-w", "1", "--timeout", "2"];
    const limits = key.slice(1);
    if (limits !== "" && engine === "deno") {
      // Deno's engine has fixed limits: the setting is an exit-2 error there.
      for (const f of group) {
        rows.push({ f, got: "refused", ...verdict(f, "closed"), ok: false, safe: false });
      }
      continue;
    }
    const env = { FIXTURE_READ_BODY: key[0]! };
    const s = await startServer([...args, ...(limits === "" ? [] : limits.split(" "))], { env });
    try {
      for (const f of group) {
        const got = await firstAnswer(s.port, f.bytes, f.expect.kind === "more" ? 500 : 3000);
        rows.push({ f, got, ...verdict(f, got) });
      }
    } finally {
      await s.stop();
    }
  }
  return rows;
}

if (import.meta.main) {
  const fixtures = loadFixtures();
  for (const engine of ENGINES) {
    const rows = await run(engine, fixtures);
    const kinds = ["head", "more", "error", "body-error"] as const;
    const byKind = kinds.map((k) => {
      const of = rows.filter((r) => r.f.expect.kind === k);
      return `${k} ${of.filter((r) => r.ok).length}/${of.length}`;
    });
    const ok = rows.filter((r) => r.ok).length;
    const safe = rows.filter((r) => r.safe).length;
    console.log(
      `--http ${engine}: ${ok}/${rows.length} exactly as expected (${byKind.join(", ")}); ` +
        `${safe}/${rows.length} safe (invalid refused, valid served)`,
    );
    for (const r of rows.filter((r) => !r.ok)) {
      const got = r.got === "refused" ? "not run: the limits are an exit-2 error" : describe(r.got);
      const mark = r.got === "refused" ? "not run" : r.safe ? "refused otherwise" : "WRONG";
      console.log(`  ${r.f.topic}/${r.f.name}: expected ${r.expected}, got ${got} (${mark})`);
    }
  }
}
