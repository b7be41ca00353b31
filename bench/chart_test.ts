import { strictEqual } from "node:assert/strict";
import { barChart } from "./chart.ts";

Deno.test("barChart scales bars to the largest value of each group and escapes labels", () => {
  const svg = barChart([
    { title: "hello <keep-alive>", bars: [{ label: "a", value: 100 }, { label: "b", value: 50 }] },
    { title: "close", bars: [{ label: "b", value: 10 }] },
  ], 480);
  strictEqual(svg.startsWith("<svg "), true);
  strictEqual(svg.includes("hello &lt;keep-alive&gt;"), true);
  const widths = [...svg.matchAll(/<rect x="190" y="\d+" width="(\d+)"/g)].map((m) => Number(m[1]));
  strictEqual(widths.length, 3);
  strictEqual(widths[0], 200); // 480 - 190 - 90 = 200 for the largest bar
  strictEqual(widths[1], 100);
  strictEqual(widths[2], 200); // each group scales to its own maximum
  strictEqual((svg.match(/fill="#ff7f0e"/g) ?? []).length, 2, "b keeps its colour");
});
