// Orders: a searchable, paged list that refreshes itself every few seconds.
import { api, latestOnly } from "../api.js";
import { badge, clear, field, fmtDate, h, message, select, fill } from "../dom.js";

const PAGE_SIZE = 25;
const REFRESH_MS = 5000;
const STATES = ["", "acknowledged", "inProgress", "pending", "held", "assessingCancellation",
  "pendingCancellation", "completed", "partial", "failed", "rejected", "cancelled"];

export async function render(main) {
  const q = h("input", { name: "q", type: "search", placeholder: "id, customer, offering, address…" });
  const state = select("state", STATES.map((s) => [s, s || "any"]), "");
  const jeopardy = select("jeopardy", [["", "any"], ["warning", "warning or worse"], ["critical", "critical"]], "");
  const fallout = h("input", { type: "checkbox", name: "fallout" });
  const from = h("input", { type: "date", name: "from" });
  const to = h("input", { type: "date", name: "to" });
  const status = h("p", { class: "muted", "aria-live": "polite" });
  const body = h("tbody");
  const info = h("span", { class: "muted" });
  const prev = h("button", { type: "button" }, "Previous page");
  const next = h("button", { type: "button" }, "Next page");
  let offset = 0;
  let total = 0;

  const form = h(
    "form",
    { class: "filters", role: "search", "aria-label": "Search orders" },
    field("Search", q),
    field("State", state),
    field("Jeopardy", jeopardy),
    h("div", { class: "field" }, h("label", {}, fallout, " With open fallout")),
    field("Ordered from", from),
    field("Ordered before", to),
    h("button", { type: "submit", class: "primary" }, "Search"),
  );

  const ticket = latestOnly();
  async function load() {
    const current = ticket();
    const params = new URLSearchParams({ offset: String(offset), limit: String(PAGE_SIZE) });
    if (q.value.trim()) params.set("q", q.value.trim());
    if (state.value) params.set("state", state.value);
    if (jeopardy.value) params.set("jeopardy", jeopardy.value);
    if (fallout.checked) params.set("fallout", "open");
    if (from.value) params.set("from", `${from.value}T00:00:00Z`);
    if (to.value) params.set("to", `${to.value}T00:00:00Z`);
    try {
      const { data, headers } = await api(`/ops/v1/orders?${params}`, { withHeaders: true });
      if (!current()) return; // a later load's answer is already on screen
      total = Number(headers.get("X-Total-Count") || data.length);
      fill(body, ...data.map(row));
      if (!data.length) body.append(h("tr", {}, h("td", { colspan: 10, class: "muted" }, "No order matches.")));
      info.textContent = total ? `${offset + 1}–${offset + data.length} of ${total}` : "0 orders";
      prev.disabled = offset === 0;
      next.disabled = offset + PAGE_SIZE >= total;
      status.textContent = `Updated ${new Date().toLocaleTimeString()}`;
    } catch (error) {
      if (error.status !== 401) status.replaceChildren(message("error", error.message));
    }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    offset = 0;
    load();
  });
  prev.addEventListener("click", () => { offset = Math.max(0, offset - PAGE_SIZE); load(); });
  next.addEventListener("click", () => { offset += PAGE_SIZE; load(); });

  main.append(
    h("h1", {}, "Orders"),
    form,
    h(
      "table",
      { "data-page": "orders", "aria-label": "Orders" },
      h("thead", {}, h("tr", {}, ["Order", "State", "Customer", "Channel", "Offering", "Jeopardy",
        "Open fallout", "Ordered", "Due", "Completed"].map((t) => h("th", { scope: "col" }, t)))),
      body,
    ),
    h("div", { class: "pager" }, prev, next, info),
    status,
  );
  await load();
  const timer = setInterval(load, REFRESH_MS);
  return () => clearInterval(timer);
}

function row(o) {
  return h(
    "tr",
    { "data-order-id": o.id },
    h("td", {}, h("a", { href: `#/orders/${encodeURIComponent(o.id)}` }, o.id.slice(0, 13)), o.externalId ? h("div", { class: "muted" }, o.externalId) : null),
    h("td", {}, badge(o.state)),
    h("td", {}, o.customerId || ""),
    h("td", {}, o.channel || ""),
    h("td", {}, o.offerings.join(", ")),
    h("td", {}, badge(o.jeopardy)),
    h("td", {}, o.openFallout ? badge(String(o.openFallout), "fallout") : ""),
    h("td", {}, fmtDate(o.orderDate)),
    h("td", {}, fmtDate(o.dueDate)),
    h("td", {}, fmtDate(o.completionDate)),
  );
}
