import { assert, assertEquals, assertThrows } from "../_assert.ts";
import {
  type HttpErrorCode,
  HttpParseError,
  type Limits,
  parseHead,
  type RequestHead,
} from "../../lib/http/mod.ts";

const enc = new TextEncoder();

/** Parses `text` whole and at every split point; all must agree. */
function parse(text: string, limits?: Limits): RequestHead {
  const bytes = enc.encode(text);
  const whole = parseHead(bytes, limits);
  assert(whole !== null, `expected a head from ${JSON.stringify(text)}`);
  for (let i = 0; i < whole.headLength; i++) {
    assertEquals(
      parseHead(bytes.subarray(0, i), limits),
      null,
      `prefix of ${i} bytes must need more`,
    );
  }
  const trailing = parseHead(enc.encode(text + "GET / HTTP/1.1\r\n"), limits);
  assertEquals(trailing?.headLength, whole.headLength);
  return whole;
}

function fails(text: string, code: HttpErrorCode, limits?: Limits): void {
  const e = assertThrows(() => parseHead(enc.encode(text), limits), HttpParseError);
  assertEquals(e.code, code, `${JSON.stringify(text)}: ${e.message}`);
}

Deno.test("parseHead() parses a GET with Host and no body", () => {
  const h = parse("GET /a/b?c=d HTTP/1.1\r\nHost: example.com:8080\r\nAccept: */*\r\n\r\n");
  assertEquals(h.method, "GET");
  assertEquals(h.path, "/a/b?c=d");
  assertEquals(h.host, "example.com:8080");
  assertEquals(h.version, "1.1");
  assertEquals(h.framing, { type: "none" });
  assertEquals(h.keepAlive, true);
  assertEquals(h.headers, [["Host", "example.com:8080"], ["Accept", "*/*"]]);
});

Deno.test("parseHead() returns null until the head is complete", () => {
  assertEquals(parseHead(enc.encode("GET / HTTP/1.1\r\nHost: x\r\n")), null);
  assertEquals(parseHead(enc.encode("GET / HTTP/1.1\r\nHost: x\r\n\r")), null);
});

Deno.test("parseHead() reads Content-Length and chunked framing", () => {
  assertEquals(parse("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 12\r\n\r\n").framing, {
    type: "length",
    length: 12,
  });
  assertEquals(parse("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n").framing, {
    type: "none",
  });
  assertEquals(parse("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n").framing, {
    type: "chunked",
  });
});

Deno.test("parseHead() decides keep-alive from version and Connection", () => {
  assertEquals(parse("GET / HTTP/1.0\r\n\r\n").keepAlive, false);
  assertEquals(parse("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").keepAlive, true);
  assertEquals(parse("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").keepAlive, false);
  assertEquals(
    parse("GET / HTTP/1.1\r\nHost: x\r\nConnection: foo, Close\r\n\r\n").keepAlive,
    false,
  );
});

Deno.test("parseHead() lets an absolute-form authority win over Host", () => {
  const h = parse("GET http://a.example/p?q HTTP/1.1\r\nHost: b.example\r\n\r\n");
  assertEquals(h.host, "a.example");
  assertEquals(h.path, "/p?q");
  assertEquals(h.scheme, "http");
});

Deno.test("parseHead() accepts OPTIONS * and leading empty lines", () => {
  const star = parse("OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n");
  // The URL path `/*` (as `deno serve` gives it) tells it from `OPTIONS /`; the target stays `*`.
  assertEquals([star.path, star.target], ["/*", "*"]);
  assertEquals(parse("OPTIONS / HTTP/1.1\r\nHost: x\r\n\r\n").path, "/");
  assertEquals(parse("\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n").path, "/");
});

Deno.test("parseHead() sees Expect: 100-continue on HTTP/1.1 only", () => {
  assertEquals(
    parse("PUT / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n")
      .expectContinue,
    true,
  );
  assertEquals(
    parse("PUT / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n").expectContinue,
    false,
  );
  fails("PUT / HTTP/1.1\r\nHost: x\r\nExpect: 200-ok\r\n\r\n", "EXPECTATION_FAILED");
});

