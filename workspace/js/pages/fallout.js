// The fallout queue: my cases, unassigned ones or all, filtered by system, error and age;
// bulk retry of one system's open cases (after an outage was fixed).
import { api, latestOnly } from "../api.js";
import { badge, clear, field, fmtDuration, h, message, select, fill } from "../dom.js";
import { can } from "../roles.js";

const REFRESH_MS = 5000;

export async function render(main, _params, { session }) {
  let view = "unassigned";
  const tabs = h("div", { class: "toolbar", role: "group", "aria-label": "Which cases" });
  const system = select("system", [["", "any"]], "");
  const errorType = select("errorType", [["", "any"]], "");
  const age = h("input", { name: "minAgeMinutes", type: "number", min: "0", step: "1", inputmode: "numeric" });
  const body = h("tbody");
  const status = h("div", { "aria-live": "polite" });
  const bulk = h("div");

  const views = [["mine", "My cases"], ["unassigned", "Unassigned"], ["all", "All"]];
  const tabButtons = views.map(([id, label]) => h("button", {
    type: "button", "data-view": id, "aria-pressed": String(id === view),
    onclick: () => { view = id; tabButtons.forEach((b) => b.setAttribute("aria-pressed", String(b.dataset.view === view))); load(); },
  }, label));
  tabs.append(...tabButtons);

  const filters = h("form", { class: "filters", "aria-label": "Filter cases" },
    field("System", system), field("Error code", errorType), field("Older than (minutes)", age),
    h("button", { type: "submit", class: "primary" }, "Filter"));
  filters.addEventListener("submit", (e) => { e.preventDefault(); load(); });

  function fillOptions(control, counts) {
    const current = control.value;
    fill(control, h("option", { value: "" }, "any"),
      ...Object.entries(counts).map(([k, n]) => h("option", { value: k, selected: k === current ? true : null }, `${k} (${n})`)));
  }

  const ticket = latestOnly();
  async function load() {
    const current = ticket();
    const params = new URLSearchParams({ limit: "200" });
    if (view === "mine") params.set("assignee", session.user);
    // My cases and all cases show every state (resolved included); unassigned ones are open.
    params.set("state", view === "unassigned" ? "open" : "all");
    if (system.value) params.set("system", system.value);
    if (errorType.value) params.set("errorType", errorType.value);
    if (age.value) params.set("minAgeMinutes", age.value);
    try {
      const [cases, summary] = await Promise.all([
        api(`/ops/v1/fallout?${params}`),
        api("/ops/v1/fallout/summary?state=open"),
      ]);
      if (!current()) return; // a later load's answer is already on screen
      fillOptions(system, summary.bySystem);
      fillOptions(errorType, summary.byErrorType);
      renderBulk(summary.bySystem);
      fill(body, ...cases.map(row));
      if (!cases.length) body.append(h("tr", {}, h("td", { colspan: 9, class: "muted" }, "No case.")));
    } catch (error) {
      if (error.status !== 401) status.replaceChildren(message("error", error.message));
    }
  }

  function renderBulk(bySystem) {
    if (!can(session.role, "bulkRetry")) return;
    const systems = Object.keys(bySystem);
    if (bulk.querySelector("select") && bulk.dataset.systems === systems.join()) return;
    bulk.dataset.systems = systems.join();
    const which = select("bulkSystem", systems.map((s) => [s, `${s} (${bySystem[s]} open)`]));
    const note = h("input", { name: "note", autocomplete: "off" });
    const form = h("form", { class: "filters", "aria-label": "Bulk retry" }, field("System to retry", which), field("Note", note),
      h("button", { type: "submit", disabled: systems.length ? null : true }, "Retry every open case of the system"));
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      try {
        const answer = await api("/ops/v1/fallout/bulk-retry", { method: "POST", body: { system: which.value, agent: session.user, note: note.value || null } });
        status.replaceChildren(message("ok", `${answer.retried} case(s) of ${answer.system} retried${answer.failed.length ? `, ${answer.failed.length} refused` : ""}.`));
        load();
      } catch (error) {
        status.replaceChildren(message("error", error.message));
      }
    });
    fill(bulk, h("h2", {}, "Bulk retry"), form);
  }

  main.append(
    h("h1", {}, "Fallout queue"), tabs, filters, status,
    h("table", { "aria-label": "Fallout cases", "data-page": "fallout" },
      h("thead", {}, h("tr", {}, ["Case", "Order", "Task", "System", "Error", "State", "Assignee", "Age", "Failures"].map((t) => h("th", { scope: "col" }, t)))),
      body),
    bulk,
  );
  await load();
  const timer = setInterval(load, REFRESH_MS);
  return () => clearInterval(timer);
}

function row(c) {
  const age = (Date.now() - new Date(c.firstFailure).getTime()) / 1000;
  return h("tr", { "data-case-id": c.id, "data-order-id": c.orderId },
    h("td", {}, h("a", { href: `#/fallout/${encodeURIComponent(c.id)}` }, `Case ${c.id.slice(0, 8)}`)),
    h("td", {}, h("a", { href: `#/orders/${encodeURIComponent(c.orderId)}` }, c.orderId.slice(0, 8))),
    h("td", {}, c.taskName),
    h("td", {}, `${c.system}.${c.operation}`),
    h("td", {}, c.errorType, h("div", { class: "muted" }, c.message.slice(0, 80))),
    h("td", {}, badge(c.state)),
    h("td", {}, c.assignee || ""),
    h("td", {}, fmtDuration(age)),
    h("td", {}, String(c.failures)),
  );
}
