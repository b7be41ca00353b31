/**
 * @module Programs some integration tests run besides denocorn (Debian packages). A test that needs
 * one that is missing is ignored with the reason, never counted as passed; .ci/run installs them.
 */

/** The path of `name` on PATH, or null. */
export function which(name: string): string | null {
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    try {
      if (Deno.statSync(`${dir}/${name}`).isFile) return `${dir}/${name}`;
    } catch { /* not here */ }
  }
  return null;
}

/** curl, an HTTP client independent of Deno (HTTP/1.1 and HTTP/2 over TLS, client certificates). */
export const CURL = which("curl");
/** Why a test that needs curl is ignored. */
export const NO_CURL = "curl is not installed (.ci/run installs it with apt)";
