import { assert, assertEquals, assertStringIncludes } from "../_assert.ts";
import {
  encodeChunk,
  encodeResponseHead,
  errorResponse,
  type ResponseHeadInit,
} from "../../lib/http/mod.ts";

const dec = new TextDecoder();
const DATE = "Tue, 24 Nov 2026 12:00:00 GMT";

function head(
  over: Partial<ResponseHeadInit>,
): { text: string; framing: string; keepAlive: boolean } {
  const r = encodeResponseHead({
    status: 200,
    statusText: "",
    headers: new Headers(),
    bodyLength: null,
    method: "GET",
    version: "1.1",
    keepAlive: true,
    date: DATE,
    server: "denocorn",
    ...over,
  });
  return { text: dec.decode(r.head), framing: r.framing, keepAlive: r.keepAlive };
}

Deno.test("encodeResponseHead() sends Content-Length when the length is known", () => {
  const r = head({ bodyLength: 5 });
  assertEquals(r.framing, "length");
  assertEquals(
    r.text,
    `HTTP/1.1 200 OK\r\ndate: ${DATE}\r\nserver: denocorn\r\ncontent-length: 5\r\n\r\n`,
  );
});

Deno.test("encodeResponseHead() chunks an unknown length on HTTP/1.1, closes on HTTP/1.0", () => {
  assertEquals(head({}).framing, "chunked");
  assertStringIncludes(
    head({ keepAlive: false }).text,
    "transfer-encoding: chunked\r\nconnection: close\r\n",
  );
  const old = head({ version: "1.0" });
  assertEquals(old.framing, "close");
  assertEquals(old.keepAlive, false);
  assertStringIncludes(old.text, "connection: close\r\n");
  assertStringIncludes(head({ version: "1.0", bodyLength: 1 }).text, "connection: keep-alive\r\n");
});

Deno.test("encodeResponseHead() sends no body for HEAD, 1xx, 204 and 304", () => {
  const h = head({ method: "HEAD", bodyLength: 42 });
  assertEquals(h.framing, "none");
  assertStringIncludes(h.text, "content-length: 42\r\n");
  for (const status of [101, 204, 304]) {
    const r = head({ status, bodyLength: 0 });
    assertEquals(r.framing, "none", `status ${status}`);
    assert(!r.text.includes("transfer-encoding"), `status ${status}`);
  }
  assert(!head({ status: 204, bodyLength: 0 }).text.includes("content-length"));
});

Deno.test("encodeResponseHead() keeps every Set-Cookie and drops hop-by-hop fields", () => {
  const headers = new Headers([
    ["set-cookie", "a=1"],
    ["set-cookie", "b=2"],
    ["connection", "upgrade"],
    [
      "transfer-encoding",
      "gzip",
    ],
    ["content-length", "999"],
    ["x-a", "1"],
  ]);
  const r = head({ headers, bodyLength: 3 });
  assertStringIncludes(r.text, "set-cookie: a=1\r\nset-cookie: b=2\r\n");
  assertStringIncludes(r.text, "content-length: 3\r\n");
  assert(!r.text.includes("999") && !r.text.includes("gzip") && !r.text.includes("upgrade"));
});

Deno.test("encodeResponseHead() keeps the app's Date and Server and a valid reason phrase", () => {
  const r = head({
    headers: new Headers({ date: "x", server: "mine" }),
    statusText: "Fine",
    bodyLength: 0,
  });
  assert(r.text.startsWith("HTTP/1.1 200 Fine\r\n"));
  assertStringIncludes(r.text, "date: x\r\nserver: mine\r\n");
  assert(!r.text.includes(DATE) && !r.text.includes("denocorn"));
  assert(head({ status: 599, bodyLength: 0 }).text.startsWith("HTTP/1.1 599 Unknown\r\n"));
});

Deno.test("encodeResponseHead() writes Latin-1 header values byte for byte", () => {
  const r = encodeResponseHead({
    status: 200,
    statusText: "",
    headers: new Headers({ "x-v": "caf\u00e9" }),
    bodyLength: 0,
    method: "GET",
    version: "1.1",
    keepAlive: true,
    date: DATE,
    server: "s",
  });
  const i = r.head.indexOf(0xe9);
  assert(i > 0 && r.head[i - 1] === 0x66);
});

Deno.test("encodeChunk() frames data with a hex size", () => {
  assertEquals(encodeChunk(new Uint8Array(255)).map((p) => p.byteLength), [4, 255, 2]);
  assertEquals(dec.decode(encodeChunk(new Uint8Array(255))[0]), "ff\r\n");
});

Deno.test("errorResponse() writes a closing plain-text response dated by the caller", () => {
  const text = dec.decode(
    errorResponse(431, {
      date: DATE,
      message: "Request Header Fields Too Large: too many\r\nX: y",
    }),
  );
  assert(text.startsWith("HTTP/1.1 431 Request Header Fields Too Large\r\n"));
  assertStringIncludes(text, `date: ${DATE}\r\n`);
  assertStringIncludes(text, "connection: close\r\n");
  assert(text.endsWith("too many??X: y\n"), "control bytes of the message are replaced");
  const body = text.slice(text.indexOf("\r\n\r\n") + 4);
  assertStringIncludes(text, `content-length: ${body.length}\r\n`);
});

Deno.test("encodeResponseHead() advertises the keep-alive idle time only when the connection stays", () => {
  assertStringIncludes(head({ keepAliveTimeout: 2.5 }).text, "\r\nkeep-alive: timeout=2\r\n");
  assertStringIncludes(
    head({ version: "1.0", bodyLength: 1, keepAliveTimeout: 5 }).text,
    "connection: keep-alive\r\nkeep-alive: timeout=5\r\n",
  );
  const closing = head({ keepAlive: false, keepAliveTimeout: 5 }).text;
  assert(!closing.includes("keep-alive"), closing);
  assert(!head({}).text.includes("keep-alive"), "nothing when no idle time is given");
});

Deno.test("lib/http/response.ts reads no clock: the date comes from the caller", async () => {
  const source = await Deno.readTextFile(new URL("../../lib/http/response.ts", import.meta.url));
  const code = source.split("\n").filter((l) => !/^\s*(\*|\/\/|\/\*)/.test(l)).join("\n");
  for (const clock of ["Date.now(", "new Date(", "performance.now("]) {
    assert(!code.includes(clock), `response.ts calls ${clock}`);
  }
});
