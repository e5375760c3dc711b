// The jeopardy board: orders (and their tasks) at warning or critical, latest first: ordered
// by how late each will be (forecast completion minus due date; now minus due once passed).
import { api } from "../api.js";
import { badge, clear, fmtDate, fmtDuration, h, message, fill } from "../dom.js";

const REFRESH_MS = 5000;

export function lateness(entry, now = Date.now()) {
  const due = Date.parse(entry.dueDate);
  if (Number.isNaN(due)) return 0;
  const forecast = Date.parse(entry.forecastCompletionDate);
  const end = Number.isNaN(forecast) ? now : Math.max(forecast, entry.level === "critical" ? now : forecast);
  return (end - due) / 1000;
}

export async function render(main) {
  const body = h("tbody");
  const status = h("div", { "aria-live": "polite" });
  main.append(
    h("h1", {}, "Jeopardy board"),
    h("p", { class: "muted" }, "Orders and tasks at warning or critical, the latest first."),
    status,
    h("table", { "aria-label": "Orders at risk", "data-page": "jeopardy" },
      h("thead", {}, h("tr", {}, ["Order", "Level", "Late by", "Due", "Forecast", "Cause", "Tasks at risk"].map((t) => h("th", { scope: "col" }, t)))),
      body),
  );
  async function load() {
    try {
      const entries = await api("/ops/v1/jeopardy?level=warning&limit=500");
      entries.sort((a, b) => lateness(b) - lateness(a));
      fill(body, ...entries.map((e) => h("tr", { "data-order-id": e.orderId, "data-level": e.level },
        h("td", {}, h("a", { href: `#/orders/${encodeURIComponent(e.orderId)}` }, e.orderId.slice(0, 8)), " ", badge(e.state)),
        h("td", {}, badge(e.level)),
        h("td", {}, fmtDuration(lateness(e))),
        h("td", {}, fmtDate(e.dueDate)),
        h("td", {}, fmtDate(e.forecastCompletionDate)),
        h("td", {}, e.cause || ""),
        h("td", {}, h("ul", {}, (e.tasks || []).map((t) => h("li", {}, badge(t.level), ` ${t.taskId}: ${t.cause}`)))),
      )));
      if (!entries.length) body.append(h("tr", {}, h("td", { colspan: 7, class: "muted" }, "No order at risk.")));
    } catch (error) {
      if (error.status !== 401) status.replaceChildren(message("error", error.message));
    }
  }
  await load();
  const timer = setInterval(load, REFRESH_MS);
  return () => clearInterval(timer);
}
