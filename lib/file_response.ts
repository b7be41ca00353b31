/**
 * @module `fileResponse()`: a Response for a file on disk that any server can stream, and that
 * denocorn's sync worker sends with sendfile(2) (gunicorn's `wsgi.file_wrapper`).
 */

/** A file body the worker may send with sendfile(2). */
export interface FileBody {
  path: string;
  size: number;
}

const FILES = new WeakMap<Response, FileBody>();

/**
 * A Response whose body is the file at `path`. Content-Length is set from the file size and
 * Content-Type defaults to `application/octet-stream`. Elsewhere the body streams from disk; in
 * denocorn's sync worker the kernel copies it to the socket (sendfile) without passing through
 * JavaScript.
 *
 * @example
 * ```ts
 * import { fileResponse } from "./file_response.ts";
 * const path = Deno.makeTempFileSync();
 * Deno.writeTextFileSync(path, "hello");
 * const res = await fileResponse(path, { headers: { "content-type": "text/plain" } });
 * console.assert(res.headers.get("content-length") === "5" && (await res.text()) === "hello");
 * Deno.removeSync(path);
 * ```
 */
export async function fileResponse(path: string, init: ResponseInit = {}): Promise<Response> {
  const info = await Deno.stat(path);
  if (!info.isFile) throw new TypeError(`Cannot send "${path}": not a regular file`);
  const headers = new Headers(init.headers);
  headers.set("content-length", String(info.size));
  if (!headers.has("content-type")) headers.set("content-type", "application/octet-stream");
  let file: Deno.FsFile | null = null;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      file ??= await Deno.open(path);
      const buf = new Uint8Array(64 * 1024);
      const n = await file.read(buf);
      if (n === null) {
        file.close();
        controller.close();
      } else {
        controller.enqueue(buf.subarray(0, n));
      }
    },
    cancel() {
      file?.close();
    },
  });
  const res = new Response(body, { ...init, headers });
  FILES.set(res, { path, size: info.size });
  return res;
}

/** The file behind a {@linkcode fileResponse}, or null for any other Response. */
export function fileBodyOf(res: Response): FileBody | null {
  return FILES.get(res) ?? null;
}
