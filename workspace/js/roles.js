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
const MANAGERS = ["order-manager", "fulfillment-manager", "fallout-manager", "process-admin"];

export const PAGES = [
  { id: "orders", title: "Orders", roles: ALL_STAFF },
  { id: "fallout", title: "Fallout", roles: ["fallout-agent", "fallout-manager", "process-admin"] },
  { id: "tasks", title: "Task inbox", roles: ["fulfillment-agent", "fulfillment-manager", "process-admin"] },
  { id: "jeopardy", title: "Jeopardy", roles: ALL_STAFF },
  { id: "kpis", title: "KPIs", roles: MANAGERS },
];

const ACTIONS = {
  amend: ["order-agent", "order-manager", "process-admin"],
  cancel: ["order-agent", "order-manager", "process-admin"],
  ponrOverride: ["order-manager", "order-approver", "fulfillment-manager", "process-admin"],
  provideInformation: ["order-agent", "order-manager", "fulfillment-agent", "process-admin"],
  temporalUi: ["fulfillment-manager", "fallout-agent", "fallout-manager", "process-admin"],
  decideFallout: ["fallout-agent", "fallout-manager", "process-admin"],
  bulkRetry: ["fallout-manager", "process-admin"],
  workTasks: ["fulfillment-agent", "fulfillment-manager", "process-admin"],
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
