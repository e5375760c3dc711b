// The order timeline as a hand-drawn SVG Gantt: a row per task, grouped by domain order;
// planned (thin) and actual (thick) bars, dependency arrows, the critical path in red,
// jeopardy outlines, and the due date, forecast completion and now as vertical lines.
import { fmtDate, fmtDuration, h, nextId, s } from "./dom.js";

const LABEL_W = 330;
const ROW_H = 24;
const AXIS_H = 46;
const FIT_W = 900;
export const ZOOMS = [
  ["fit", "Fit"],
  ["hours", "Hours"],
  ["days", "Days"],
  ["weeks", "Weeks"],
];
const PX_PER_SECOND = { hours: 240 / 3600, days: 240 / 86400, weeks: 240 / 604800 };
const TICKS = [1, 5, 10, 30, 60, 300, 900, 1800, 3600, 10800, 21600, 43200, 86400, 172800, 604800, 2419200];
const STATUS_FILL = {
  completed: "#2e9d5b", running: "#2f6fd6", fallout: "#e08a00", held: "#e0b000",
  failed: "#c0262d", compensated: "#8a8f99", cancelled: "#b9bec7", pending: "#c9d3e3",
};
const JEOPARDY_STROKE = { warning: "#e08a00", critical: "#8f1d8f" };
const CRITICAL = "#c0262d";

const ms = (iso) => (iso ? new Date(iso).getTime() : null);

function rowsOf(timeline, domainOrders) {
  const byDomain = new Map();
  for (const task of timeline.tasks) {
    if (!byDomain.has(task.domainOrderId)) byDomain.set(task.domainOrderId, []);
    byDomain.get(task.domainOrderId).push(task);
  }
  const order = [...domainOrders.map((d) => d.id), ...byDomain.keys()];
  const rows = [];
  for (const id of [...new Set(order)]) {
    const tasks = byDomain.get(id);
    if (!tasks) continue;
    rows.push({ group: id, tasks });
    for (const task of tasks) rows.push({ task });
  }
  return rows;
}

function span(task) {
  const start = ms(task.actualStart) ?? ms(task.plannedStart);
  const end = ms(task.actualEnd) ?? ms(task.plannedEnd) ?? start;
  return [start, end];
}

