// One order: facts, actions, items with states and prices, the decomposition tree, the
// timeline Gantt and the history with its actors. Refreshes itself while the order runs.
import { api, ORDERS } from "../api.js";
import { badge, clear, fmtDate, fmtDuration, fmtPrice, h, message, select, field, fill } from "../dom.js";
import { legend, renderGantt, ZOOMS } from "../gantt.js";
import { orderActions } from "./order_actions.js";

const REFRESH_MS = 4000;
const FINAL = new Set(["completed", "failed", "partial", "cancelled", "rejected"]);

export async function render(main, [orderId], ctx) {
  const id = encodeURIComponent(orderId);
  const header = h("div");
  const actions = h("div");
  const items = h("section", { class: "panel" });
  const tree = h("section", { class: "panel" });
  const timeline = h("section", { class: "panel", "data-section": "timeline" });
  const history = h("section", { class: "panel" });
  const status = h("p", { class: "muted", "aria-live": "polite" });
  const zoom = select("zoom", ZOOMS, "fit");
  const ganttHost = h("div");
  main.append(header, actions, items, tree, timeline, history, status);
  let data = null;
  let shownSignature = null;
  let timer = null;

  function drawGantt() {
    if (!data) return;
    const { order, plan, line } = data;
    fill(ganttHost, 
      renderGantt(line, plan.domainOrders || [], {
        zoom: zoom.value,
        dueDate: order.jeopardy?.dueDate || order.requestedCompletionDate,
        forecast: order.jeopardy?.forecastCompletionDate || line.expectedCompletion,
      }),
    );
  }
  zoom.addEventListener("change", drawGantt);

  async function load(first) {
    try {
      const [order, plan, line, events] = await Promise.all([
        api(`${ORDERS}/${id}`),
        api(`/ops/v1/orders/${id}/plan`).catch(() => ({ domainOrders: [], tasks: [] })),
        api(`/ops/v1/orders/${id}/timeline`).catch(() => ({ tasks: [], criticalPath: [] })),
        api(`/ops/v1/orders/${id}/history`).catch(() => []),
      ]);
      data = { order, plan, line };
      renderHeader(header, order);
      // The actions follow the order (a PONR passed, a state reached), unless a form is open.
      const signature = [order.state, order.version, ...(order.productOrderItem || []).map((i) => `${i.state}${i.pointOfNoReturn}`)].join("|");
      if (first || (signature !== shownSignature && !actions.querySelector("form"))) {
        shownSignature = signature;
        clear(actions);
        const panel = orderActions(order, plan, { ...ctx, refresh: () => load(false) });
        if (panel) actions.append(panel);
      }
      renderItems(items, order);
      renderTree(tree, order, plan);
      fill(timeline, 
        h("h2", {}, "Timeline"),
        h("div", { class: "toolbar" }, field("Zoom", zoom),
          h("span", { class: "muted" }, `critical path ${fmtDuration(line.criticalPathSeconds)} · ${line.tasks.length} tasks · expected completion ${fmtDate(line.expectedCompletion)}`)),
        legend(),
        ganttHost,
        timelineTable(line),
      );
      drawGantt();
      renderHistory(history, events);
      status.textContent = `Updated ${new Date().toLocaleTimeString()}`;
      if (FINAL.has(order.state) && timer) {
        clearInterval(timer);
        timer = null;
      }
    } catch (error) {
      if (error.status === 404) fill(header, h("h1", {}, "Order not found"), message("error", error.message));
      else if (error.status !== 401) status.replaceChildren(message("error", error.message));
    }
  }

  await load(true);
  timer = setInterval(() => load(false), REFRESH_MS);
  return () => timer && clearInterval(timer);
}

function renderHeader(node, order) {
  const customer = (order.relatedParty || []).find((p) => p.role === "customer")?.id;
  fill(node, 
    h("h1", {}, "Order ", h("span", { "data-order-id": order.id }, order.id), " ", badge(order.state)),
    h("section", { class: "panel" },
      h("dl", { class: "facts" },
        h("dt", {}, "Customer"), h("dd", {}, customer || ""),
        h("dt", {}, "External id"), h("dd", {}, order.externalId || ""),
        h("dt", {}, "Channel"), h("dd", {}, (order.channel || []).map((c) => c.name || c.id).join(", ")),
        h("dt", {}, "Ordered"), h("dd", {}, fmtDate(order.orderDate)),
        h("dt", {}, "Due"), h("dd", {}, fmtDate(order.jeopardy?.dueDate || order.requestedCompletionDate)),
        h("dt", {}, "Forecast completion"), h("dd", {}, fmtDate(order.jeopardy?.forecastCompletionDate || order.expectedCompletionDate)),
        h("dt", {}, "Completed"), h("dd", {}, fmtDate(order.completionDate)),
        h("dt", {}, "Jeopardy"), h("dd", {}, badge(order.jeopardy?.level || "none"), " ", order.jeopardy?.cause || ""),
        h("dt", {}, "Total price"), h("dd", {}, fmtPrice(order.orderTotalPrice)),
        h("dt", {}, "Version"), h("dd", {}, String(order.version || 1), order.catalogVersion ? ` · catalog ${order.catalogVersion}` : ""),
      ),
      (order.errorMessage || []).map((e) => message("error", `${e.code}: ${e.reason}`)),
    ),
  );
}

