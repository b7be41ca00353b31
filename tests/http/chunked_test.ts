import { assertEquals, assertThrows } from "../_assert.ts";
import { ChunkedDecoder, type HttpErrorCode, HttpParseError } from "../../lib/http/mod.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

/** Feeds `text` in pieces of `step` bytes, keeping unconsumed bytes as a caller would. */
function decode(
  text: string,
  step = Infinity,
): { body: string; rest: string; done: boolean; d: ChunkedDecoder } {
  const bytes = enc.encode(text);
  const d = new ChunkedDecoder();
  let body = "";
  let held = new Uint8Array(0);
  let off = 0;
  while (off < bytes.length || held.length > 0) {
    const next = bytes.subarray(off, Math.min(bytes.length, off + step));
    off += next.length;
    const input = new Uint8Array(held.length + next.length);
    input.set(held);
    input.set(next, held.length);
    const out = d.push(input);
    for (const c of out.chunks) body += dec.decode(c, { stream: true });
    held = input.slice(out.consumed);
    if (out.done) {
      return { body, rest: dec.decode(held) + dec.decode(bytes.subarray(off)), done: true, d };
    }
    if (next.length === 0) break;
  }
  return { body, rest: dec.decode(held), done: false, d };
}

function fails(text: string, code: HttpErrorCode): void {
  const e = assertThrows(() => new ChunkedDecoder().push(enc.encode(text)), HttpParseError);
  assertEquals(e.code, code, `${JSON.stringify(text)}: ${e.message}`);
}

const BODY = '5\r\nhello\r\n1;name=value;q="a b"\r\n \r\nA\r\n0123456789\r\n0\r\nX-Sum: 1\r\n\r\n';

Deno.test("ChunkedDecoder decodes a body whole, byte by byte and in every step size", () => {
  for (const step of [Infinity, 1, 2, 3, 5, 7, 11]) {
    const r = decode(BODY + "NEXT", step);
    assertEquals(r.body, "hello 0123456789", `step ${step}`);
    assertEquals(r.done, true);
    assertEquals(r.rest, "NEXT", `trailing bytes stay untouched (step ${step})`);
    assertEquals(r.d.trailers, [["X-Sum", "1"]]);
  }
});

Deno.test("ChunkedDecoder waits for more on a partial body", () => {
  const r = decode("5\r\nhel");
  assertEquals(r.body, "hel");
  assertEquals(r.done, false);
  assertEquals(decode("5\r\nhello\r\n0\r\n").done, false);
});

Deno.test("ChunkedDecoder accepts leading zeros and upper-case hex", () => {
  assertEquals(decode("000000000000000000003\r\nabc\r\n0\r\n\r\n").body, "abc");
  assertEquals(decode("B\r\nabcdefghijk\r\n0\r\n\r\n").body, "abcdefghijk");
});

Deno.test("ChunkedDecoder rejects bad framing with the right code", () => {
  fails("x\r\n", "INVALID_CHUNK_SIZE");
  fails("0x5\r\nhello\r\n", "INVALID_CHUNK_SIZE");
  fails("-5\r\n", "INVALID_CHUNK_SIZE");
  fails("\r\n", "INVALID_CHUNK_SIZE");
  fails("5 \r\nhello\r\n", "INVALID_CHUNK_EXTENSION");
  fails("5;\r\nhello\r\n", "INVALID_CHUNK_EXTENSION");
  fails('5;a="b\r\nhello\r\n', "INVALID_CHUNK_EXTENSION");
  fails("fffffffffffffff\r\n", "CHUNK_SIZE_TOO_LARGE");
  fails("5\r\nhelloX\r\n", "MISSING_CHUNK_CRLF");
  fails("5\r\nhello\rX", "MISSING_CHUNK_CRLF");
  fails("5\nhello\r\n", "BARE_LF");
  fails("5\r\r\nhello\r\n", "BARE_CR");
  fails("0\r\nX: 1\n\r\n", "BARE_LF");
  fails(`5;${"a".repeat(5000)}\r\n`, "CHUNK_EXTENSION_TOO_LARGE");
  fails(`5;${"a".repeat(5000)}`, "CHUNK_EXTENSION_TOO_LARGE");
});

Deno.test("ChunkedDecoder rejects forbidden and oversized trailers", () => {
  for (
    const name of ["Content-Length", "Transfer-Encoding", "Host", "Trailer", "Authorization", "TE"]
  ) {
    fails(`0\r\n${name}: 1\r\n\r\n`, "FORBIDDEN_TRAILER");
  }
  fails(`0\r\n${"A: 1\r\n".repeat(101)}\r\n`, "TOO_MANY_TRAILERS");
  fails(`0\r\nA: ${"b".repeat(9000)}\r\n\r\n`, "TRAILERS_TOO_LARGE");
  fails("0\r\n bad: fold\r\n\r\n", "OBS_FOLD");
});
