// Orders waiting for a person before they are fulfilled (GET /ops/v1/approvals): approvals
// for the approver, suspected duplicates held for the agent; the longest waiting first. Each
// links to its order page, where the decision is taken.
import { api } from "../api.js";
import { badge, fill, fmtDate, h, message } from "../dom.js";

const REFRESH_MS = 5000;

export async function render(main) {
  const body = h("tbody");
  const status = h("div", { "aria-live": "polite" });
  main.append(
    h("h1", {}, "Approvals"),
    h("p", { class: "muted" }, "Orders waiting for approval, and suspected duplicates held for review, the longest waiting first."),
    status,
    h("table", { "aria-label": "Orders waiting for a review", "data-page": "approvals" },
      h("thead", {}, h("tr", {}, ["Order", "Waits for", "Reason", "Since", "Customer", "Channel", "Jeopardy"].map((t) => h("th", { scope: "col" }, t)))),
      body),
  );
  async function load() {
    try {
      const entries = await api("/ops/v1/approvals?limit=500");
      fill(body, ...entries.map((e) => h("tr", { "data-order-id": e.orderId, "data-kind": e.kind },
        h("td", {}, h("a", { href: `#/orders/${encodeURIComponent(e.orderId)}` }, e.orderId.slice(0, 8)), " ", badge(e.state)),
        h("td", {}, e.kind === "approval" ? "approval" : `review (duplicate of ${(e.duplicateOf || "").slice(0, 8)})`),
        h("td", {}, e.reason),
        h("td", {}, fmtDate(e.since)),
        h("td", {}, e.customerId || ""),
        h("td", {}, e.channel || ""),
        h("td", {}, badge(e.jeopardy || "none")),
      )));
      if (!entries.length) body.append(h("tr", {}, h("td", { colspan: 7, class: "muted" }, "Nothing waits for a review.")));
    } catch (error) {
      if (error.status !== 401) status.replaceChildren(message("error", error.message));
    }
  }
  await load();
  const timer = setInterval(load, REFRESH_MS);
  return () => clearInterval(timer);
}
