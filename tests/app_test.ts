/** @module Tests for lib/app.ts: every spec form, every way loading can fail, and its message. */

import {
  AppLoadError,
  appModulePath,
  EMBEDDED_APP,
  type FetchHandler,
  loadApp,
  parseAppSpec,
  setEmbeddedApp,
} from "../lib/app.ts";
import { assert, assertEquals, assertRejects, assertThrows } from "./_assert.ts";

const FIXTURES = new URL("./fixtures/apps/", import.meta.url).pathname.replace(/\/$/, "");
const TESTS = new URL("./", import.meta.url).pathname.replace(/\/$/, "");
const ROOT = new URL("../", import.meta.url).pathname.replace(/\/$/, "");

const INFO: Deno.ServeHandlerInfo = {
  remoteAddr: { transport: "tcp", hostname: "127.0.0.1", port: 40000 },
  completed: Promise.resolve(),
};

async function call(app: FetchHandler, path = "/", init?: RequestInit): Promise<string> {
  const res = await app(new Request(`http://localhost${path}`, init), INFO);
  return await res.text();
}

async function loadError(spec: string, cwd = FIXTURES): Promise<string> {
  const e = await assertRejects(() => loadApp(spec, cwd), AppLoadError);
  assert(!e.message.includes("\n"), `expected one line, got ${JSON.stringify(e.message)}`);
  return e.message;
}

// --- parseAppSpec -------------------------------------------------------------------------------

Deno.test("parseAppSpec() splits MODULE:ATTR", () => {
  assertEquals(parseAppSpec("main:app"), { module: "main", attr: "app", call: null });
});

Deno.test("parseAppSpec() leaves attr null for a bare module", () => {
  assertEquals(parseAppSpec("examples/hello.ts"), {
    module: "examples/hello.ts",
    attr: null,
    call: null,
  });
});

Deno.test("parseAppSpec() keeps slashes and dots in the module part", () => {
  assertEquals(parseAppSpec("./src/my.app.ts:app").module, "./src/my.app.ts");
});

Deno.test("parseAppSpec() accepts a dotted attribute", () => {
  assertEquals(parseAppSpec("main:obj.app"), { module: "main", attr: "obj.app", call: null });
});

Deno.test("parseAppSpec() parses a factory call with literal arguments", () => {
  assertEquals(parseAppSpec('main:create_app("prod", 2, true, null)'), {
    module: "main",
    attr: "create_app",
    call: { name: "create_app", args: ["prod", 2, true, null] },
  });
});

Deno.test("parseAppSpec() parses a factory call without arguments", () => {
  assertEquals(parseAppSpec("main:create_app()").call, { name: "create_app", args: [] });
});

Deno.test("parseAppSpec() parses a dotted factory call with arrays and objects", () => {
  assertEquals(parseAppSpec('main:f.make([1, 2], {"a": -1.5e3})').call, {
    name: "f.make",
    args: [[1, 2], { a: -1500 }],
  });
});

Deno.test("parseAppSpec() does not split at a colon inside factory arguments", () => {
  assertEquals(parseAppSpec('main:create_app("redis://h:6379")'), {
    module: "main",
    attr: "create_app",
    call: { name: "create_app", args: ["redis://h:6379"] },
  });
});

Deno.test("parseAppSpec() splits at the last colon", () => {
  assertEquals(parseAppSpec("weird:dir/main:app").module, "weird:dir/main");
});

Deno.test("parseAppSpec() reads a Windows drive path as a module", () => {
  assertEquals(parseAppSpec("C:\\srv\\app.ts").module, "C:\\srv\\app.ts");
  assertEquals(parseAppSpec("C:\\srv\\app.ts:app").attr, "app");
});

Deno.test("parseAppSpec() rejects an attribute that is not an identifier", () => {
  const e = assertThrows(() => parseAppSpec("x:1bad"), AppLoadError);
  assertEquals(
    e.message,
    'Cannot parse app spec "x:1bad": expected MODULE:ATTR such as main:app or main:create_app("prod")',
  );
});

Deno.test("parseAppSpec() rejects an empty module or attribute", () => {
  assertThrows(() => parseAppSpec(":app"), AppLoadError, 'Cannot parse app spec ":app"');
  assertThrows(() => parseAppSpec("main:"), AppLoadError, 'Cannot parse app spec "main:"');
  assertThrows(() => parseAppSpec("main:a..b"), AppLoadError, "expected MODULE:ATTR");
});

Deno.test("parseAppSpec() rejects factory arguments that are not JSON literals", () => {
  const e = assertThrows(() => parseAppSpec("main:create_app('prod')"), AppLoadError);
  assertEquals(
    e.message,
    `Cannot parse app spec "main:create_app('prod')": factory arguments must be JSON literals such as "prod", 2, true or null`,
  );
  assertThrows(() => parseAppSpec("main:create_app(env)"), AppLoadError, "JSON literals");
  assertThrows(() => parseAppSpec('main:create_app(x="1")'), AppLoadError, "JSON literals");
});

