// JSON as Python's json.dumps writes it by default: ", " and ": " between items, every character
// outside ASCII escaped as \uXXXX (ensure_ascii). Frappe sends its webhook bodies so; a receiver
// that compares bytes, or a signature made by Frappe over the same object, sees the same text.
const escapeNonAscii = (json: string): string =>
  json.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

export function pythonJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return escapeNonAscii(JSON.stringify(value ?? null));
  if (Array.isArray(value)) return `[${value.map(pythonJson).join(', ')}]`;
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
  return `{${entries.map(([k, v]) => `${escapeNonAscii(JSON.stringify(k))}: ${pythonJson(v)}`).join(', ')}}`;
}
