// Sign-in: the local embedded issuer (a persona picked on the sign-in page) or, in production,
// the OIDC authorization-code flow with PKCE (Keycloak). The session lives in sessionStorage:
// it ends with the tab.
import { PERSONAS, WORKSPACE_ROLES } from "./roles.js";

const KEY = "tessera.session";
const PKCE_KEY = "tessera.pkce";

export function currentSession() {
  try {
    const session = JSON.parse(sessionStorage.getItem(KEY) || "null");
    if (session && session.expiresAt && Date.now() > session.expiresAt) {
      sessionStorage.removeItem(KEY);
      return null;
    }
    return session;
  } catch {
    return null;
  }
}

function keep(session) {
  sessionStorage.setItem(KEY, JSON.stringify(session));
}

export function endSession(why) {
  sessionStorage.removeItem(KEY);
  if (why) sessionStorage.setItem("tessera.signin-message", why);
  location.hash = "#/signin";
}

export function takeSignInMessage() {
  const text = sessionStorage.getItem("tessera.signin-message");
  sessionStorage.removeItem("tessera.signin-message");
  return text;
}

function claims(token) {
  try {
    const part = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    return JSON.parse(atob(part + "=".repeat((4 - (part.length % 4)) % 4)));
  } catch {
    return null; // an opaque token
  }
}

// The local embedded issuer: POST /auth/local/token {role, party}. An API that does not
// check tokens (no /auth route) is used without one.
export async function signInLocal(role, party) {
  const persona = PERSONAS.find((p) => p.role === role);
  const ask = (body) =>
    fetch("/auth/local/token", {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify(body),
    });
  const body = { role };
  if (party) body.party = party;
  // The persona's name as the token's subject, so the history says who acted; an issuer that
  // takes no subject is asked again without one.
  let response = await ask(persona ? { ...body, subject: persona.user } : body);
  if (response.status === 422 && persona) response = await ask(body);
  let token = null;
  let expiresIn = 8 * 3600;
  if (response.ok) {
    const answer = await response.json();
    token = answer.access_token;
    expiresIn = answer.expires_in || expiresIn;
  } else if (response.status !== 404 && response.status !== 405) {
    throw new Error(`sign-in refused (${response.status})`);
  }
  const fromToken = token ? claims(token) : null;
  const session = {
    token,
    role,
    user: fromToken?.preferred_username || fromToken?.sub || persona?.user || role,
    party: party || null,
    expiresAt: Date.now() + expiresIn * 1000,
  };
  keep(session);
  return session;
}

function base64url(bytes) {
  let text = "";
  for (const b of new Uint8Array(bytes)) text += String.fromCharCode(b);
  return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

async function discovery(issuer) {
  const response = await fetch(`${issuer}/.well-known/openid-configuration`);
  if (!response.ok) throw new Error(`OIDC discovery failed (${response.status})`);
  return response.json();
}

function redirectUri() {
  return `${location.origin}/workspace/`;
}

// Step 1: to the identity provider, with a PKCE challenge (S256) and a state.
export async function startOidc(config) {
  const provider = await discovery(config.oidcIssuer);
  const verifier = base64url(crypto.getRandomValues(new Uint8Array(32)));
  const state = base64url(crypto.getRandomValues(new Uint8Array(16)));
  const challenge = base64url(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
  sessionStorage.setItem(PKCE_KEY, JSON.stringify({ verifier, state }));
  const url = new URL(provider.authorization_endpoint);
  url.search = new URLSearchParams({
    response_type: "code",
    client_id: config.oidcClientId,
    redirect_uri: redirectUri(),
    scope: "openid profile",
    state,
    code_challenge: challenge,
    code_challenge_method: "S256",
  }).toString();
  location.assign(url.toString());
}

// The staff role a token carries: Keycloak puts realm roles in realm_access.roles and client
// roles in resource_access[client].roles.
export function roleOf(tokenClaims, clientId) {
  const roles = new Set([
    ...(tokenClaims?.realm_access?.roles || []),
    ...(tokenClaims?.resource_access?.[clientId]?.roles || []),
    ...(tokenClaims?.roles || []),
  ]);
  const staff = PERSONAS.map((p) => p.role).find((r) => WORKSPACE_ROLES.has(r) && roles.has(r));
  return staff || (roles.has("channel") ? "channel" : "customer");
}

// Step 2, back at /workspace/?code=...&state=...: the code and the verifier for a token.
export async function finishOidc(config) {
  const params = new URLSearchParams(location.search);
  const code = params.get("code");
  if (!code) return null;
  const saved = JSON.parse(sessionStorage.getItem(PKCE_KEY) || "null");
  sessionStorage.removeItem(PKCE_KEY);
  history.replaceState(null, "", `${location.pathname}${location.hash || "#/orders"}`);
  if (!saved || saved.state !== params.get("state")) throw new Error("sign-in state mismatch");
  const provider = await discovery(config.oidcIssuer);
  const response = await fetch(provider.token_endpoint, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "authorization_code",
      code,
      redirect_uri: redirectUri(),
      client_id: config.oidcClientId,
      code_verifier: saved.verifier,
    }),
  });
  if (!response.ok) throw new Error(`token exchange failed (${response.status})`);
  const answer = await response.json();
  const tokenClaims = claims(answer.access_token) || {};
  const session = {
    token: answer.access_token,
    role: roleOf(tokenClaims, config.oidcClientId),
    user: tokenClaims.preferred_username || tokenClaims.sub || "user",
    party: null,
    expiresAt: Date.now() + (answer.expires_in || 300) * 1000,
  };
  keep(session);
  return session;
}
