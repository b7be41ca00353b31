/** @module An app shaped like Hono's (an object with a `fetch` method), written without a dependency. */

type Handler = (request: Request, params: Record<string, string>) => Response | Promise<Response>;

/** A tiny router with Hono's outer shape: register routes, then hand `fetch` to the server. */
class MiniApp {
  #routes: Array<{ method: string; pattern: URLPattern; handler: Handler }> = [];

  /** Registers a GET route; `:name` segments become params. */
  get(path: string, handler: Handler): this {
    this.#routes.push({ method: "GET", pattern: new URLPattern({ pathname: path }), handler });
    return this;
  }

  /** Dispatches a request; uses `this`, so the server must call it bound to the app. */
  async fetch(request: Request): Promise<Response> {
    for (const route of this.#routes) {
      if (
        route.method !== request.method && !(route.method === "GET" && request.method === "HEAD")
      ) {
        continue;
      }
      const match = route.pattern.exec(request.url);
      if (match === null) continue;
      const params: Record<string, string> = {};
      for (const [k, v] of Object.entries(match.pathname.groups)) params[k] = v ?? "";
      return await route.handler(request, params);
    }
    return new Response("Not Found\n", { status: 404 });
  }
}

const app = new MiniApp()
  .get("/", () => new Response("Hello from a Hono-style app!\n"))
  .get("/hello/:name", (_req, p) => new Response(`Hello, ${p.name}!\n`))
  .get("/json", () => Response.json({ ok: true }));

/** `denocorn examples/hono_style.ts` loads this default export and binds its `fetch`. */
export default app;
