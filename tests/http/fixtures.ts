/** @module Loads the byte fixtures of tests/http/fixtures/ (format: fixtures/README.md). */

import type { HttpErrorCode, Limits } from "../../lib/http/mod.ts";

/** One fixture case. */
export interface Fixture {
  topic: string;
  name: string;
  expect:
    | { kind: "head" }
    | { kind: "more" }
    | { kind: "error"; code: HttpErrorCode }
    | { kind: "body-error"; code: HttpErrorCode };
  /** `key: value` checks other than expect and limits. */
  checks: Map<string, string>;
  limits: Limits | null;
  bytes: Uint8Array;
}

const DIR = new URL("./fixtures/", import.meta.url);
const KEYS = [
  "expect",
  "method",
  "path",
  "host",
  "version",
  "framing",
  "keep-alive",
  "continue",
  "body",
  "limits",
];

/** Decodes the escapes of the fixture format into bytes. */
export function unescape(text: string): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c !== "\\") {
      const code = c.charCodeAt(0);
      if (code > 0xff) {
        throw new SyntaxError(`Cannot encode ${JSON.stringify(c)} in a fixture: use \\xHH`);
      }
      out.push(code);
      continue;
    }
    const e = text[++i];
    const simple: Record<string, number> = { r: 13, n: 10, t: 9, "0": 0, s: 32, "\\": 92 };
    if (e !== undefined && e in simple) out.push(simple[e]!);
    else if (e === "x") {
      out.push(parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else throw new SyntaxError(`Cannot parse fixture escape \\${e}`);
  }
  return new Uint8Array(out);
}

function parseCase(topic: string, block: string): Fixture {
  const lines = block.split("\n");
  const name = lines.shift()!.trim();
  const checks = new Map<string, string>();
  let i = 0;
  for (; i < lines.length; i++) {
    const m = /^([a-z-]+):\s?(.*)$/.exec(lines[i]!);
    if (m === null || !KEYS.includes(m[1]!)) break;
    checks.set(m[1]!, m[2]!);
  }
  const raw = lines.slice(i).join("");
  const expectText = checks.get("expect") ?? "";
  checks.delete("expect");
  const [kind, code] = expectText.split(" ");
  let expect: Fixture["expect"];
  if (kind === "head" || kind === "more") expect = { kind };
  else if ((kind === "error" || kind === "body-error") && code !== undefined) {
    expect = { kind, code: code as HttpErrorCode };
  } else throw new SyntaxError(`Cannot read fixture ${topic}/${name}: bad expect "${expectText}"`);
  const limitsText = checks.get("limits");
  checks.delete("limits");
  const nums = limitsText?.split(/\s+/).map(Number);
  const limits = nums === undefined
    ? null
    : { requestLine: nums[0]!, fields: nums[1]!, fieldSize: nums[2]! };
  return { topic, name, expect, checks, limits, bytes: unescape(raw) };
}

/** Every fixture, grouped by topic file. */
export function loadFixtures(): Fixture[] {
  const out: Fixture[] = [];
  const files = [...Deno.readDirSync(DIR)].filter((e) => e.name.endsWith(".txt")).map((e) => e.name)
    .sort();
  for (const file of files) {
    const topic = file.replace(/\.txt$/, "");
    const text = Deno.readTextFileSync(new URL(file, DIR));
    const blocks = text.split(/^=== /m).slice(1);
    for (const block of blocks) out.push(parseCase(topic, block.replace(/\n+$/, "")));
  }
  return out;
}
