/** @module Fixture: a `deno serve` style app written in JSX. */

function Greeting(props: { name: string }) {
  return <h1 class="greeting">Hello, {props.name}!</h1>;
}

export default {
  fetch(request: Request): Response {
    const name = new URL(request.url).searchParams.get("name") ?? "JSX";
    return new Response(<Greeting name={name} />, { headers: { "content-type": "text/html" } });
  },
};
