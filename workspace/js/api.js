// Every call to the API goes through here: it adds the bearer token and sends the user back
// to sign-in when the API answers 401.
import { currentSession, endSession } from "./auth.js";

export class ApiError extends Error {
  constructor(status, body) {
    const text = body && (body.reason || body.message || body.detail);
    super(`${status}${body?.code ? " " + body.code : ""}${text ? ": " + text : ""}`);
    this.status = status;
    this.body = body;
  }
}

export async function api(path, { method = "GET", body, headers = {}, withHeaders = false } = {}) {
  const sendHeaders = { Accept: "application/json", ...headers };
  const session = currentSession();
  if (session?.token) sendHeaders.Authorization = `Bearer ${session.token}`;
  if (body !== undefined && !sendHeaders["Content-Type"]) {
    sendHeaders["Content-Type"] = "application/json";
  }
  const response = await fetch(path, {
    method,
    headers: sendHeaders,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (response.status === 401) {
    endSession("Your session has ended: sign in again.");
    throw new ApiError(401, { reason: "Not signed in" });
  }
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = { reason: text.slice(0, 200) };
  }
  if (!response.ok) throw new ApiError(response.status, data);
  return withHeaders ? { data, headers: response.headers } : data;
}

export const ORDERS = "/tmf-api/productOrderingManagement/v4/productOrder";
export const CANCEL = "/tmf-api/productOrderingManagement/v4/cancelProductOrder";

// A list loads on a timer and whenever its filters change. An earlier, slower answer arriving
// after a later one must not put back rows the user has just filtered away: each load takes a
// ticket, and its answer is shown only if no later load's answer has been shown already (so
// answers slower than the timer still show, in order).
export function latestOnly() {
  let issued = 0;
  let shown = 0;
  return () => {
    const mine = ++issued;
    return () => {
      if (mine < shown) return false;
      shown = mine;
      return true;
    };
  };
}
