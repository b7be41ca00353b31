/** @module Renders --help, --print-config and docs/settings.md from the settings table. */

import { defaultOf, metaOf, SECTIONS, type SettingSpec, type SettingValue } from "./spec.ts";
import { SETTINGS, type Settings } from "./table.ts";

const WIDTH = 100;
const INDENT = 8;

function plain(markdown: string): string {
  return markdown.replaceAll("`", "");
}

function wrap(text: string, indent: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.match(/(?:`[^`]*`|\S)+/g) ?? []) {
    if (line !== "" && indent + line.length + 1 + word.length > WIDTH) {
      lines.push(" ".repeat(indent) + line);
      line = word;
    } else {
      line = line === "" ? word : `${line} ${word}`;
    }
  }
  if (line !== "") lines.push(" ".repeat(indent) + line);
  return lines;
}

function shownDefault(value: SettingValue): string {
  if (Array.isArray(value)) return value.join(",");
  return value === null ? "unset" : String(value);
}

function flagText(spec: SettingSpec): string {
  const meta = metaOf(spec);
  return spec.flags.map((f) => meta === "" ? f : `${f} ${meta}`).join(", ");
}

function helpEntry(spec: SettingSpec): string[] {
  const text = `${plain(spec.help)} [default: ${shownDefault(defaultOf(spec))}]`;
  return [`  ${flagText(spec)}`, ...wrap(text, INDENT)];
}

/** The candidate closest to a mistyped `name`, if any is close. */
export function suggest(name: string, candidates: readonly string[]): string | null {
  let best: string | null = null, bestCost = 4;
  for (const c of candidates) {
    const cost = editDistance(name.replaceAll("-", "_").toLowerCase(), c);
    if (cost < bestCost) [best, bestCost] = [c, cost];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      const sub = (row[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      next.push(Math.min(sub, (row[j] ?? 0) + 1, (next[j - 1] ?? 0) + 1));
    }
    row = next;
  }
  return row[b.length] ?? 0;
}

/** The `--help` text: usage, then every flag of the table by section. */
export function renderHelp(): string {
  const out = [
    "usage: denocorn [OPTIONS] APP_MODULE",
    "",
    "Serve a web application with a pre-fork worker model, like gunicorn.",
    "",
    "positional arguments:",
    "  APP_MODULE",
    ...wrap("The application, MODULE:EXPORT, e.g. myapp:app or ./server.ts:handler.", INDENT),
    "",
    "options:",
    "  -h, --help",
    ...wrap("Show this help and exit.", INDENT),
    "  -v, --version",
    ...wrap("Show the version and exit.", INDENT),
  ];
  for (const section of SECTIONS) {
    const specs = SETTINGS.filter((s) => s.section === section && s.flags.length > 0);
    if (specs.length === 0) continue;
    out.push("", `${section}:`, ...specs.flatMap(helpEntry));
  }
  out.push(
    "",
    "Settings may also come from DENOCORN_CMD_ARGS and a config file; see docs/settings.md.",
    "",
    "Signals to the arbiter: TERM graceful stop, INT/QUIT quick stop, HUP reload, TTIN/TTOU one",
    "worker more/fewer, USR2 upgrade, WINCH stop workers; USR1 is ignored (docs/signals.md).",
    "",
    "Control a running server (with --ctl-socket, found as the server finds it: the flag, or",
    "DENOCORN_CMD_ARGS, or ctl_socket in the config file, -c FILE or ./denocorn.config.ts):",
    "  denocorn ctl [-c CONFIG] [--ctl-socket PATH] [-j] status|workers|stats|reload|reopen|scale N",
  );
  return out.join("\n") + "\n";
}

function docEntry(spec: SettingSpec): string[] {
  const meta = metaOf(spec);
  const flags = spec.flags.map((f) => "`" + (meta === "" ? f : `${f} ${meta}`) + "`");
  return [
    `### ${spec.name}`,
    "",
    `- Command line: ${flags.length === 0 ? "positional `APP_MODULE`" : flags.join(", ")}`,
    `- Config file: \`${spec.name}\``,
    `- Default: \`${JSON.stringify(defaultOf(spec))}\``,
    "",
    ...wrap(spec.help, 0),
    "",
  ];
}

/** The markdown of docs/settings.md: one `### name` per setting, grouped by section. */
export function renderSettingsDoc(): string {
  const out = [
    "# Settings",
    "",
    "<!-- Generated: run `deno run -A lib/config/help.ts > docs/settings.md` -->",
    "",
    ...wrap(
      "Each setting comes, from lowest to highest precedence, from its default, a config file " +
        "(`-c FILE`, or `./denocorn.config.ts` when it exists), the `DENOCORN_CMD_ARGS` variable, " +
        "and the command line. Repeatable flags collect every occurrence; for other flags the " +
        "last one wins. Before a server starts, the settings are checked against the machine: " +
        "every `--bind` host resolves, the log files can be opened, `--chdir` and " +
        "`--worker-tmp-dir` are directories, the directories of `--pid` and `--ctl-socket` " +
        "exist (and no file other than a stale socket is at `--ctl-socket`); `--check-config` " +
        "also binds every `--bind` address. A bad value stops denocorn with exit status 2 and " +
        "one line naming the flag. A typed example config file: " +
        "[examples/denocorn.config.ts](../examples/denocorn.config.ts).",
      0,
    ),
    "",
  ];
  for (const section of SECTIONS) {
    out.push(`## ${section}`, "");
    out.push(...SETTINGS.filter((s) => s.section === section).flatMap(docEntry));
  }
  return out.join("\n").trimEnd() + "\n";
}

/** One `name = value` line per setting, sorted by name, values as JSON (like gunicorn). */
export function printConfig(settings: Settings): string {
  const names = (Object.keys(settings) as (keyof Settings)[]).sort();
  const width = Math.max(...names.map((n) => n.length));
  return names.map((n) => `${n.padEnd(width)} = ${JSON.stringify(settings[n])}`).join("\n") +
    "\n";
}

if (import.meta.main) {
  const bytes = new TextEncoder().encode(renderSettingsDoc());
  let off = 0;
  while (off < bytes.length) off += Deno.stdout.writeSync(bytes.subarray(off));
}
