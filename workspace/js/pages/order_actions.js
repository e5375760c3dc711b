// The order's actions, each offered only to the roles that may take it: approve or reject an
// order waiting for approval, release a suspected duplicate, amend a characteristic, cancel,
// override a soft point of no return, provide missing information, open the workflow in the
// Temporal UI.
import { api, CANCEL, ORDERS } from "../api.js";
import { field, h, message, select } from "../dom.js";
import { can } from "../roles.js";

const FINAL = new Set(["completed", "failed", "partial", "cancelled", "rejected"]);

function parseValue(text) {
  try {
    return JSON.parse(text); // numbers, booleans
  } catch {
    return text;
  }
}

// A PATCH replaces the item list: the items as the channel sent them, one value changed.
function patchedItems(order, itemId, name, value) {
  return order.productOrderItem
    .filter((item) => item.state !== "cancelled")
    .map((item) => {
      const chars = [...(item.product?.productCharacteristic || [])].map((c) => ({ name: c.name, value: c.value }));
      if (item.id === itemId) {
        const found = chars.find((c) => c.name === name);
        if (found) found.value = value;
        else chars.push({ name, value });
      }
      const copy = { id: item.id, action: item.action, product: { ...(item.product || {}), productCharacteristic: chars } };
      if (item.productOffering) copy.productOffering = item.productOffering;
      if (item.productOrderItemRelationship?.length) copy.productOrderItemRelationship = item.productOrderItemRelationship;
      if (item.quantity) copy.quantity = item.quantity;
      return copy;
    });
}

function form(title, controls, submitText, onSubmit, { danger = false } = {}) {
  const status = h("div", { "aria-live": "polite" });
  const button = h("button", { type: "submit", class: danger ? "danger" : "primary" }, submitText);
  const node = h("form", { class: "dialog", "aria-label": title }, h("strong", {}, title), h("div", { class: "form-grid" }, controls), h("div", {}, button), status);
  node.addEventListener("submit", async (event) => {
    event.preventDefault();
    button.disabled = true;
    try {
      await onSubmit();
      status.replaceChildren(message("ok", `${title}: done.`));
    } catch (error) {
      status.replaceChildren(message("error", `${title} refused: ${error.message}`));
    } finally {
      button.disabled = false;
    }
  });
  return node;
}

