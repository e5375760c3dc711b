// Small DOM helpers: h() builds HTML elements, s() builds SVG elements, plus formatters.

const SVG_NS = "http://www.w3.org/2000/svg";

function append(node, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function setAttributes(node, attrs) {
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") {
      node.addEventListener(key.slice(2).toLowerCase(), value);
    } else if (key === "dataset") {
      Object.assign(node.dataset, value);
    } else if (key === "value" && "value" in node) {
      node.value = value;
    } else if (key === "checked") {
      node.checked = Boolean(value);
    } else {
      node.setAttribute(key, value === true ? "" : String(value));
    }
  }
}

export function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  setAttributes(node, attrs);
  return append(node, children);
}

export function s(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG_NS, tag);
  setAttributes(node, attrs);
  return append(node, children);
}

export function clear(node) {
  while (node.firstChild) node.firstChild.remove();
  return node;
}

let uid = 0;
export function nextId(prefix = "f") {
  uid += 1;
  return `${prefix}-${uid}`;
}

// A labelled form control: <label for> + control, optionally a hint.
export function field(labelText, control, hint) {
  if (!control.id) control.id = nextId("ctl");
  const wrap = h("div", { class: "field" }, h("label", { for: control.id }, labelText), control);
  if (hint) {
    const hintId = nextId("hint");
    control.setAttribute("aria-describedby", hintId);
    wrap.append(h("span", { class: "hint", id: hintId }, hint));
  }
  return wrap;
}

export function select(name, options, value) {
  return h(
    "select",
    { name },
    options.map(([v, text]) => h("option", { value: v, selected: v === value ? true : null }, text)),
  );
}

export function badge(text, kind) {
  return h("span", { class: `badge badge-${kind || text}` }, text);
}

export function fmtDate(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toISOString().replace("T", " ").slice(0, 19) + "Z";
}

export function fmtDuration(seconds) {
  if (seconds === null || seconds === undefined || Number.isNaN(seconds)) return "";
  const sign = seconds < 0 ? "-" : "";
  let rest = Math.abs(seconds);
  if (rest < 60) return `${sign}${rest.toFixed(rest < 10 ? 1 : 0)} s`;
  if (rest < 3600) return `${sign}${Math.round(rest / 60)} min`;
  if (rest < 172800) return `${sign}${(rest / 3600).toFixed(1)} h`;
  rest /= 86400;
  return `${sign}${rest.toFixed(1)} d`;
}

export function fmtPrice(prices) {
  if (!prices || !prices.length) return "";
  return prices
    .map((p) => {
      const amount = p.price?.taxIncludedAmount || p.price?.dutyFreeAmount || {};
      const period = p.recurringChargePeriod ? `/${p.recurringChargePeriod}` : "";
      return `${amount.value ?? "?"} ${amount.unit || ""}${period} (${p.priceType || "price"})`;
    })
    .join(", ");
}

export function message(kind, text) {
  return h("p", { class: `msg msg-${kind}`, role: kind === "error" ? "alert" : "status" }, text);
}

// Replace a node's children (null, false and undefined children are left out).
export function fill(node, ...children) {
  return append(clear(node), children);
}
