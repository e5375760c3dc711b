// One fallout case: the failed task, its error, the order's context, the decisions so far,
// and the agent's decisions: assign, retry (with corrected data), skip (with a result), fail.
import { api, ORDERS } from "../api.js";
import { badge, clear, field, fmtDate, h, message, fill } from "../dom.js";
import { can } from "../roles.js";

function jsonObject(text, what) {
  if (!text.trim()) return {};
  let value;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error(`${what} is not valid JSON`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new Error(`${what} must be a JSON object`);
  return value;
}

export async function render(main, [caseId], { session }) {
  const facts = h("div");
  const context = h("section", { class: "panel" });
  const decisions = h("section", { class: "panel" });
  const act = h("section", { class: "panel" });
  const status = h("div", { "aria-live": "polite" });
  main.append(facts, status, act, h("div", { class: "grid2" }, context, decisions));

  async function load() {
    const c = await api(`/ops/v1/fallout/${encodeURIComponent(caseId)}`);
    const order = await api(`${ORDERS}/${encodeURIComponent(c.orderId)}`).catch(() => null);
    fill(facts, 
      h("h1", {}, `Fallout case ${c.id.slice(0, 8)} `, badge(c.state)),
      h("section", { class: "panel", "data-page": "fallout-case" },
        h("h2", {}, "Failed task"),
        h("dl", { class: "facts" },
          h("dt", {}, "Task"), h("dd", {}, `${c.taskName} (${c.taskId})`),
          h("dt", {}, "System"), h("dd", {}, `${c.system}.${c.operation}`),
          h("dt", {}, "Error"), h("dd", {}, h("strong", {}, c.errorType), `: ${c.message}`),
          h("dt", {}, "Attempts"), h("dd", {}, `${c.attempts} attempt(s), fell out ${c.failures} time(s)`),
          h("dt", {}, "First / last failure"), h("dd", {}, `${fmtDate(c.firstFailure)} / ${fmtDate(c.lastFailure)}`),
          h("dt", {}, "Assignee"), h("dd", {}, c.assignee || "nobody"),
          h("dt", {}, "Resolution"), h("dd", {}, c.resolution || ""),
        )));
    const item = order?.productOrderItem?.find((i) => i.id === c.itemId);
    fill(context, h("h2", {}, "Order"), order
      ? h("dl", { class: "facts" },
        h("dt", {}, "Order"), h("dd", {}, h("a", { href: `#/orders/${encodeURIComponent(order.id)}` }, order.id), " ", badge(order.state)),
        h("dt", {}, "Customer"), h("dd", {}, (order.relatedParty || []).map((p) => p.id).join(", ")),
        h("dt", {}, "Item"), h("dd", {}, `${c.itemId} `, item ? badge(item.state) : "", ` ${item?.productOffering?.id || ""}`),
        h("dt", {}, "Due"), h("dd", {}, fmtDate(order.jeopardy?.dueDate)),
        h("dt", {}, "Jeopardy"), h("dd", {}, badge(order.jeopardy?.level || "none")))
      : message("error", "The order could not be read."));
    fill(decisions, h("h2", {}, "Decisions so far"),
      h("ol", { "aria-label": "Decisions" }, c.notes.map((n) => h("li", {}, h("strong", {}, n.event), n.actor ? ` by ${n.actor}` : "", n.note ? `: ${n.note}` : "", n.message ? ` — ${n.message}` : ""))));
    renderActions(c);
  }

  async function decide(action, body) {
    try {
      await api(`/ops/v1/fallout/${encodeURIComponent(caseId)}/${action}`, { method: "POST", body: { agent: session.user, ...body } });
      status.replaceChildren(message("ok", `Case ${action === "assign" ? "assigned to you" : action + " sent"}.`));
      await load();
    } catch (error) {
      status.replaceChildren(message("error", `${action} refused: ${error.message}`));
    }
  }

  function renderActions(c) {
    clear(act);
    if (!can(session.role, "decideFallout") || c.state === "resolved") return;
    const note = h("input", { name: "note", autocomplete: "off" });
    const params = h("textarea", { name: "params", placeholder: '{"msisdn": "+33..."}' });
    const result = h("textarea", { name: "result", placeholder: '{"invoice": "INV-7"}' });
    const failure = h("div", { class: "error-text", role: "alert" });
    const guarded = (fn) => async () => {
      failure.textContent = "";
      try {
        await fn();
      } catch (error) {
        failure.textContent = error.message;
      }
    };
    act.append(
      h("h2", {}, "Decide"),
      field("Note for the history", note),
      h("div", { class: "toolbar", role: "toolbar", "aria-label": "Case actions" },
        c.assignee === session.user ? null : h("button", { type: "button", "data-action": "assign", onclick: () => decide("assign", { note: note.value || null }) }, "Assign to me")),
      h("div", { class: "grid2" },
        h("div", { class: "dialog" }, field("Corrected task data (JSON, optional)", params),
          h("button", { type: "button", class: "primary", "data-action": "retry", onclick: guarded(() => decide("retry", { note: note.value || null, params: jsonObject(params.value, "The corrected data") })) }, "Retry")),
        h("div", { class: "dialog" }, field("Result of the work done by hand (JSON)", result),
          h("button", { type: "button", "data-action": "skip", onclick: guarded(() => decide("skip", { note: note.value || null, result: jsonObject(result.value, "The result") })) }, "Skip with this result"))),
      h("div", { class: "toolbar" }, h("button", { type: "button", class: "danger", "data-action": "fail", onclick: () => { if (confirm("Fail the item? Its completed work is undone.")) decide("fail", { note: note.value || null }); } }, "Fail the item")),
      failure,
    );
  }

  await load();
  return null;
}
