/** @module Fixture: a JSX runtime that renders elements straight to HTML strings. */

type Props = Record<string, unknown> & { children?: unknown };
type Component = (props: Props) => string;

function render(child: unknown): string {
  if (Array.isArray(child)) return child.map(render).join("");
  return child === null || child === undefined || child === false ? "" : String(child);
}

/** Renders one element (or calls a component) to HTML. */
export function jsx(tag: string | Component, props: Props): string {
  if (typeof tag === "function") return tag(props);
  const { children, ...attrs } = props;
  const text = Object.entries(attrs).map(([k, v]) => ` ${k}="${String(v)}"`).join("");
  return `<${tag}${text}>${render(children)}</${tag}>`;
}

/** Elements with several children compile to this. */
export const jsxs = jsx;

/** `<>...</>`: the children without a wrapper. */
export function Fragment(props: Props): string {
  return render(props.children);
}

/** The types TypeScript checks JSX against. */
export declare namespace JSX {
  /** Any lower-case tag with any attributes. */
  type IntrinsicElements = Record<string, Record<string, unknown>>;
  /** What an element evaluates to. */
  type Element = string;
}