export function orderActions(order, plan, { config, session, refresh }) {
  const role = session.role;
  const open = !FINAL.has(order.state);
  const items = order.productOrderItem || [];
  const tools = h("div", { class: "toolbar", role: "toolbar", "aria-label": "Order actions" });
  const area = h("div");
  const offer = (action, label, build) => {
    if (!can(role, action)) return;
    tools.append(h("button", { type: "button", "data-action": action, onclick: () => { area.replaceChildren(build()); area.querySelector("select, input")?.focus(); } }, label));
  };

  // The review the order waits for before fulfilment (approval, or a suspected duplicate).
  const review = (order.review || []).at(-1);
  const waiting = open && review && !review.decision ? review : null;
  const notice = waiting
    ? h("p", { class: "notice", "data-review": waiting.kind }, waiting.kind === "approval" ? `Waiting for approval: ${waiting.reason}` : `Held for review: ${waiting.reason}`)
    : null;
  const decide = (action, body) => api(`/ops/v1/approvals/${order.id}/${action}`, { method: "POST", body: { ...body, actor: session.user } });
  if (waiting?.kind === "approval") {
    offer("approve", "Approve", () => {
      const reason = h("input", { name: "reason", autocomplete: "off" });
      return form("Approve the order", [field("Note", reason)], "Approve", async () => {
        await decide("approve", reason.value.trim() ? { reason: reason.value.trim() } : {});
        refresh();
      });
    });
    offer("approve", "Reject", () => {
      const reason = h("input", { name: "reason", required: true, autocomplete: "off" });
      return form("Reject the order", [field("Reason", reason)], "Reject", async () => {
        if (!reason.value.trim()) throw new Error("give a reason");
        await decide("reject", { reason: reason.value.trim() });
        refresh();
      }, { danger: true });
    });
  }
  if (waiting?.kind === "duplicate") {
    offer("release", "Release", () => {
      const reason = h("input", { name: "reason", autocomplete: "off" });
      return form("Release the order", [field("Note", reason)], "Release", async () => {
        await decide("release", reason.value.trim() ? { reason: reason.value.trim() } : {});
        refresh();
      });
    });
  }

  if (open) {
    offer("amend", "Amend a characteristic", () => {
      const live = items.filter((i) => !FINAL.has(i.state));
      const item = select("item", live.map((i) => [i.id, `${i.id} · ${i.productOffering?.id || i.action}`]));
      const name = h("input", { name: "characteristic", list: "char-names", autocomplete: "off" });
      const names = h("datalist", { id: "char-names" }, [...new Set(live.flatMap((i) => (i.product?.productCharacteristic || []).map((c) => c.name)))].map((n) => h("option", { value: n })));
      const value = h("input", { name: "value", autocomplete: "off" });
      const reason = h("input", { name: "reason", autocomplete: "off" });
      return form("Amend a characteristic", [field("Item", item), field("Characteristic", name), names, field("New value", value, "JSON for numbers and booleans"), field("Reason", reason)], "Amend", async () => {
        if (!name.value.trim()) throw new Error("name the characteristic");
        await api(`${ORDERS}/${order.id}`, {
          method: "PATCH",
          headers: { "Content-Type": "application/merge-patch+json", "X-Tessera-Actor": session.user, "X-Tessera-Reason": reason.value || "amended in the workspace" },
          body: { productOrderItem: patchedItems(order, item.value, name.value.trim(), parseValue(value.value)) },
        });
        refresh();
      });
    });
    offer("cancel", "Cancel the order", () => {
      const reason = h("input", { name: "reason", required: true, autocomplete: "off" });
      return form("Cancel the order", [field("Reason", reason)], "Cancel order", async () => {
        if (!reason.value.trim()) throw new Error("give a reason");
        await api(CANCEL, { method: "POST", body: { productOrder: { id: order.id }, cancellationReason: reason.value.trim() } });
        refresh();
      }, { danger: true });
    });
    if (items.some((i) => i.pointOfNoReturn)) offer("ponrOverride", "Override a soft PONR", () => {
      const item = select("item", items.filter((i) => i.pointOfNoReturn).map((i) => [i.id, `${i.id} · ${i.productOffering?.id || ""}`]));
      const reason = h("input", { name: "reason", autocomplete: "off" });
      return form("Override the point of no return", [field("Item", item), field("Reason", reason)], "Override", async () => {
        if (!item.value) throw new Error("no item has passed a point of no return");
        await api(`/ops/v1/orders/${order.id}/ponr-override`, { method: "POST", body: { itemId: item.value, actor: session.user, reason: reason.value || "override" } });
        refresh();
      });
    });
    const deferred = plan?.deferred || [];
    if (deferred.length || items.some((i) => i.state === "pending")) {
      offer("provideInformation", "Provide missing information", () => {
        const item = select("item", (deferred.length ? deferred.map((d) => [d.itemId, `${d.itemId} · missing ${d.missing.join(", ")}`]) : items.filter((i) => i.state === "pending").map((i) => [i.id, i.id])));
        const name = h("input", { name: "characteristic", value: deferred[0]?.missing?.[0] || "", autocomplete: "off" });
        const value = h("input", { name: "value", autocomplete: "off" });
        return form("Provide missing information", [field("Item", item), field("Characteristic", name), field("Value", value)], "Provide", async () => {
          await api(`/ops/v1/orders/${order.id}/information`, { method: "POST", body: { itemId: item.value, characteristics: { [name.value.trim()]: parseValue(value.value) }, providedBy: session.user } });
          refresh();
        });
      });
    }
  }
  if (can(role, "temporalUi") && config.temporalUiUrl) {
    tools.append(h("a", {
      href: `${config.temporalUiUrl}/namespaces/${encodeURIComponent(config.temporalNamespace || "default")}/workflows/order-${encodeURIComponent(order.id)}`,
      target: "_blank", rel: "noopener", "data-action": "temporalUi",
    }, "Open in the Temporal UI"));
  }
  if (!tools.childNodes.length) return notice ? h("section", { class: "panel" }, h("h2", {}, "Actions"), notice) : null;
  return h("section", { class: "panel" }, h("h2", {}, "Actions"), notice, tools, area);
}