Deno.test("parseHead() rejects smuggling-shaped framing", () => {
  fails(
    "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
    "CONTENT_LENGTH_WITH_TRANSFER_ENCODING",
  );
  fails(
    "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\n",
    "DUPLICATE_CONTENT_LENGTH",
  );
  fails("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: +3\r\n\r\n", "INVALID_CONTENT_LENGTH");
  fails("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3, 3\r\n\r\n", "INVALID_CONTENT_LENGTH");
  fails(
    "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\n\r\n",
    "CONTENT_LENGTH_TOO_LARGE",
  );
  fails(
    "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, chunked\r\n\r\n",
    "CHUNKED_TWICE",
  );
  fails(
    "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
    "CHUNKED_TWICE",
  );
  fails("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", "CHUNKED_NOT_FINAL");
  fails(
    "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip\r\n\r\n",
    "CHUNKED_NOT_FINAL",
  );
  fails(
    "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
    "UNSUPPORTED_TRANSFER_CODING",
  );
  fails(
    'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: "chunked"\r\n\r\n',
    "INVALID_TRANSFER_ENCODING",
  );
  fails("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", "TRANSFER_ENCODING_IN_HTTP10");
  fails("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding : chunked\r\n\r\n", "INVALID_HEADER_NAME");
});

Deno.test("parseHead() rejects bad request lines with the right code", () => {
  fails("GET  / HTTP/1.1\r\nHost: x\r\n\r\n", "INVALID_REQUEST_LINE");
  fails("GET / HTTP/1.1 \r\nHost: x\r\n\r\n", "INVALID_REQUEST_LINE");
  fails("GET /\r\n\r\n", "INVALID_REQUEST_LINE");
  fails("G(T / HTTP/1.1\r\nHost: x\r\n\r\n", "INVALID_METHOD");
  fails("GET / HTTP/2.0\r\nHost: x\r\n\r\n", "UNSUPPORTED_VERSION");
  fails("GET / HTTP/1.1x\r\nHost: x\r\n\r\n", "INVALID_VERSION");
  fails("GET / http/1.1\r\nHost: x\r\n\r\n", "INVALID_VERSION");
  fails("GET * HTTP/1.1\r\nHost: x\r\n\r\n", "INVALID_TARGET");
  fails("GET ftp://x/ HTTP/1.1\r\nHost: x\r\n\r\n", "INVALID_TARGET");
  fails("GET /a#b HTTP/1.1\r\nHost: x\r\n\r\n", "INVALID_TARGET");
  fails("CONNECT x:443 HTTP/1.1\r\nHost: x\r\n\r\n", "UNSUPPORTED_METHOD");
  fails("GET /\x7f HTTP/1.1\r\nHost: x\r\n\r\n", "INVALID_TARGET");
});

Deno.test("parseHead() rejects bare CR, bare LF and obs-fold", () => {
  fails("GET / HTTP/1.1\nHost: x\r\n\r\n", "BARE_LF");
  fails("GET / HTTP/1.1\r\nHost: x\n\r\n", "BARE_LF");
  fails("GET / HTTP/1.1\r\nHost: x\r\n\n", "BARE_LF");
  fails("GET / HTTP/1.1\r\nHost: x\rY\r\n\r\n", "BARE_CR");
  fails("GET /\r HTTP/1.1\r\nHost: x\r\n\r\n", "BARE_CR");
  fails("GET / HTTP/1.1\r\nHost: x\r\nA: b\r\n c\r\n\r\n", "OBS_FOLD");
  fails("GET / HTTP/1.1\r\nHost: x\r\nA: b\x00c\r\n\r\n", "INVALID_HEADER_VALUE");
});

