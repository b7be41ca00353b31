/** @module The `Date` header value for responses: the worker's clock, formatted once per second. */

import { httpDate } from "../../http/mod.ts";

/**
 * The current `Date` value, reformatted only when the second changes. The clock is injected
 * (wall-clock milliseconds), so lib/http stays free of clocks and tests can fix the time.
 *
 * @example
 * ```ts
 * import { DateCache } from "./dates.ts";
 * const dates = new DateCache(() => 0);
 * console.assert(dates.now() === "Thu, 01 Jan 1970 00:00:00 GMT");
 * ```
 */
export class DateCache {
  #clock: () => number;
  #second = -1;
  #text = "";

  /** Uses `clock` (default `Date.now`) as the wall clock in milliseconds. */
  constructor(clock: () => number = Date.now) {
    this.#clock = clock;
  }

  /** The current time as an IMF-fixdate. */
  now(): string {
    const second = Math.floor(this.#clock() / 1000);
    if (second !== this.#second) {
      this.#second = second;
      this.#text = httpDate(new Date(second * 1000));
    }
    return this.#text;
  }
}
