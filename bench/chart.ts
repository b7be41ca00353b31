/**
 * @module The benchmark chart: one group of horizontal bars per scenario, each bar a server's
 * median req/s relative to the fastest server of that scenario. Pure: data in, SVG text out.
 */

/** One scenario's bars. */
export interface ChartGroup {
  title: string;
  bars: { label: string; value: number }[];
}

const COLORS = [
  "#1f77b4",
  "#ff7f0e",
  "#2ca02c",
  "#d62728",
  "#9467bd",
  "#8c564b",
  "#e377c2",
  "#7f7f7f",
];

function esc(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/**
 * Renders the groups as an SVG bar chart (bars scaled to the largest value of their group,
 * labelled with the value), colours fixed per label so a server keeps its colour across groups.
 */
export function barChart(groups: readonly ChartGroup[], width = 760): string {
  const labels = [...new Set(groups.flatMap((g) => g.bars.map((b) => b.label)))];
  const barH = 16;
  const labelW = 190;
  const plotW = width - labelW - 90;
  let y = 10;
  const parts: string[] = [];
  for (const g of groups) {
    parts.push(`<text x="10" y="${y + 14}" font-weight="bold">${esc(g.title)}</text>`);
    y += 24;
    const max = Math.max(1e-9, ...g.bars.map((b) => b.value));
    for (const b of g.bars) {
      const w = Math.max(1, Math.round((b.value / max) * plotW));
      const color = COLORS[labels.indexOf(b.label) % COLORS.length];
      parts.push(
        `<text x="${labelW - 6}" y="${y + 12}" text-anchor="end">${esc(b.label)}</text>`,
        `<rect x="${labelW}" y="${y}" width="${w}" height="${barH}" fill="${color}"/>`,
        `<text x="${labelW + w + 6}" y="${y + 12}">${
          Math.round(b.value).toLocaleString("en-US")
        }</text>`,
      );
      y += barH + 4;
    }
    y += 10;
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y}" ` +
    `font-family="sans-serif" font-size="12">\n<rect width="100%" height="100%" fill="white"/>\n` +
    `${parts.join("\n")}\n</svg>\n`;
}
