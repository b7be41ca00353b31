import { assertEquals } from "../_assert.ts";

Deno.test("lib/http imports nothing but lib/http and the pure lib/net (sans-io)", () => {
  const bad: string[] = [];
  const dir = new URL("../../lib/http/", import.meta.url);
  for (const entry of Deno.readDirSync(dir)) {
    const text = Deno.readTextFileSync(new URL(entry.name, dir));
    for (const m of text.matchAll(/(?:from|import)\s*\(?\s*["']([^"']+)["']/g)) {
      // lib/net holds pure helpers shared with lib/sys; tests/net/ip_test.ts holds it to this rule.
      if (!/^\.\/|^\.\.\/net\//.test(m[1]!)) bad.push(`${entry.name}: ${m[1]}`);
    }
    if (/\bDeno\./.test(text)) bad.push(`${entry.name}: uses Deno.*`);
  }
  assertEquals(bad, []);
});

Deno.test("docs/http.md lists every HttpParseError code", async () => {
  const { HTTP_ERRORS } = await import("../../lib/http/errors.ts");
  const doc = Deno.readTextFileSync(new URL("../../docs/http.md", import.meta.url));
  const missing = Object.keys(HTTP_ERRORS).filter((code) => !doc.includes(`\`${code}\``));
  assertEquals(missing, []);
});
