/** @module Tests for lib/project/command.ts: the flags a worker's `deno run` gets. */

import { assertEquals } from "../_assert.ts";
import {
  forwardedFlags,
  ownMain,
  ownRoot,
  projectFlags,
  runFlags,
} from "../../lib/project/command.ts";
import { NO_PROJECT } from "../../lib/project/find.ts";

Deno.test("projectFlags() passes the app's deno.json and the worker's lock copy", () => {
  const project = { ...NO_PROJECT, config: "/srv/app/deno.json", root: "/srv/app" };
  assertEquals(projectFlags(project, "/tmp/w.lock"), [
    "--config=/srv/app/deno.json",
    "--lock=/tmp/w.lock",
  ]);
});

Deno.test("projectFlags() resolves a package.json project through its node_modules", () => {
  const project = { ...NO_PROJECT, packageJson: "/srv/app/package.json", root: "/srv/app" };
  assertEquals(projectFlags(project, null), [
    "--no-config",
    "--node-modules-dir=manual",
    "--no-lock",
  ]);
});

Deno.test("projectFlags() keeps denocorn's own config away from an app without a project", () => {
  assertEquals(projectFlags(NO_PROJECT, "/tmp/w.lock"), ["--no-config", "--lock=/tmp/w.lock"]);
});

Deno.test("runFlags() returns the deno flags between run and the script", () => {
  const line = ["deno", "run", "--allow-all", "--config", "/x/deno.json", "file:///a/main.ts"];
  assertEquals(runFlags([...line, "app:app", "-w", "2"], ["app:app", "-w", "2"]), [
    "--allow-all",
    "--config",
    "/x/deno.json",
  ]);
});

Deno.test("runFlags() adds -A and drops --watch and --inspect flags", () => {
  const line = ["deno", "run", "--watch", "--inspect=127.0.0.1:9229", "--unstable-kv", "s.ts"];
  assertEquals(runFlags(line, []), ["-A", "--unstable-kv"]);
});

Deno.test("runFlags() reads `deno script.ts` without the run subcommand", () => {
  assertEquals(runFlags(["deno", "-A", "s.ts", "x"], ["x"]), ["-A"]);
  assertEquals(runFlags(["deno", "s.ts"], []), ["-A"]);
});

Deno.test("runFlags() gives up on another subcommand or arguments that do not match", () => {
  assertEquals(runFlags(["deno", "task", "start"], []), null);
  assertEquals(runFlags(["deno", "run", "-A", "s.ts", "a"], ["b"]), null);
  assertEquals(runFlags(["deno"], ["a", "b"]), null);
});

Deno.test("ownRoot() and ownMain() point at this checkout", () => {
  const root = new URL("../../", import.meta.url).pathname.replace(/\/$/, "");
  assertEquals(ownRoot(), root);
  assertEquals(ownMain(), `${root}/main.ts`);
});

Deno.test("forwardedFlags() keeps the flags that change how workers run code, no others", () => {
  const flags = [
    "-A",
    "--config",
    "/x/deno.json",
    "--unstable-kv",
    "--unstable",
    "--cached-only",
    "--frozen=true",
    "--location=http://app.example/",
    "--seed=7",
    "--v8-flags=--max-old-space-size=64",
    "--unstable-kv-x y",
  ];
  assertEquals(forwardedFlags(flags), [
    "--unstable-kv",
    "--unstable",
    "--cached-only",
    "--frozen=true",
    "--location=http://app.example/",
    "--seed=7",
  ]);
});
