// JSON as Python's json.dumps writes it by default: ", " and ": " between items, every character
// outside printable ASCII escaped as \uXXXX (ensure_ascii; DEL too). Frappe sends its webhook
// bodies so; a receiver that compares bytes, or a signature made by Frappe over the same object,
// sees the same text. Plain JavaScript, typed by python-json.d.mts: the template children
// (render/render-worker.mjs, forked without the TypeScript loader) run this same code.
const escapeNonAscii = (json) =>
  json.replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

export function pythonJson(value, options = {}) {
  if (value === null || typeof value !== 'object') return escapeNonAscii(JSON.stringify(value ?? null));
  if (Array.isArray(value)) return `[${value.map((v) => pythonJson(v, options)).join(', ')}]`;
  const entries = Object.entries(value).filter(([, v]) => v !== undefined);
  if (options.sortKeys) entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${escapeNonAscii(JSON.stringify(k))}: ${pythonJson(v, options)}`).join(', ')}}`;
}