Deno.test("parseAppSpec() rejects URL and registry specifiers", () => {
  for (
    const spec of ["file:///srv/main.ts:app", "https://x.test/main.ts", "npm:hono", "jsr:@x/y"]
  ) {
    const e = assertThrows(() => parseAppSpec(spec), AppLoadError);
    assertEquals(
      e.message,
      `Cannot parse app spec ${
        JSON.stringify(spec)
      }: URL and jsr:/npm: specifiers are not supported; give a file path relative to the working directory such as main:app`,
    );
  }
});

Deno.test("parseAppSpec() rejects an empty spec", () => {
  const e = assertThrows(() => parseAppSpec("  "), AppLoadError);
  assertEquals(e.message, "Cannot load an app: no APP_MODULE given; pass one such as main:app");
});

// --- loadApp: the forms that load ---------------------------------------------------------------

Deno.test("loadApp() uses the default export function when no attribute is given", async () => {
  assertEquals(await call(await loadApp("default_fn", FIXTURES)), "default fn");
});

Deno.test("loadApp() binds fetch of a default-exported object", async () => {
  assertEquals(await call(await loadApp("default_object.ts", FIXTURES)), "default object");
});

Deno.test("loadApp() finds a named export with or without the extension", async () => {
  assertEquals(await call(await loadApp("named:app", FIXTURES)), "named app");
  assertEquals(await call(await loadApp("named.ts:handler", FIXTURES)), "named handler");
});

Deno.test("loadApp() tries the .mjs extension", async () => {
  assertEquals(await call(await loadApp("plain:app", FIXTURES)), "plain mjs");
});

Deno.test("loadApp() resolves a path relative to cwd and accepts an absolute path", async () => {
  assertEquals(await call(await loadApp("fixtures/apps/named:app", TESTS)), "named app");
  assertEquals(await call(await loadApp(`${FIXTURES}/named.ts:app`, "/")), "named app");
});

Deno.test("loadApp() follows a dotted attribute and binds the object it ends on", async () => {
  assertEquals(await call(await loadApp("dotted:obj.app", FIXTURES)), "dotted app");
  assertEquals(await call(await loadApp("dotted:obj.nested.handler", FIXTURES)), "nested handler");
});

Deno.test("loadApp() calls a factory with its literal arguments", async () => {
  const app = await loadApp('factory:create_app("prod", 2, true, null)', FIXTURES);
  assertEquals(await call(app), '["prod",2,true,null]');
});

Deno.test("loadApp() awaits an async factory", async () => {
  assertEquals(await call(await loadApp('factory:create_async("x")', FIXTURES)), "async x");
});

Deno.test("loadApp() calls a dotted factory with its holder as this", async () => {
  assertEquals(await call(await loadApp('factory:factories.make("me")', FIXTURES)), "made by me");
});

Deno.test("loadApp() loads the examples", async () => {
  const hello = await loadApp("examples/hello:app", ROOT);
  assertEquals(await call(hello), "Hello, world!\n");
  const hono = await loadApp("examples/hono_style.ts", ROOT);
  assertEquals(await call(hono, "/"), "Hello from a Hono-style app!\n");
});

// --- loadApp: every failure, one line each ------------------------------------------------------

Deno.test("loadApp() lists every name it tried when the module is missing", async () => {
  assertEquals(
    await loadError("myapp:app"),
    `Cannot find module "myapp": tried myapp, myapp.ts, myapp.tsx, myapp.js, myapp.mjs, myapp.jsx in ${FIXTURES}`,
  );
});

Deno.test("loadApp() tries only the given name when it has an extension", async () => {
  assertEquals(
    await loadError("myapp.ts:app"),
    `Cannot find module "myapp.ts": tried myapp.ts in ${FIXTURES}`,
  );
});

Deno.test("loadApp() does not take a directory for a module", async () => {
  const msg = await loadError("apps:app", `${TESTS}/fixtures`);
  assert(msg.startsWith('Cannot find module "apps": tried apps, apps.ts,'), msg);
});

Deno.test("loadApp() lists exports when the attribute is missing", async () => {
  assertEquals(
    await loadError("named:nope"),
    'Cannot find attribute "nope" in "named.ts": it exports Server, VALUE, app, handler',
  );
});

Deno.test("loadApp() says how to name an attribute when there is no default export", async () => {
  assertEquals(
    await loadError("named"),
    'Cannot find attribute "default" in "named.ts": it exports Server, VALUE, app, handler; name one as named.ts:ATTR',
  );
});

Deno.test("loadApp() says when a module exports nothing", async () => {
  assertEquals(
    await loadError("empty:app"),
    'Cannot find attribute "app" in "empty.ts": it exports nothing',
  );
});

