import { assertEquals } from "../_assert.ts";
import { CauseLine, forwardBootOutput } from "../../lib/arbiter/boot_output.ts";

const enc = new TextEncoder();

function causeOf(...pieces: string[]): string | null {
  const c = new CauseLine();
  for (const p of pieces) c.push(p);
  c.end();
  return c.line;
}

Deno.test("CauseLine keeps the last non-empty line, across pieces and without a final newline", () => {
  assertEquals(causeOf(""), null);
  assertEquals(causeOf("\n  \n"), null);
  assertEquals(
    causeOf("Cannot start: DATABASE", "_URL is not set\n\n"),
    "Cannot start: DATABASE_URL is not set",
  );
  assertEquals(causeOf("first\nlast words"), "last words");
});

Deno.test("CauseLine prefers the last error line to what follows it (Deno's lockfile error)", () => {
  // What Deno prints for a frozen lock that lacks an entry, colours included.
  const deno = "\x1b[0m\x1b[1m\x1b[31merror\x1b[0m: The lockfile is out of date. Run `deno " +
    "install --frozen=false`, or rerun with `--frozen=false` to update it.\nchanges:\n" +
    " 1\x1b[0m\x1b[38;5;245m |\x1b[0m \x1b[0m\x1b[1m\x1b[32m+\x1b[0m{\n\nStack backtrace:\n   0: <unknown>\n";
  assertEquals(
    causeOf(deno),
    "error: The lockfile is out of date. Run `deno install --frozen=false`, or rerun with " +
      "`--frozen=false` to update it.",
  );
  assertEquals(
    causeOf("[2026-01-01 00:00:00 +0000] [7] [CRITICAL] Worker failed to boot: no fds\nbye\n"),
    "[2026-01-01 00:00:00 +0000] [7] [CRITICAL] Worker failed to boot: no fds",
  );
});

Deno.test("CauseLine cuts a very long line", () => {
  const line = causeOf("x".repeat(10_000))!;
  assertEquals(line.length, 300);
  assertEquals(line.endsWith("…"), true);
});

Deno.test("forwardBootOutput() forwards every byte and reads to the end when a write fails", async () => {
  const chunks = ["Cannot start", ": no config\n", "error: bad\n", "after\n"];
  const dec = new TextDecoder();
  const out: string[] = [];
  const sink = {
    writeSync(p: Uint8Array): number {
      if (dec.decode(p).startsWith("error")) throw new Error("stderr closed");
      const n = Math.min(p.byteLength, 5); // a partial write is resumed
      out.push(dec.decode(p.subarray(0, n)));
      return n;
    },
  };
  const cause = new CauseLine();
  const stream = ReadableStream.from(chunks.map((c) => enc.encode(c)));
  await forwardBootOutput(stream, { cause, out: sink });
  assertEquals(out.join(""), "Cannot start: no config\nafter\n");
  assertEquals(cause.line, "error: bad");
});
