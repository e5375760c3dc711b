// The task inbox: manual tasks by queue and skill; claim one, then complete it with the form
// its result schema generates (checked here before it is sent; the workflow checks again). A
// fulfillment manager may take over a task someone else claimed (the order's history names her).
import { api, latestOnly } from "../api.js";
import { badge, clear, field, fmtDate, h, message, select, fill } from "../dom.js";
import { can } from "../roles.js";
import { schemaForm } from "../schema_form.js";

const REFRESH_MS = 5000;

export async function render(main, _params, { session }) {
  const queue = select("queue", [["", "any"]], "");
  const skill = select("skill", [["", "any"]], "");
  const state = select("state", [["open", "open"], ["claimed", "claimed"], ["mine", "claimed by me"], ["completed", "completed"], ["", "any"]], "open");
  const body = h("tbody");
  const status = h("div", { "aria-live": "polite" });
  const work = h("div");
  const filters = h("form", { class: "filters", "aria-label": "Filter tasks" }, field("Queue", queue), field("Skill", skill), field("State", state), h("button", { type: "submit", class: "primary" }, "Filter"));
  filters.addEventListener("submit", (e) => { e.preventDefault(); load(); });
  const known = { queue: new Set(), skill: new Set() };
  const mayWork = can(session.role, "workTasks");
  const mayAssign = can(session.role, "assignTasks");

  function fillOptions(control, values) {
    const current = control.value;
    fill(control, h("option", { value: "" }, "any"), ...[...values].sort().map((v) => h("option", { value: v, selected: v === current ? true : null }, v)));
  }

  const ticket = latestOnly();
  async function load() {
    const current = ticket();
    const params = new URLSearchParams({ limit: "200" });
    if (queue.value) params.set("queue", queue.value);
    if (skill.value) params.set("skill", skill.value);
    if (state.value === "mine") {
      params.set("state", "claimed");
      params.set("assignee", session.user);
    } else if (state.value) params.set("state", state.value);
    try {
      const found = await api(`/ops/v1/tasks?${params}`);
      if (!current()) return; // a later load's answer is already on screen
      let grew = false;
      for (const t of found) {
        for (const key of ["queue", "skill"]) {
          if (t[key] && !known[key].has(t[key])) { known[key].add(t[key]); grew = true; }
        }
      }
      if (grew) { fillOptions(queue, known.queue); fillOptions(skill, known.skill); }
      fill(body, ...found.map(row));
      if (!found.length) body.append(h("tr", {}, h("td", { colspan: 8, class: "muted" }, "No task.")));
    } catch (error) {
      if (error.status !== 401) status.replaceChildren(message("error", error.message));
    }
  }

  async function claim(task) {
    try {
      await api(`/ops/v1/tasks/${encodeURIComponent(task.id)}/claim`, { method: "POST", body: { assignee: session.user } });
      status.replaceChildren(message("ok", `You claimed "${task.name}".`));
      await load();
      openForm({ ...task, state: "claimed", assignee: session.user });
    } catch (error) {
      status.replaceChildren(message("error", `Claim refused: ${error.message}`));
    }
  }

  async function takeOver(task) {
    try {
      await api(`/ops/v1/tasks/${encodeURIComponent(task.id)}/assign`, { method: "POST", body: {} });
      status.replaceChildren(message("ok", `You took over "${task.name}" from ${task.assignee}.`));
      await load();
      openForm({ ...task, state: "claimed", assignee: session.user });
    } catch (error) {
      status.replaceChildren(message("error", `Take-over refused: ${error.message}`));
    }
  }

  function openForm(task) {
    const grid = h("div", { class: "form-grid" });
    const collect = schemaForm(grid, task.resultSchema, (name) => `result-${name}`);
    const note = h("input", { name: "note", autocomplete: "off" });
    const result = h("div", { "aria-live": "polite" });
    const form = h("form", { class: "dialog", "aria-label": `Complete ${task.name}`, "data-task-id": task.id, novalidate: true },
      h("strong", {}, `Complete: ${task.name}`),
      h("span", { class: "muted" }, `order ${task.orderId} · item ${task.itemId} · ${Object.entries(task.params || {}).map(([k, v]) => `${k}: ${v}`).join(", ")}`),
      grid, field("Note", note),
      h("div", { class: "toolbar" }, h("button", { type: "submit", class: "primary" }, "Complete task"), h("button", { type: "button", onclick: () => clear(work) }, "Close")),
      result);
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const { ok, result: data } = collect();
      if (!ok) {
        result.replaceChildren(message("error", "Correct the highlighted fields: nothing was sent."));
        return;
      }
      try {
        await api(`/ops/v1/tasks/${encodeURIComponent(task.id)}/complete`, { method: "POST", body: { result: data, completedBy: session.user, note: note.value || null } });
        fill(work, message("ok", `"${task.name}" completed.`));
        await load();
      } catch (error) {
        result.replaceChildren(message("error", `Completion refused: ${error.message}`));
      }
    });
    fill(work, form);
    form.querySelector("input, select")?.focus();
  }

  function row(task) {
    const mine = task.assignee === session.user;
    return h("tr", { "data-task-id": task.id, "data-order-id": task.orderId },
      h("td", {}, task.name, h("div", { class: "muted" }, task.taskId)),
      h("td", {}, task.queue),
      h("td", {}, task.skill || ""),
      h("td", {}, h("a", { href: `#/orders/${encodeURIComponent(task.orderId)}` }, task.orderId.slice(0, 8))),
      h("td", {}, badge(task.state)),
      h("td", {}, task.assignee || ""),
      h("td", {}, fmtDate(task.createdAt)),
      h("td", {},
        mayWork && task.state === "open" ? h("button", { type: "button", "data-action": "claim", onclick: () => claim(task) }, "Claim") : null,
        mayWork && task.state === "claimed" && mine ? h("button", { type: "button", "data-action": "complete", onclick: () => openForm(task) }, "Complete") : null,
        mayAssign && task.state === "claimed" && !mine ? h("button", { type: "button", "data-action": "take-over", onclick: () => takeOver(task) }, "Take over") : null),
    );
  }

  main.append(
    h("h1", {}, "Task inbox"), filters, status, work,
    h("table", { "aria-label": "Manual tasks", "data-page": "tasks" },
      h("thead", {}, h("tr", {}, ["Task", "Queue", "Skill", "Order", "State", "Assignee", "Created", "Actions"].map((t) => h("th", { scope: "col" }, t)))),
      body),
  );
  await load();
  const timer = setInterval(load, REFRESH_MS);
  return () => clearInterval(timer);
}
