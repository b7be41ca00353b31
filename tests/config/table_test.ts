/** @module Tests for the settings table and the types derived from it. */

import { assert, assertEquals } from "../_assert.ts";
import {
  type ConfigFile,
  defaultOf,
  loadSettings,
  SETTINGS,
  type Settings,
  type SettingSpec,
} from "../../lib/config/mod.ts";
import { explain, fromConfig } from "../../lib/config/coerce.ts";
import { DEFAULT_ACCESS_LOG_FORMAT, LOG_LEVELS } from "../../lib/log.ts";
import { WORKER_CLASS_NAMES } from "../../lib/config/names.ts";
import { WORKER_CLASSES } from "../../lib/workers/mod.ts";

Deno.test("SETTINGS has one row per name, each default passing its own check", () => {
  const names = SETTINGS.map((s) => s.name);
  assertEquals(new Set(names).size, names.length, "names are unique");
  for (const spec of SETTINGS) {
    const value = defaultOf(spec);
    if (value === null || typeof value === "boolean") continue;
    const again = explain(() => fromConfig(spec, value), (e) => `${spec.name}: ${e}`);
    assertEquals(again, value, spec.name);
  }
});

Deno.test("SETTINGS takes its choice lists and defaults from their owners", () => {
  const row = (name: string): SettingSpec | undefined => SETTINGS.find((s) => s.name === name);
  const workerClass = row("worker_class");
  assert(workerClass?.type === "string");
  assertEquals(workerClass.choices, WORKER_CLASS_NAMES);
  assertEquals(Object.keys(WORKER_CLASSES).sort(), [...WORKER_CLASS_NAMES].sort());
  const loglevel = row("loglevel");
  assert(loglevel?.type === "string");
  assertEquals(loglevel.choices, LOG_LEVELS);
  const format = row("access_log_format");
  assertEquals(format === undefined ? null : defaultOf(format), DEFAULT_ACCESS_LOG_FORMAT);
});

Deno.test("Settings has exactly the table's names, typed by each row", async () => {
  const result = await loadSettings(["app:x"], {}, Deno.makeTempDirSync());
  assert(result.action === "run");
  const settings: Settings = result.settings;
  assertEquals(Object.keys(settings).sort(), SETTINGS.map((s) => s.name as string).sort());
  // Compile-time checks: `deno task check` fails if the derived types drift from the rows.
  const workers: number = settings.workers;
  const bind: string[] = settings.bind;
  const reload: boolean = settings.reload;
  const pidfile: string | null = settings.pidfile;
  const level: "debug" | "info" | "warning" | "error" | "critical" = settings.loglevel;
  const kind: "sync" | "async" = settings.worker_class;
  // @ts-expect-error a nullable setting may be null
  const notNull: string = settings.accesslog;
  // @ts-expect-error only the table's names exist
  settings.wokers;
  assertEquals([workers, bind, reload, pidfile, level, kind, notNull], [
    1,
    ["127.0.0.1:8000"],
    false,
    null,
    "info",
    "sync",
    null,
  ]);
});

Deno.test("ConfigFile accepts each setting in its config file form and rejects others", () => {
  const ok: ConfigFile = {
    bind: "127.0.0.1:1",
    forwarded_allow_ips: ["10.0.0.1"],
    umask: "0o22",
    worker_class: "async",
    accesslog: null,
  };
  // @ts-expect-error not a worker class
  const badClass: ConfigFile = { worker_class: "gevent" };
  // @ts-expect-error workers is a number
  const badWorkers: ConfigFile = { workers: "2" };
  // @ts-expect-error not a setting
  const badName: ConfigFile = { wokers: 2 };
  assertEquals([ok, badClass, badWorkers, badName].length, 4);
});
