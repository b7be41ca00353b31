/**
 * @module The HTTP fixture counts quoted by README.md, docs/http.md and docs/architecture.md are
 * the corpus's, and the Deno-engine results (from `bench/fixture_engines.ts`) agree between them.
 */

import { assert, assertEquals } from "./_assert.ts";
import { loadFixtures } from "./http/fixtures.ts";

const ROOT = new URL("../", import.meta.url);
const DOCS = ["README.md", "docs/http.md", "docs/architecture.md"];

function read(path: string): string {
  return Deno.readTextFileSync(new URL(path, ROOT)).replace(/\s+/g, " ");
}

/** Every "N cases" said of the fixtures (within a sentence that names them). */
function fixtureCounts(text: string): number[] {
  const out: number[] = [];
  for (const m of text.matchAll(/(\d+) cases/g)) {
    const around = text.slice(Math.max(0, m.index - 80), m.index + 80);
    if (/fixture/i.test(around)) out.push(Number(m[1]));
  }
  return out;
}

Deno.test("README.md and docs quote the number of HTTP fixtures the corpus holds", () => {
  const corpus = loadFixtures().length;
  for (const path of DOCS) {
    const counts = fixtureCounts(read(path));
    assert(counts.length > 0, `${path} quotes no fixture count`);
    assertEquals(counts, counts.map(() => corpus), `${path} quotes ${counts}, not ${corpus}`);
  }
});

Deno.test("README.md and docs/architecture.md quote the same Deno-engine corpus results", () => {
  const readme = /Deno's engine answers (\d+) exactly and refuses or serves correctly (\d+)/
    .exec(read("README.md"));
  const arch = /answered exactly as written \| (\d+) .*? valid ones served \| (\d+) /
    .exec(read("docs/architecture.md"));
  assert(readme !== null && arch !== null, "the sentences moved: update this test");
  assertEquals([readme[1], readme[2]], [arch[1], arch[2]]);
});
