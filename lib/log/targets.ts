/** @module Where log lines go: stdout/stderr, or append-mode files that can be reopened (logrotate). */

const encoder = new TextEncoder();

/** A destination for log lines. */
export interface Target {
  /** Writes `text` whole; never throws (a log line must not take the process down). */
  write(text: string): void;
  /** Closes and reopens a file by its path; nothing for a standard stream. */
  reopen(): void;
  /** Closes a file; nothing for a standard stream. */
  close(): void;
}

function writeAll(w: { writeSync(p: Uint8Array): number }, bytes: Uint8Array): void {
  let off = 0;
  while (off < bytes.length) off += w.writeSync(bytes.subarray(off));
}

/** A standard stream as a target (never closed). */
export function stdTarget(stream: { writeSync(p: Uint8Array): number }): Target {
  return {
    write(text) {
      try {
        writeAll(stream, encoder.encode(text));
      } catch { /* a closed stdout/stderr must not take the worker down */ }
    },
    reopen() {},
    close() {},
  };
}

/** An append-mode file that can be closed and reopened by its path (logrotate). */
export class FileTarget implements Target {
  #path: string;
  #file: Deno.FsFile | null;

  constructor(path: string) {
    this.#path = path;
    this.#file = FileTarget.#open(path);
  }

  static #open(path: string): Deno.FsFile {
    try {
      return Deno.openSync(path, { append: true, create: true });
    } catch (e) {
      throw new Error(`Cannot open log file "${path}": ${(e as Error).message}`);
    }
  }

  write(text: string): void {
    if (this.#file === null) return;
    try {
      writeAll(this.#file, encoder.encode(text));
    } catch { /* a full disk must not take the worker down */ }
  }

  reopen(): void {
    this.close();
    this.#file = FileTarget.#open(this.#path);
  }

  close(): void {
    this.#file?.close();
    this.#file = null;
  }
}

/** The target `spec` names: `-` for `std`, else the file at that path (opened once per path). */
export function target(spec: string, std: Target, opened: Map<string, FileTarget>): Target {
  if (spec === "-") return std;
  let file = opened.get(spec);
  if (file === undefined) {
    file = new FileTarget(spec);
    opened.set(spec, file);
  }
  return file;
}

/** Closes every file in `files`. */
export function closeFiles(files: FileTarget[]): void {
  for (const f of files) f.close();
}