function renderItems(node, order) {
  fill(node, 
    h("h2", {}, "Items"),
    h("table", { "aria-label": "Order items" },
      h("thead", {}, h("tr", {}, ["Item", "Action", "Offering", "State", "Price", "PONR", "Jeopardy", "Characteristics"].map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", {}, (order.productOrderItem || []).map((item) => h("tr", { "data-item-id": item.id },
        h("td", {}, item.id),
        h("td", {}, item.action),
        h("td", {}, item.productOffering?.id || item.product?.id || ""),
        h("td", {}, badge(item.state || "acknowledged")),
        h("td", {}, fmtPrice(item.itemPrice)),
        h("td", {}, item.pointOfNoReturn ? "passed" : ""),
        h("td", {}, badge(item.jeopardy || "none")),
        h("td", { class: "muted" }, (item.product?.productCharacteristic || []).map((c) => `${c.name}=${typeof c.value === "object" ? JSON.stringify(c.value) : c.value}`).join(", ")),
      ))),
    ),
  );
}

// order -> item -> domain order (product -> CFS -> RFS -> resource) -> task
function renderTree(node, order, plan) {
  const domainOrders = plan.domainOrders || [];
  const tasksOf = (id) => (plan.tasks || []).filter((t) => t.domainOrderId === id);
  const children = (parent, itemId) => domainOrders.filter((d) => d.itemId === itemId && (d.parentId || null) === parent);
  const domainNode = (d, itemId) => h("li", { "data-domain-order": d.id },
    h("span", { class: "node" }, h("strong", {}, d.domain), d.category ? ` ${d.category}` : "", ` ${d.specId}`, h("span", { class: "muted" }, ` ${d.id}`)),
    h("ul", {},
      tasksOf(d.id).map((t) => h("li", { "data-task-id": t.id }, h("span", { class: "node" }, badge(t.status), t.name, t.pointOfNoReturn ? h("span", { class: "badge" }, "PONR") : null, t.jeopardy !== "none" ? badge(t.jeopardy) : null))),
      domainOrders.filter((c) => c.parentId === d.id).map((c) => domainNode(c, itemId)),
    ));
  fill(node, 
    h("h2", {}, "Decomposition"),
    domainOrders.length
      ? h("ul", { class: "tree", "aria-label": "Decomposition" },
        h("li", {}, h("span", { class: "node" }, h("strong", {}, "Order"), ` ${order.id}`),
          h("ul", {}, (order.productOrderItem || []).map((item) => h("li", { "data-item-id": item.id },
            h("span", { class: "node" }, h("strong", {}, `Item ${item.id}`), ` ${item.productOffering?.id || item.action}`, badge(item.state || "acknowledged")),
            h("ul", {}, children(null, item.id).concat(domainOrders.filter((d) => d.itemId === item.id && d.parentId && !domainOrders.some((p) => p.id === d.parentId))).map((d) => domainNode(d, item.id))))))))
      : h("p", { class: "muted" }, "Not decomposed yet."),
    (plan.deferred || []).length ? message("info", `Waiting for information: ${(plan.deferred || []).map((d) => `item ${d.itemId} needs ${d.missing.join(", ")}`).join("; ")}`) : null,
  );
}

function timelineTable(line) {
  const critical = new Set(line.criticalPath || []);
  return h("details", {},
    h("summary", {}, "The timeline as a table"),
    h("table", { "aria-label": "Timeline tasks" },
      h("thead", {}, h("tr", {}, ["Task", "Status", "Depends on", "Planned", "Actual", "Expected", "Critical", "Jeopardy"].map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", {}, line.tasks.map((t) => h("tr", {},
        h("td", {}, t.name, h("div", { class: "muted" }, t.id)),
        h("td", {}, badge(t.status)),
        h("td", { class: "muted" }, (t.dependsOn || []).join(", ")),
        h("td", {}, `${fmtDate(t.plannedStart)} → ${fmtDate(t.plannedEnd)}`),
        h("td", {}, t.actualStart ? `${fmtDate(t.actualStart)} → ${fmtDate(t.actualEnd)}` : ""),
        h("td", {}, fmtDuration(t.expectedDurationSeconds)),
        h("td", {}, critical.has(t.id) ? "yes" : ""),
        h("td", {}, badge(t.jeopardy)),
      )))));
}

function renderHistory(node, events) {
  fill(node, 
    h("h2", {}, "History"),
    h("table", { "aria-label": "Order history" },
      h("thead", {}, h("tr", {}, ["#", "Time", "Event", "What", "Actor", "Reason"].map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", {}, events.map((e) => h("tr", {},
        h("td", {}, String(e.sequence)),
        h("td", {}, fmtDate(e.eventTime)),
        h("td", {}, e.eventType.replace(/^ProductOrder/, "")),
        h("td", {}, e.title || ""),
        h("td", {}, e.actor || h("span", { class: "muted" }, "system")),
        h("td", {}, e.reason || ""),
      )))));
}