export function renderGantt(timeline, domainOrders, { zoom = "fit", dueDate, forecast, now = Date.now() } = {}) {
  const rows = rowsOf(timeline, domainOrders);
  const critical = new Set(timeline.criticalPath || []);
  const times = timeline.tasks.flatMap((t) => [ms(t.plannedStart), ms(t.plannedEnd), ms(t.actualStart), ms(t.actualEnd)]).filter((v) => v !== null);
  if (!times.length) return h("p", { class: "muted" }, "The order has no planned task yet.");
  let t0 = Math.min(...times);
  let t1 = Math.max(...times, ms(forecast) ?? 0);
  if (timeline.state && !["completed", "failed", "partial", "cancelled", "rejected"].includes(timeline.state)) t1 = Math.max(t1, now);
  if (zoom !== "fit" && ms(dueDate)) t1 = Math.max(t1, ms(dueDate));
  t1 = Math.max(t1, t0 + 1000);
  const pad = (t1 - t0) * 0.03;
  t0 -= pad;
  t1 += pad;
  const pxPerMs = zoom === "fit" ? FIT_W / (t1 - t0) : PX_PER_SECOND[zoom] / 1000;
  const chartW = Math.max(200, Math.min(60000, (t1 - t0) * pxPerMs));
  const x = (t) => LABEL_W + (t - t0) * pxPerMs;
  const width = LABEL_W + chartW + 150;
  const height = AXIS_H + rows.length * ROW_H + 10;
  const titleId = nextId("gantt");
  const svg = s("svg", {
    class: "gantt", width, height, viewBox: `0 0 ${width} ${height}`, role: "img", "aria-labelledby": titleId,
    "data-task-count": timeline.tasks.length,
  });
  svg.append(
    s("title", { id: titleId }, `Timeline of order ${timeline.orderId}: ${timeline.tasks.length} tasks, critical path of ${(timeline.criticalPath || []).length}`),
    s("defs", {},
      s("marker", { id: "arrow", viewBox: "0 0 8 8", refX: 7, refY: 4, markerWidth: 7, markerHeight: 7, orient: "auto" }, s("path", { d: "M0,0 L8,4 L0,8 z", fill: "#7d8796" })),
      s("marker", { id: "arrow-critical", viewBox: "0 0 8 8", refX: 7, refY: 4, markerWidth: 7, markerHeight: 7, orient: "auto" }, s("path", { d: "M0,0 L8,4 L0,8 z", fill: CRITICAL }))),
  );

  // Time axis: ticks at a round interval at least 90 px apart.
  const step = (TICKS.find((t) => t * 1000 * pxPerMs >= 90) || TICKS[TICKS.length - 1]) * 1000;
  const axis = s("g", { class: "axis" });
  for (let t = Math.ceil(t0 / step) * step; t <= t1; t += step) {
    const label = step >= 86400000 ? new Date(t).toISOString().slice(5, 10) : new Date(t).toISOString().slice(11, step >= 60000 ? 16 : 19);
    axis.append(
      s("line", { x1: x(t), x2: x(t), y1: AXIS_H - 2, y2: height, stroke: "#eef1f5" }),
      s("text", { x: x(t) + 2, y: AXIS_H - 6 }, label),
    );
  }
  axis.append(s("text", { x: 6, y: 14, class: "group-label" }, new Date(t0).toISOString().slice(0, 10)));
  svg.append(axis);

  const rowY = new Map();
  rows.forEach((row, i) => {
    const y = AXIS_H + i * ROW_H;
    if (row.group) {
      const spans = row.tasks.map(span).filter(([a]) => a !== null);
      const a = Math.min(...spans.map(([v]) => v));
      const b = Math.max(...spans.map(([, v]) => v));
      svg.append(s("g", { class: "gantt-group", "data-domain-order": row.group },
        s("rect", { x: 0, y, width, height: ROW_H, fill: "#f3f5f9" }),
        s("text", { x: 6, y: y + 16, class: "group-label" }, row.group.length > 48 ? row.group.slice(0, 47) + "…" : row.group),
        Number.isFinite(a) ? s("rect", { x: x(a), y: y + 9, width: Math.max(2, x(b) - x(a)), height: 6, fill: "#8793a6", rx: 2 }) : null));
      return;
    }
    rowY.set(row.task.id, y);
  });

  // Dependencies under the bars: from the end of the predecessor to the start of the task.
  const deps = s("g", { class: "deps" });
  for (const task of timeline.tasks) {
    for (const from of task.dependsOn || []) {
      const source = timeline.tasks.find((t) => t.id === from);
      if (!source || !rowY.has(from) || !rowY.has(task.id)) continue;
      const [, end] = span(source);
      const [start] = span(task);
      if (end === null || start === null) continue;
      const onPath = critical.has(from) && critical.has(task.id);
      const x1 = x(end);
      const y1 = rowY.get(from) + ROW_H / 2;
      const x2 = x(start);
      const y2 = rowY.get(task.id) + ROW_H / 2;
      const bend = Math.max(x1 + 6, Math.min(x2 - 6, x1 + 12));
      deps.append(s("path", {
        class: onPath ? "gantt-dep critical" : "gantt-dep",
        "data-from": from, "data-to": task.id,
        d: `M${x1},${y1} H${bend} V${y2} H${Math.max(x2, bend + 2)}`,
        fill: "none", stroke: onPath ? CRITICAL : "#9aa3b2", "stroke-width": onPath ? 1.6 : 1,
        "marker-end": onPath ? "url(#arrow-critical)" : "url(#arrow)",
      }));
    }
  }
  svg.append(deps);

  for (const task of timeline.tasks) {
    const y = rowY.get(task.id);
    if (y === undefined) continue;
    const onPath = critical.has(task.id);
    const g = s("g", {
      class: `gantt-task${onPath ? " critical" : ""}`, "data-task-id": task.id,
      "data-status": task.status, "data-critical": onPath ? "true" : "false", "data-jeopardy": task.jeopardy,
    });
    const name = task.name.length > 44 ? task.name.slice(0, 43) + "…" : task.name;
    g.append(
      s("title", {}, `${task.name} (${task.id})\nstatus ${task.status}, jeopardy ${task.jeopardy}\nplanned ${fmtDate(task.plannedStart)} → ${fmtDate(task.plannedEnd)}\nactual ${fmtDate(task.actualStart)} → ${fmtDate(task.actualEnd)}\nexpected ${fmtDuration(task.expectedDurationSeconds)}${onPath ? "\non the critical path" : ""}`),
      onPath ? s("rect", { x: 2, y: y + 4, width: 4, height: ROW_H - 8, fill: CRITICAL }) : null,
      s("text", { x: 14, y: y + 16, class: "label", "font-weight": onPath ? 700 : 400 }, name),
    );
    const ps = ms(task.plannedStart);
    const pe = ms(task.plannedEnd);
    if (ps !== null && pe !== null) {
      g.append(s("rect", {
        class: "gantt-planned", x: x(ps), y: y + 3, width: Math.max(2, x(pe) - x(ps)), height: 6,
        fill: onPath ? "#f4b6b8" : "#dde3ec", stroke: onPath ? CRITICAL : "#a9b3c2", "stroke-width": 0.8,
      }));
    }
    const as = ms(task.actualStart);
    if (as !== null) {
      const ae = ms(task.actualEnd) ?? Math.max(now, as);
      const jeopardy = JEOPARDY_STROKE[task.jeopardy];
      g.append(s("rect", {
        class: "gantt-actual", x: x(as), y: y + 10, width: Math.max(3, x(ae) - x(as)), height: 10, rx: 2,
        fill: STATUS_FILL[task.status] || "#6f7b8c",
        stroke: jeopardy || (onPath ? CRITICAL : "none"), "stroke-width": jeopardy ? 2.5 : 1.2,
      }));
    }
    if (task.expectedDurationSeconds === 0 && ps !== null) {
      const cx = x(ms(task.actualEnd) ?? ps);
      g.append(s("path", { class: "gantt-milestone", d: `M${cx},${y + 6} l6,6 l-6,6 l-6,-6 z`, fill: task.status === "completed" ? "#2e9d5b" : "#fff", stroke: "#444" }));
    }
    svg.append(g);
  }

  // Markers: due date, forecast completion, now (drawn at the edge when beyond the range).
  const markers = [
    ["due", dueDate, "#c0262d", "6 3"],
    ["forecast", forecast, "#2f6fd6", "2 2"],
    ["now", timeline.state && !["completed", "failed", "partial", "cancelled", "rejected"].includes(timeline.state) ? new Date(now).toISOString() : null, "#444", null],
  ];
  markers.forEach(([label, iso, colour, dash], i) => {
    const t = ms(iso);
    if (t === null) return;
    const beyond = t > t1;
    const mx = beyond ? LABEL_W + chartW + 4 : x(Math.max(t, t0));
    svg.append(s("g", { class: `gantt-marker gantt-${label}`, "data-time": iso },
      s("title", {}, `${label}: ${fmtDate(iso)}`),
      s("line", { x1: mx, x2: mx, y1: 2 + i * 11, y2: height, stroke: colour, "stroke-width": 1.5, "stroke-dasharray": dash }),
      s("text", { x: mx + 3, y: 10 + i * 11, fill: colour, "font-weight": 700 }, beyond ? `${label} → ${fmtDate(iso).slice(5, 16)}` : label)));
  });

  return h("div", { class: "gantt-wrap" }, svg);
}

export function legend() {
  const item = (colour, text, border) => h("span", {}, h("i", { style: `background:${colour};${border ? `outline:2px solid ${border}` : ""}` }), text);
  return h("div", { class: "legend", "aria-hidden": "true" },
    item("#dde3ec", "planned"), item(STATUS_FILL.completed, "completed"), item(STATUS_FILL.running, "running"),
    item(STATUS_FILL.fallout, "fallout"), item(STATUS_FILL.failed, "failed"), item("#f4b6b8", "critical path", CRITICAL),
    item("#fff", "warning", JEOPARDY_STROKE.warning), item("#fff", "critical jeopardy", JEOPARDY_STROKE.critical),
    item("#c0262d", "due date"), item("#2f6fd6", "forecast"));
}
