/** @module Tests for parseCommandLine(): flags from the table, negative numbers, errors. */

import { assertEquals, assertThrows } from "../_assert.ts";
import { ConfigError, parseCommandLine } from "../../lib/config/mod.ts";

function errorOf(args: string[]): string {
  return assertThrows(() => parseCommandLine(args), ConfigError).message;
}

Deno.test("parseCommandLine() reads a negative number after a flag as its value", () => {
  assertEquals(
    errorOf(["-t", "-1"]),
    'Cannot parse --timeout "-1": expected a number of seconds >= 0',
  );
  assertEquals(
    errorOf(["--timeout", "-1"]),
    'Cannot parse --timeout "-1": expected a number of seconds >= 0',
  );
  assertEquals(errorOf(["-w", "-2"]), 'Cannot parse --workers "-2": expected a positive integer');
  assertEquals(
    errorOf(["--max-requests", "-5"]),
    'Cannot parse --max-requests "-5": expected a non-negative integer',
  );
  assertEquals(
    errorOf(["--graceful-timeout", "-.5"]),
    'Cannot parse --graceful-timeout "-.5": expected a number of seconds >= 0',
  );
  assertEquals(parseCommandLine(["--log-file", "-1"]).values.errorlog, "-1", "a string flag too");
});

Deno.test("parseCommandLine() keeps working flags around a negative value", () => {
  const { values, positionals } = parseCommandLine(["app:x", "--timeout=5", "--keep-alive", "+3"]);
  assertEquals([values.timeout, values.keepalive, positionals], [5, 3, ["app:x"]]);
  const after = parseCommandLine(["--", "-t", "-1"]);
  assertEquals(after.positionals, ["-t", "-1"], "after -- nothing is an option");
});

Deno.test("parseCommandLine() still reports a flag without a value", () => {
  assertEquals(errorOf(["-t"]), "Option --timeout needs a value");
  assertEquals(errorOf(["-t", "--reload"]), "Option --timeout needs a value");
});
