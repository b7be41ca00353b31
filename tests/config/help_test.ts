/** @module Tests for --help, --print-config and docs/settings.md. */

import { assert, assertEquals, assertStringIncludes } from "../_assert.ts";
import {
  loadSettings,
  printConfig,
  renderHelp,
  renderSettingsDoc,
  SETTINGS,
} from "../../lib/config/mod.ts";

Deno.test("--help shows every flag of the table, its meta and its help", () => {
  const help = renderHelp();
  assert(help.startsWith("usage: denocorn [OPTIONS] APP_MODULE\n"));
  for (const spec of SETTINGS) {
    for (const flag of spec.flags) assertStringIncludes(help, flag);
  }
  assertStringIncludes(help, "-w INT, --workers INT");
  assertStringIncludes(help, "  --reload\n");
  assertStringIncludes(help, "[default: 127.0.0.1:8000]");
  assertStringIncludes(help, "Server socket:");
  for (const line of help.split("\n")) assert(line.length <= 100, `line too long: ${line}`);
});

Deno.test("docs/settings.md is up to date", () => {
  const path = new URL("../../docs/settings.md", import.meta.url);
  let text = "";
  try {
    text = Deno.readTextFileSync(path);
  } catch { /* missing counts as stale */ }
  assert(
    text === renderSettingsDoc(),
    "docs/settings.md is stale: run `deno run -A lib/config/help.ts > docs/settings.md`",
  );
});

Deno.test("the settings doc has one heading per setting", () => {
  const doc = renderSettingsDoc();
  for (const spec of SETTINGS) assertStringIncludes(doc, `\n### ${spec.name}\n`);
});

Deno.test("printConfig lists every setting, sorted, as JSON values", async () => {
  const result = await loadSettings(["app:x", "-w", "3"], {}, Deno.makeTempDirSync());
  assert(result.action === "run");
  const text = printConfig(result.settings);
  const names = text.trimEnd().split("\n").map((line) => line.split(" = ")[0]?.trim() ?? "");
  assertEquals(names, SETTINGS.map((s) => s.name as string).sort());
  assertStringIncludes(text, 'bind                     = ["127.0.0.1:8000"]');
  assertStringIncludes(text, "workers                  = 3\n");
  assertStringIncludes(text, "accesslog                = null\n");
});
