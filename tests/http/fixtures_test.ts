/**
 * Replays every byte fixture against the sans-io parser: whole, every prefix (one byte at a
 * time), split in two at every point, and with trailing bytes that must stay untouched.
 */

import { assert, assertEquals } from "../_assert.ts";
import {
  ChunkedDecoder,
  DEFAULT_LIMITS,
  HttpParseError,
  type Limits,
  parseHead,
  type RequestHead,
} from "../../lib/http/mod.ts";
import { type Fixture, loadFixtures, unescape } from "./fixtures.ts";

const FIXTURES = loadFixtures();
const dec = new TextDecoder("latin1");

/** parseHead's outcome as a comparable value: a head, "more", or the error code. */
function outcome(bytes: Uint8Array, limits: Limits): RequestHead | "more" | string {
  try {
    return parseHead(bytes, limits) ?? "more";
  } catch (e) {
    if (e instanceof HttpParseError) return `error ${e.code}`;
    throw e;
  }
}

/** Decodes a chunked body from `bytes` fed in pieces of `step`; returns the body or the error. */
function decodeChunked(bytes: Uint8Array, step: number): { body: string; rest: number } | string {
  const d = new ChunkedDecoder();
  let body = "";
  let held = new Uint8Array(0);
  for (let off = 0; off < bytes.length || held.length > 0;) {
    const next = bytes.subarray(off, Math.min(bytes.length, off + step));
    off += next.length;
    const input = new Uint8Array(held.length + next.length);
    input.set(held);
    input.set(next, held.length);
    let out;
    try {
      out = d.push(input);
    } catch (e) {
      if (e instanceof HttpParseError) return `error ${e.code}`;
      throw e;
    }
    for (const c of out.chunks) body += dec.decode(c);
    held = input.slice(out.consumed);
    if (out.done) return { body, rest: held.length + bytes.length - off };
    if (next.length === 0) break;
  }
  return "more";
}

function checkHead(f: Fixture, head: RequestHead): void {
  for (const [key, want] of f.checks) {
    const read: Record<string, () => string | null> = {
      method: () => head.method,
      path: () => head.path,
      host: () => head.host ?? "-",
      version: () => head.version,
      framing: () =>
        head.framing.type === "length" ? `length ${head.framing.length}` : head.framing.type,
      "keep-alive": () => head.keepAlive ? "yes" : "no",
      continue: () => head.expectContinue ? "yes" : "no",
      body: () => null,
    };
    const got = read[key]?.();
    if (got !== null && got !== undefined) assertEquals(got, want, `${key}`);
  }
}

function checkBody(f: Fixture, head: RequestHead): void {
  const rest = f.bytes.subarray(head.headLength);
  const want = f.checks.get("body");
  if (head.framing.type === "length") {
    if (want !== undefined) {
      assertEquals(dec.decode(rest.subarray(0, head.framing.length)), dec.decode(unescape(want)));
    }
    return;
  }
  if (head.framing.type !== "chunked" || (rest.length === 0 && want === undefined)) return;
  for (const step of [rest.length || 1, 1, 2, 3, 7]) {
    const r = decodeChunked(rest, step);
    if (f.expect.kind === "body-error") {
      assertEquals(r, `error ${f.expect.code}`, `chunked body fed ${step} bytes at a time`);
      continue;
    }
    assert(typeof r !== "string", `chunked body fed ${step} at a time: ${r}`);
    if (want !== undefined) assertEquals(r.body, dec.decode(unescape(want)), `body, step ${step}`);
  }
}

function replay(f: Fixture): void {
  const limits = f.limits ?? DEFAULT_LIMITS;
  const whole = outcome(f.bytes, limits);
  const wantError = f.expect.kind === "error" ? `error ${f.expect.code}` : null;
  if (f.expect.kind === "more") assertEquals(whole, "more");
  else if (wantError !== null) assertEquals(whole, wantError);
  else {
    assert(typeof whole === "object", `expected a head, got ${whole}`);
    checkHead(f, whole);
    checkBody(f, whole);
  }
  // Every prefix: "more" before the head is complete; an error only with the same code.
  const end = typeof whole === "object" ? whole.headLength : f.bytes.length;
  for (let i = 0; i < end; i++) {
    const p = outcome(f.bytes.subarray(0, i), limits);
    if (p === "more") continue;
    assertEquals(p, wantError ?? "more", `prefix of ${i} bytes`);
  }
  // Split in two at every point: the parser sees the same bytes; the result must not change.
  if (typeof whole === "object") {
    for (let i = 1; i < f.bytes.length; i++) {
      const joined = new Uint8Array(f.bytes.length);
      joined.set(f.bytes.subarray(0, i));
      joined.set(f.bytes.subarray(i), i);
      const r = outcome(joined, limits);
      assert(typeof r === "object" && r.headLength === whole.headLength, `split at ${i}`);
    }
    // Trailing bytes stay untouched: the head ends where it ended.
    const trailing = new Uint8Array([...f.bytes, ...new TextEncoder().encode("GARBAGE\r\n\r\n")]);
    const t = outcome(trailing, limits);
    assert(typeof t === "object" && t.headLength === whole.headLength, "with trailing bytes");
  }
}

Deno.test("fixtures: at least 150 cases across the topics", () => {
  assert(FIXTURES.length >= 150, `only ${FIXTURES.length} fixtures`);
  const topics = new Set(FIXTURES.map((f) => f.topic));
  for (
    const t of [
      "request_line",
      "headers",
      "host",
      "content_length",
      "transfer_encoding",
      "chunked",
      "smuggling",
    ]
  ) {
    assert(topics.has(t), `no fixtures for ${t}`);
  }
});

for (const topic of [...new Set(FIXTURES.map((f) => f.topic))]) {
  Deno.test(`fixtures: ${topic}`, async (t) => {
    for (const f of FIXTURES.filter((x) => x.topic === topic)) {
      await t.step(f.name, () => replay(f));
    }
  });
}
