// KPIs over a chosen period, as SVG charts: orders by state, cycle time by offering (median,
// p90), fallout and jeopardy rates, open fallout by system, time per task type vs expected.
import { api } from "../api.js";
import { barChart } from "../charts.js";
import { clear, field, fmtDuration, h, message, select, fill } from "../dom.js";

const PERIODS = [["1", "last 24 hours"], ["7", "last 7 days"], ["30", "last 30 days"], ["90", "last 90 days"]];
const pct = (v) => (v === null || v === undefined ? "n/a" : `${(v * 100).toFixed(1)} %`);

export async function render(main) {
  const period = select("period", PERIODS, "7");
  const host = h("div");
  const form = h("form", { class: "filters", "aria-label": "Period" }, field("Period", period), h("button", { type: "submit", class: "primary" }, "Show"));
  form.addEventListener("submit", (e) => { e.preventDefault(); load(); });
  main.append(h("h1", {}, "KPIs"), form, host);

  async function load() {
    const to = new Date();
    const from = new Date(to.getTime() - Number(period.value) * 86400000);
    try {
      const k = await api(`/ops/v1/kpis?from=${from.toISOString()}&to=${to.toISOString()}`);
      fill(host, 
        h("div", { class: "kpi-cards", "data-page": "kpis" },
          card("Orders", String(k.orders)),
          card("Fallout rate", pct(k.falloutRate), `${k.ordersWithFallout} order(s) fell out`),
          card("Jeopardy rate", pct(k.jeopardyRate), `${k.ordersInJeopardy} order(s) at risk`),
          card("Open fallout", String(Object.values(k.openFalloutBySystem).reduce((a, b) => a + b, 0)), "cases now")),
        h("div", { class: "charts" },
          barChart("Orders by state", Object.entries(k.ordersByState).map(([label, n]) => ({ label, values: [n] }))),
          barChart("Cycle time by offering", k.cycleTimeByOffering.map((r) => ({ label: `${r.offering} (${r.orders})`, values: [r.medianSeconds, r.p90Seconds] })), { series: ["median", "p90"], format: fmtDuration }),
          barChart("Open fallout by system", Object.entries(k.openFalloutBySystem).map(([label, n]) => ({ label, values: [n] }))),
          barChart("Rates", [{ label: "fallout", values: [k.falloutRate ?? 0] }, { label: "jeopardy", values: [k.jeopardyRate ?? 0] }], { format: pct, max: 1 }),
          taskTimes(k.taskTimes),
        ),
      );
    } catch (error) {
      if (error.status !== 401) fill(host, message("error", error.message));
    }
  }
  await load();
  return null;
}

// Each kind of task: its median time as a share of the expected one (1 = as expected).
function taskTimes(rows) {
  const timed = rows.filter((r) => r.ratio !== null).slice(0, 20);
  return barChart(
    "Time per task type against its expected duration",
    timed.map((r) => ({ label: `${r.task} (${r.runs})`, values: [r.ratio], detail: `${fmtDuration(r.medianSeconds)} of ${fmtDuration(r.expectedSeconds)}` })),
    { series: ["median / expected"], format: (v) => `×${v < 0.1 ? v.toFixed(3) : v.toFixed(2)}`, markers: timed.map(() => 1), markerName: "as expected (×1)" },
  );
}

function card(title, value, note) {
  return h("div", { class: "kpi-card" }, h("div", { class: "muted" }, title), h("div", { class: "big" }, value), note ? h("div", { class: "muted" }, note) : null);
}
