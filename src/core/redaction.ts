// What the API, previews, attempt records and lifecycle events may show of a request's headers:
// nothing that authenticates. A header is hidden when the webhook marks it secret
// (`secret_headers`), or when its name looks like a credential (auth, key, token…). Our own
// signatures stay shown: an HMAC reveals nothing of the secret and helps debug a mismatch.
const SECRET_HEADER = /auth|key|token|secret|password|signature|cookie|credential/i;
const SHOWN = new Set(['webhook-signature', 'x-frappe-webhook-signature']);
export const REDACTED = '[redacted]';

/** Whether a header's value is hidden; `secretNames` are lower-case (the webhook's secret_headers). */
export function isRedacted(name: string, secretNames: readonly string[] = []): boolean {
  const lower = name.toLowerCase();
  return secretNames.includes(lower) || (SECRET_HEADER.test(lower) && !SHOWN.has(lower));
}

export function redactHeaders(headers: Readonly<Record<string, string>>, secretNames: readonly string[] = []): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) out[name] = isRedacted(name, secretNames) ? REDACTED : value;
  return out;
}
