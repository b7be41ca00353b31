/**
 * @module What a row of the settings table is, and the value type each kind of row gives: the
 * types from which `Settings` and the config file's type are derived.
 */

import type { Check } from "./validators.ts";

/** How a setting's text is read: `float` is seconds, `list` is a repeatable string. */
export type SettingType = SettingSpec["type"];

/** The sections of `--help` and docs/settings.md, in display order. */
export const SECTIONS = [
  "Config file",
  "Server socket",
  "Worker processes",
  "Security",
  "SSL",
  "Logging",
  "Process naming",
  "Server mechanics",
  "Debugging",
] as const;

/** One of {@link SECTIONS}. */
export type Section = typeof SECTIONS[number];

/** A setting value after coercion. */
export type SettingValue = string | number | boolean | string[] | null;

/** What every row of the settings table has, whatever its type. */
export interface BaseSpec {
  /** The snake_case gunicorn name: the `Settings` field and the config file key. */
  readonly name: string;
  /** Where `--help` and docs/settings.md show it. */
  readonly section: Section;
  /** Command-line flags; empty for the positional APP_MODULE. */
  readonly flags: readonly string[];
  /** Returns raw text (as if given on the command line) that overrides the default, if any. */
  readonly envDefault?: (env: Record<string, string>) => string | undefined;
  /** The check each value (each item, for lists) must pass. */
  readonly validate?: Check;
  /** The value's placeholder in `--help`; omitted: INT for numbers, none for bools. */
  readonly meta?: string;
  /** What the setting does (markdown): `--help`, docs/settings.md, the field's meaning. */
  readonly help: string;
}

/** A number: `int`, `float` (seconds) or `octal` (a mode, also read from `0o22`/`022`). */
export interface NumberSpec extends BaseSpec {
  /** How the number is read. */
  readonly type: "int" | "float" | "octal";
  /** The value when nothing sets it; null: unset (a config file may also set null). */
  readonly default: number | null;
}

/** A flag without a value; false unless given. */
export interface BoolSpec extends BaseSpec {
  /** A flag. */
  readonly type: "bool";
}

/** A list of strings: each occurrence of the flag adds one, or replaces the list (`comma`). */
export interface ListSpec extends BaseSpec {
  /** A repeatable string. */
  readonly type: "list";
  /** The list when nothing sets it. */
  readonly default: readonly string[];
  /** One occurrence is a comma-separated list that replaces earlier ones. */
  readonly comma?: boolean;
}

/** A string that always has a value, maybe one of fixed `choices`. */
export interface StringSpec extends BaseSpec {
  /** A string. */
  readonly type: "string";
  /** The value when nothing sets it. */
  readonly default: string;
  /** Accepted values (compared case-insensitively, stored lower case). */
  readonly choices?: readonly string[];
  /** Other spellings of choices (e.g. gunicorn's numbers), mapped to the choice they mean. */
  readonly aliases?: Readonly<Record<string, string>>;
}

/** A string that is null unless set. */
export interface NullableStringSpec extends BaseSpec {
  /** A string or null. */
  readonly type: "nullable string";
}

/** One row of the settings table. */
export type SettingSpec = NumberSpec | BoolSpec | ListSpec | StringSpec | NullableStringSpec;

/** A row's default value, filling in the omitted ones (false for bools, null for the rest). */
export function defaultOf(spec: SettingSpec): SettingValue {
  switch (spec.type) {
    case "bool":
      return false;
    case "nullable string":
      return null;
    case "list":
      return [...spec.default];
    default:
      return spec.default;
  }
}

/** The placeholder of a row's value in `--help`, or "" for flags without a value. */
export function metaOf(spec: SettingSpec): string {
  if (spec.meta !== undefined) return spec.meta;
  return spec.type === "bool" ? "" : "INT";
}

/** The long flag a row is named by in messages, e.g. `--workers`. */
export function longFlag(spec: SettingSpec): string {
  return spec.flags.find((f) => f.startsWith("--")) ?? spec.name;
}
