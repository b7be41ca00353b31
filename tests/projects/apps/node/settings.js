/** Fixture: a module reached through the package.json "imports" field. */
export const punctuation = "!";
