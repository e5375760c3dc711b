// What each role sees and may do in the workspace. The API enforces the same rights; this
// only keeps the pages from offering what would be refused.

export const PERSONAS = [
  { role: "order-agent", user: "olga", label: "Order agent" },
  { role: "order-manager", user: "omar", label: "Order manager" },
  { role: "order-approver", user: "april", label: "Order approver" },
  { role: "fulfillment-agent", user: "tomas", label: "Fulfillment agent (technician)" },
  { role: "fulfillment-manager", user: "fatima", label: "Fulfillment manager" },
  { role: "fallout-agent", user: "ana", label: "Fallout agent" },
  { role: "fallout-manager", user: "felix", label: "Fallout manager" },
  { role: "process-admin", user: "pat", label: "Process administrator" },
  { role: "customer", user: "cust-1", label: "Customer", party: "cust-1" },
  { role: "channel", user: "web-shop", label: "Sales channel (system)" },
];

// Customers and channel systems use the TMF API, not the workspace.
export const WORKSPACE_ROLES = new Set(PERSONAS.map((p) => p.role).filter((r) => r !== "customer" && r !== "channel"));

const ALL_STAFF = [...WORKSPACE_ROLES];

// The API's permission table (api/permissions.py) decides; these follow it: the orders of every
// customer (order:read with party:any), fallout:read, task:read, order:monitor (jeopardy, KPIs).
export const PAGES = [
  { id: "orders", title: "Orders", roles: ALL_STAFF },
  { id: "fallout", title: "Fallout", roles: ["fallout-agent", "fallout-manager", "order-manager"] },
  { id: "tasks", title: "Task inbox", roles: ["fulfillment-agent", "fulfillment-manager", "order-manager"] },
  { id: "approvals", title: "Approvals", roles: ["order-agent", "order-approver", "order-manager"] }, // approval:read
  { id: "jeopardy", title: "Jeopardy", roles: ["order-agent", "fulfillment-agent", "fulfillment-manager", "fallout-manager", "order-manager"] },
  { id: "kpis", title: "KPIs", roles: ["fulfillment-manager", "fallout-manager", "order-manager"] },
];

const ACTIONS = {
  amend: ["order-agent", "order-manager"], // order:amend
  cancel: ["order-agent", "order-manager"], // order:cancel
  ponrOverride: ["fulfillment-manager", "order-manager"], // order:ponr-override
  approve: ["order-approver", "order-manager"], // order:approve (approve, reject)
  release: ["order-agent", "order-manager"], // order:release (a suspected duplicate)
  provideInformation: ["fulfillment-agent", "fulfillment-manager", "order-manager"], // order:provide-information
  decideFallout: ["fallout-agent", "fallout-manager"], // fallout:work
  bulkRetry: ["fallout-manager"], // fallout:manage
  workTasks: ["fulfillment-agent", "fulfillment-manager"], // task:work
  assignTasks: ["fulfillment-manager"], // task:assign: take over a task someone else claimed
  // Not an API right: a link to the Temporal UI, for the people who look at workflows.
  temporalUi: ["fulfillment-manager", "fallout-agent", "fallout-manager", "order-manager", "process-admin"],
};

export function canSee(role, pageId) {
  return PAGES.some((p) => p.id === pageId && p.roles.includes(role));
}

export function can(role, action) {
  return (ACTIONS[action] || []).includes(role);
}

export function pagesFor(role) {
  return PAGES.filter((p) => p.roles.includes(role));
}
