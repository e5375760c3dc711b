// Hand-drawn SVG charts: horizontal bars (one or two series), with a title for screen readers.
import { h, nextId, s } from "./dom.js";

const COLOURS = ["#2f6fd6", "#e08a00", "#2e9d5b", "#8f1d8f", "#c0262d"];

// rows: [{label, values: [number|null, ...]}]; series: names of the values.
export function barChart(caption, rows, { series = ["value"], format = (v) => String(v), markers = null, max: fixedMax = null, markerName = "expected" } = {}) {
  const labelW = 210;
  const barH = 14;
  const gap = 6;
  const rowH = series.length * barH + gap * 2;
  const width = 640;
  const plotW = width - labelW - 80;
  const max = fixedMax ?? Math.max(1e-9, ...rows.flatMap((r) => [...r.values, ...(markers ? [markers[rows.indexOf(r)]] : [])]).filter((v) => v !== null && Number.isFinite(v)));
  const height = Math.max(40, rows.length * rowH + 24);
  const titleId = nextId("chart");
  const svg = s("svg", { class: "chart", width, height, viewBox: `0 0 ${width} ${height}`, role: "img", "aria-labelledby": titleId });
  svg.append(s("title", { id: titleId }, `${caption}: ${rows.map((r) => `${r.label} ${r.values.map(format).join(" / ")}`).join("; ") || "no data"}`));
  rows.forEach((row, i) => {
    const y = 4 + i * rowH;
    svg.append(s("text", { x: labelW - 6, y: y + rowH / 2 + 4, "text-anchor": "end" }, row.label.length > 32 ? row.label.slice(0, 31) + "…" : row.label));
    row.values.forEach((v, k) => {
      if (v === null || !Number.isFinite(v)) return;
      const w = Math.max(1, (v / max) * plotW);
      const by = y + gap + k * barH;
      svg.append(
        s("rect", { x: labelW, y: by, width: w, height: barH - 2, fill: COLOURS[k % COLOURS.length], rx: 2 }),
        s("text", { x: labelW + w + 4, y: by + barH - 4 }, format(v) + (k === 0 && row.detail ? ` (${row.detail})` : "")),
      );
    });
    if (markers && markers[i] !== null && Number.isFinite(markers[i])) {
      const mx = labelW + (markers[i] / max) * plotW;
      svg.append(s("line", { x1: mx, x2: mx, y1: y + 2, y2: y + rowH - 2, stroke: "#1d2430", "stroke-width": 2, "stroke-dasharray": "3 2" }));
    }
  });
  if (!rows.length) svg.append(s("text", { x: 10, y: 24 }, "No data in this period."));
  const legend = series.length > 1 || markers
    ? h("div", { class: "legend" }, series.map((name, k) => h("span", {}, h("i", { style: `background:${COLOURS[k % COLOURS.length]}` }), name)), markers ? h("span", {}, h("i", { style: "border-left:2px dashed #1d2430;height:12px;width:2px" }), markerName) : null)
    : null;
  return h("figure", {}, h("figcaption", {}, caption), legend, svg);
}
