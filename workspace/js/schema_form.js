// A form generated from a manual task's result schema (JSON schema: an object of typed
// properties, some required), validated in the browser before anything is sent.

const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

// The value of one property from its text, or an error message.
export function parseField(schema, text, required) {
  const raw = text.trim();
  if (schema.type === "boolean") return { value: text === "true" };
  if (!raw) return required ? { error: "Required." } : { value: undefined };
  switch (schema.type) {
    case "integer":
      return /^-?\d+$/.test(raw) ? { value: Number(raw) } : { error: "Enter a whole number." };
    case "number":
      return raw !== "" && Number.isFinite(Number(raw)) ? { value: Number(raw) } : { error: "Enter a number." };
    case "string":
      if (Array.isArray(schema.enum) && !schema.enum.includes(raw)) {
        return { error: `Choose one of ${schema.enum.join(", ")}.` };
      }
      if (schema.format === "date-time") {
        return DATE_TIME.test(raw) && !Number.isNaN(Date.parse(raw))
          ? { value: raw }
          : { error: "Enter a date and time with its zone, e.g. 2026-12-07T10:30:00Z." };
      }
      if (schema.format === "date") {
        return DATE.test(raw) && !Number.isNaN(Date.parse(raw)) ? { value: raw } : { error: "Enter a date, e.g. 2026-12-07." };
      }
      return { value: raw };
    default:
      try {
        return { value: JSON.parse(raw) };
      } catch {
        return { error: "Enter a JSON value." };
      }
  }
}

function hintFor(schema) {
  if (schema.type === "string" && schema.format === "date-time") return "e.g. 2026-12-07T10:30:00Z";
  if (schema.type === "string" && schema.format === "date") return "e.g. 2026-12-07";
  if (schema.type === "integer") return "a whole number";
  if (schema.type === "number") return "a number";
  return null;
}

// Builds the controls into `container`; returns collect(): {ok, result}.
export function schemaForm(container, schema, makeId) {
  const properties = schema?.properties || {};
  const required = new Set(schema?.required || []);
  const controls = [];
  for (const [name, prop] of Object.entries(properties)) {
    const id = makeId(name);
    const errorId = `${id}-error`;
    const label = document.createElement("label");
    label.htmlFor = id;
    label.textContent = `${name}${required.has(name) ? " (required)" : ""}`;
    let input;
    if (prop.type === "boolean") {
      input = document.createElement("select");
      for (const v of ["true", "false"]) input.append(new Option(v, v));
    } else if (Array.isArray(prop.enum)) {
      // One of a few values (a return's condition grade): a choice, nothing to type.
      input = document.createElement("select");
      for (const v of prop.enum) input.append(new Option(String(v), String(v)));
    } else {
      input = document.createElement("input");
      input.type = "text";
      input.autocomplete = "off";
      if (prop.type === "integer" || prop.type === "number") input.inputMode = "decimal";
    }
    input.id = id;
    input.name = name;
    if (required.has(name)) input.setAttribute("aria-required", "true");
    const hintText = hintFor(prop);
    const error = document.createElement("span");
    error.className = "error-text";
    error.id = errorId;
    const wrap = document.createElement("div");
    wrap.className = "field";
    wrap.append(label, input);
    if (hintText) {
      const hint = document.createElement("span");
      hint.className = "hint";
      hint.id = `${id}-hint`;
      hint.textContent = hintText;
      wrap.append(hint);
      input.setAttribute("aria-describedby", `${hint.id} ${errorId}`);
    } else {
      input.setAttribute("aria-describedby", errorId);
    }
    wrap.append(error);
    container.append(wrap);
    controls.push({ name, prop, input, error });
  }
  return function collect() {
    const result = {};
    let ok = true;
    let first = null;
    for (const { name, prop, input, error } of controls) {
      const parsed = parseField(prop, input.value, required.has(name));
      if (parsed.error) {
        ok = false;
        error.textContent = parsed.error;
        input.setAttribute("aria-invalid", "true");
        first = first || input;
      } else {
        error.textContent = "";
        input.removeAttribute("aria-invalid");
        if (parsed.value !== undefined) result[name] = parsed.value;
      }
    }
    if (first) first.focus();
    return { ok, result };
  };
}
