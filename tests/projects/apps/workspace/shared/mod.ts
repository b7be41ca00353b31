/** @module Fixture: a workspace member the api member imports by its package name. */

/** The greeting every member agrees on. */
export function greeting(name: string): string {
  return `Hello, ${name}, from a workspace member!`;
}