Deno.test("loadApp() names the object that lacks a dotted attribute's part", async () => {
  assertEquals(
    await loadError("dotted:obj.nested.nope"),
    'Cannot find attribute "obj.nested.nope" in "dotted.ts": "obj.nested" has handler',
  );
  assertEquals(
    await loadError("dotted:obj.name.x"),
    'Cannot find attribute "obj.name.x" in "dotted.ts": "obj.name" has no properties (it is string)',
  );
});

Deno.test("loadApp() rejects a value that is not a handler and names its type", async () => {
  assertEquals(
    await loadError("named:VALUE"),
    'Cannot use "named.ts:VALUE" as an app: expected a fetch handler function or an object with a fetch method, got number',
  );
  assertEquals(
    await loadError("dotted:obj.nested"),
    'Cannot use "dotted.ts:obj.nested" as an app: expected a fetch handler function or an object with a fetch method, got object without a fetch method (keys: handler)',
  );
});

Deno.test("loadApp() rejects a class and suggests an instance", async () => {
  const msg = await loadError("named:Server");
  assert(msg.endsWith("got a class (export an instance of it instead)"), msg);
});

Deno.test("loadApp() reports the first line of what a factory threw", async () => {
  assertEquals(
    await loadError("factory:create_broken()"),
    'Cannot call factory "create_broken" in "factory.ts": it threw: database is down',
  );
});

Deno.test("loadApp() rejects a factory call on something that is not a function", async () => {
  assertEquals(
    await loadError("factory:not_callable()"),
    'Cannot call factory "not_callable" in "factory.ts": it is string, not a function',
  );
});

Deno.test("loadApp() rejects a factory that returns something that is not a handler", async () => {
  assertEquals(
    await loadError("factory:create_number()"),
    'Cannot use "factory.ts:create_number" as an app: expected a fetch handler function or an object with a fetch method, got number',
  );
});

Deno.test("loadApp() reports the first line of an error thrown on import", async () => {
  assertEquals(
    await loadError("throws_on_import:app"),
    'Cannot import "throws_on_import.ts": cannot connect to the database',
  );
});

Deno.test("loadApp() keeps the error an app module throws on import as the cause", async () => {
  const e = await assertRejects(() => loadApp("throws_on_import:app", FIXTURES), AppLoadError);
  assert(e.cause instanceof Error, "no cause");
  assert(/throws_on_import\.ts:\d+:\d+/.test(e.cause.stack ?? ""), e.cause.stack);
});

Deno.test("loadApp() keeps the error a factory throws as the cause", async () => {
  const e = await assertRejects(() => loadApp("factory:create_broken()", FIXTURES), AppLoadError);
  assertEquals((e.cause as Error).message, "database is down\nsecond line that must not appear");
});

Deno.test("loadApp() gives no cause when the module is simply not found", async () => {
  const e = await assertRejects(() => loadApp("nowhere:app", FIXTURES), AppLoadError);
  assertEquals(e.cause, undefined);
});

Deno.test("loadApp() reports a syntax error on one line", async () => {
  const dir = await Deno.makeTempDir({ prefix: "denocorn_app_test_" });
  try {
    await Deno.writeTextFile(`${dir}/broken.ts`, "export const app = (;\n");
    assertEquals(
      await loadError("broken:app", dir),
      'Cannot import "broken.ts": SyntaxError: Expression expected (at broken.ts:1:21)',
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loadApp() reports a missing dependency of the module on one line", async () => {
  const dir = await Deno.makeTempDir({ prefix: "denocorn_app_test_" });
  try {
    await Deno.writeTextFile(`${dir}/dep.ts`, 'export { app } from "./missing.ts";\n');
    const msg = await loadError("dep:app", dir);
    assert(msg.startsWith('Cannot import "dep.ts": '), msg);
    assert(msg.includes("missing.ts"), msg);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loadApp() rejects a parse error before looking for the module", async () => {
  assertEquals(
    await loadError("x:1bad"),
    'Cannot parse app spec "x:1bad": expected MODULE:ATTR such as main:app or main:create_app("prod")',
  );
});

// --- appModulePath and the embedded app ---------------------------------------------------------

Deno.test("appModulePath() finds the module file as loadApp() does, or returns null", () => {
  assertEquals(appModulePath("named:app", FIXTURES), `${FIXTURES}/named.ts`);
  assertEquals(appModulePath("plain.mjs", FIXTURES), `${FIXTURES}/plain.mjs`);
  assertEquals(appModulePath("nowhere:app", FIXTURES), null);
  assertEquals(appModulePath("x:1bad", FIXTURES), null);
  assertEquals(appModulePath(EMBEDDED_APP, FIXTURES), null);
});

Deno.test("loadApp() returns the handler serve() registered for the embedded app spec", async () => {
  await assertRejects(() => loadApp(EMBEDDED_APP, FIXTURES), AppLoadError, "serve() was not");
  const app = {
    prefix: "bound",
    fetch(this: { prefix: string }) {
      return new Response(this.prefix);
    },
  };
  setEmbeddedApp(app);
  assertEquals(await call(await loadApp(EMBEDDED_APP, FIXTURES)), "bound");
});
