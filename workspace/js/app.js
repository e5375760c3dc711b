// The workspace's shell: sign-in state, the navigation its role allows, and a hash router.
import { currentSession, endSession, finishOidc } from "./auth.js";
import { h, clear, message } from "./dom.js";
import { PAGES, WORKSPACE_ROLES, canSee, pagesFor } from "./roles.js";
import * as signin from "./pages/signin.js";
import * as orders from "./pages/orders.js";
import * as order from "./pages/order.js";
import * as fallout from "./pages/fallout.js";
import * as falloutCase from "./pages/fallout_case.js";
import * as tasks from "./pages/tasks.js";
import * as jeopardy from "./pages/jeopardy.js";
import * as approvals from "./pages/approvals.js";
import * as kpis from "./pages/kpis.js";

const ROUTES = [
  [/^orders$/, "orders", orders],
  [/^orders\/([^/]+)$/, "orders", order],
  [/^fallout$/, "fallout", fallout],
  [/^fallout\/([^/]+)$/, "fallout", falloutCase],
  [/^tasks$/, "tasks", tasks],
  [/^jeopardy$/, "jeopardy", jeopardy],
  [/^approvals$/, "approvals", approvals],
  [/^kpis$/, "kpis", kpis],
];

const main = document.getElementById("main");
let config = { signIn: "local" };
let cleanup = null;

function renderChrome(session, pageId) {
  const nav = clear(document.getElementById("nav"));
  const who = clear(document.getElementById("who"));
  if (!session || !WORKSPACE_ROLES.has(session.role)) return;
  for (const page of pagesFor(session.role)) {
    nav.append(
      h("a", { href: `#/${page.id}`, "aria-current": page.id === pageId ? "page" : null }, page.title),
    );
  }
  who.append(
    h("span", {}, `${session.user} · ${session.role}`),
    h("button", { type: "button", onclick: () => endSession() }, "Sign out"),
  );
}

function forbidden(session) {
  return h(
    "section",
    { class: "panel", "data-page": "forbidden" },
    h("h1", {}, "The workspace is for operations staff"),
    h(
      "p",
      {},
      `You are signed in as ${session.user} with the role "${session.role}". `,
      "Customers and sales channels use the product order API, not this workspace.",
    ),
    h("button", { type: "button", onclick: () => endSession() }, "Sign in as someone else"),
  );
}

async function route() {
  if (cleanup) {
    cleanup();
    cleanup = null;
  }
  const path = location.hash.replace(/^#\/?/, "");
  const session = currentSession();
  clear(main);
  if (path === "signin" || !session) {
    renderChrome(null);
    if (path !== "signin") {
      location.hash = "#/signin";
      return;
    }
    cleanup = (await signin.render(main, [], { config })) || null;
    document.title = "Sign in · Tessera";
    return;
  }
  if (!WORKSPACE_ROLES.has(session.role)) {
    renderChrome(null);
    document.title = "Not for this role · Tessera";
    main.append(forbidden(session));
    return;
  }
  const match = ROUTES.map(([re, pageId, page]) => [path.match(re), pageId, page]).find(([m]) => m);
  if (!match || !canSee(session.role, match[1])) {
    location.hash = `#/${pagesFor(session.role)[0].id}`;
    return;
  }
  const [found, pageId, page] = match;
  renderChrome(session, pageId);
  document.title = `${PAGES.find((p) => p.id === pageId).title} · Tessera`;
  try {
    cleanup = (await page.render(main, found.slice(1).map(decodeURIComponent), { config, session })) || null;
  } catch (error) {
    if (error.status !== 401) main.append(message("error", `Could not load the page: ${error.message}`));
  }
}

async function boot() {
  try {
    const response = await fetch("/ops/v1/workspace/config", { headers: { Accept: "application/json" } });
    if (response.ok) config = await response.json();
  } catch {
    // keep the local default
  }
  if (config.signIn === "oidc" && new URLSearchParams(location.search).has("code")) {
    try {
      await finishOidc(config);
    } catch (error) {
      sessionStorage.setItem("tessera.signin-message", error.message);
    }
  }
  window.addEventListener("hashchange", route);
  if (!location.hash) location.hash = currentSession() ? "#/orders" : "#/signin";
  else await route();
}

boot();