Deno.test("parseHead() requires exactly one valid Host on HTTP/1.1", () => {
  fails("GET / HTTP/1.1\r\n\r\n", "MISSING_HOST");
  fails("GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n", "DUPLICATE_HOST");
  fails("GET / HTTP/1.1\r\nHost: a b\r\n\r\n", "INVALID_HOST");
  fails("GET / HTTP/1.1\r\nHost: user@a\r\n\r\n", "INVALID_HOST");
  assertEquals(parse("GET / HTTP/1.0\r\n\r\n").host, null);
  assertEquals(parse("GET / HTTP/1.1\r\nHost: [::1]:8000\r\n\r\n").host, "[::1]:8000");
});

Deno.test("parseHead() enforces the limits with 414 and 431", () => {
  const limits = { requestLine: 20, fields: 2, fieldSize: 16 };
  fails(`GET /${"a".repeat(20)} HTTP/1.1\r\n\r\n`, "REQUEST_LINE_TOO_LONG", limits);
  fails(`GET /${"a".repeat(20)}`, "REQUEST_LINE_TOO_LONG", limits); // before the line ends
  fails("GET / HTTP/1.1\r\nHost: x\r\nA: 1\r\nB: 2\r\n\r\n", "TOO_MANY_HEADERS", limits);
  fails(`GET / HTTP/1.1\r\nHost: x\r\nA: ${"b".repeat(20)}\r\n\r\n`, "HEADER_TOO_LARGE", limits);
  fails(`GET / HTTP/1.1\r\nHost: x\r\nA: ${"b".repeat(20)}`, "HEADER_TOO_LARGE", limits);
  assertEquals(
    parse("GET /aaaaa HTTP/1.1\r\nHost: x\r\nA: 12345678901\r\n\r\n", limits).path,
    "/aaaaa",
  );
});

Deno.test("parseHead() counts a field line with its CRLF against fieldSize, as gunicorn does", () => {
  const limits = { requestLine: 20, fields: 10, fieldSize: 16 };
  // "A: 12345678901" is 14 bytes, 16 with its CRLF: the most gunicorn admits with 16.
  assertEquals(parse("GET / HTTP/1.1\r\nHost: x\r\nA: 12345678901\r\n\r\n", limits).path, "/");
  fails("GET / HTTP/1.1\r\nHost: x\r\nA: 123456789012\r\n\r\n", "HEADER_TOO_LARGE", limits);
  fails("GET / HTTP/1.1\r\nHost: x\r\nA: 123456789012", "HEADER_TOO_LARGE", limits);
  // With fieldSize 2 no field fits, but a head without fields still parses.
  const tiny = { requestLine: 20, fields: 10, fieldSize: 2 };
  assertEquals(parse("GET / HTTP/1.0\r\n\r\n", tiny).path, "/");
  fails("GET / HTTP/1.0\r\nA:\r\n\r\n", "HEADER_TOO_LARGE", tiny);
});

Deno.test("parseHead() refuses a repeated singleton field such as Content-Type", () => {
  const twice = (a: string, b: string) => `POST / HTTP/1.1\r\nHost: x\r\n${a}\r\n${b}\r\n\r\n`;
  fails(twice("Content-Type: text/plain", "Content-Type: text/html"), "DUPLICATE_FIELD");
  fails(twice("content-type: a/b", "CONTENT-TYPE: a/b"), "DUPLICATE_FIELD"); // even equal
  fails(twice("Authorization: Basic a", "Authorization: Basic b"), "DUPLICATE_FIELD");
  fails(twice("Range: bytes=0-1", "Range: bytes=5-9"), "DUPLICATE_FIELD");
  // List fields and informational singletons may repeat.
  const ok = parse(twice("Accept: a/b", "Accept: c/d"));
  assertEquals(ok.headers.length, 3);
  assertEquals(parse(twice("User-Agent: a", "User-Agent: b")).headers.length, 3);
  assertEquals(parse(twice("Content-Type: a/b", "Authorization: x")).headers.length, 3);
});

Deno.test("HttpParseError carries the status of its code", () => {
  assertEquals(new HttpParseError("TOO_MANY_HEADERS").status, 431);
  assertEquals(new HttpParseError("UNSUPPORTED_VERSION").status, 505);
  assertEquals(new HttpParseError("REQUEST_LINE_TOO_LONG").status, 414);
});
