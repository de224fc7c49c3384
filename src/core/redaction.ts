// What an attempt record may keep of a request's headers: nothing that authenticates. Our own
// webhook-signature stays: an HMAC reveals nothing of the secret and helps debug a mismatch.
const SECRET_HEADER = /authorization|cookie|token|secret|password|api[-_]?key|signature|credential/i;
const SHOWN = new Set(['webhook-signature', 'x-frappe-webhook-signature']);
export const REDACTED = '[redacted]';

export function redactHeaders(headers: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) out[name] = SECRET_HEADER.test(name) && !SHOWN.has(name) ? REDACTED : value;
  return out;
}
