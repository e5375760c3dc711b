// Sign-in: pick a persona (the local embedded issuer), or go to the identity provider (OIDC).
import { signInLocal, startOidc, takeSignInMessage } from "../auth.js";
import { h, field, message } from "../dom.js";
import { PERSONAS, WORKSPACE_ROLES } from "../roles.js";

export async function render(main, _params, { config }) {
  const note = takeSignInMessage();
  const status = h("div", { "aria-live": "polite" });
  const panel = h(
    "section",
    { class: "panel signin", "data-page": "signin" },
    h("h1", {}, "Sign in to the Tessera workspace"),
    note ? message("info", note) : null,
    status,
  );
  main.append(panel);
  if (config.signIn === "oidc") {
    panel.append(
      h("p", {}, "Sign in with your company account."),
      h(
        "button",
        {
          type: "button",
          class: "primary",
          onclick: () => startOidc(config).catch((e) => status.replaceChildren(message("error", e.message))),
        },
        "Sign in",
      ),
    );
    return null;
  }
  const party = h("input", { name: "party", value: "cust-1", autocomplete: "off" });
  const go = async (persona) => {
    try {
      await signInLocal(persona.role, persona.role === "customer" ? party.value.trim() || null : null);
      location.hash = WORKSPACE_ROLES.has(persona.role) ? "#/orders" : "#/forbidden";
    } catch (error) {
      status.replaceChildren(message("error", `Sign-in failed: ${error.message}`));
    }
  };
  panel.append(
    h("p", { class: "muted" }, "Local stack: choose who you are (the embedded token issuer)."),
    h(
      "div",
      { class: "personas", role: "group", "aria-label": "Personas" },
      PERSONAS.map((persona) =>
        h(
          "button",
          { type: "button", "data-role": persona.role, onclick: () => go(persona) },
          persona.label,
          h("small", {}, `${persona.user} · ${persona.role}`),
        ),
      ),
    ),
    h("h2", {}, "Customer party"),
    field("Customer party id (customer persona only)", party),
  );
  return null;
}
