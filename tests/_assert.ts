/** @module Minimal assertions (@std/assert lives on JSR, which these machines cannot reach). */

function show(v: unknown): string {
  return Deno.inspect(v, { depth: 8, colors: false, strAbbreviateSize: 2000 });
}

/** Throws unless `actual` and `expected` are deeply equal (by Deno.inspect). */
export function assertEquals<T>(actual: T, expected: T, msg?: string): void {
  const a = show(actual), e = show(expected);
  if (a !== e) {
    throw new Error(`${msg ? msg + ": " : ""}values differ\nactual:   ${a}\nexpected: ${e}`);
  }
}

/** Throws unless `cond` is truthy. */
export function assert(cond: unknown, msg = "assertion failed"): asserts cond {
  if (!cond) throw new Error(msg);
}

/** Throws unless `text` contains `part`. */
export function assertStringIncludes(text: string, part: string, msg?: string): void {
  if (!text.includes(part)) {
    throw new Error(`${msg ? msg + ": " : ""}expected ${show(text)} to include ${show(part)}`);
  }
}

/** Throws unless `text` matches `re`. */
export function assertMatch(text: string, re: RegExp, msg?: string): void {
  if (!re.test(text)) {
    throw new Error(`${msg ? msg + ": " : ""}expected ${show(text)} to match ${re}`);
  }
}

/** Runs `fn` and returns what it threw; fails when it does not throw or throws the wrong class. */
export function assertThrows<E extends Error = Error>(
  fn: () => unknown,
  cls?: new (...args: never[]) => E,
  includes?: string,
): E {
  try {
    fn();
  } catch (e) {
    if (cls && !(e instanceof cls)) throw new Error(`expected ${cls.name}, got ${show(e)}`);
    if (includes && !(e as Error).message.includes(includes)) {
      throw new Error(
        `expected message to include ${show(includes)}, got ${show((e as Error).message)}`,
      );
    }
    return e as E;
  }
  throw new Error("expected the function to throw");
}

/** Awaits `p` and returns what it rejected with; fails when it resolves. */
export async function assertRejects<E extends Error = Error>(
  fn: () => Promise<unknown>,
  cls?: new (...args: never[]) => E,
  includes?: string,
): Promise<E> {
  try {
    await fn();
  } catch (e) {
    if (cls && !(e instanceof cls)) throw new Error(`expected ${cls.name}, got ${show(e)}`);
    if (includes && !(e as Error).message.includes(includes)) {
      throw new Error(
        `expected message to include ${show(includes)}, got ${show((e as Error).message)}`,
      );
    }
    return e as E;
  }
  throw new Error("expected the promise to reject");
}
