// What an attempt record may keep of a request's headers: nothing that authenticates.
const SECRET_HEADER = /authorization|cookie|token|secret|password|api[-_]?key|signature|credential/i;
export const REDACTED = '[redacted]';

export function redactHeaders(headers: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) out[name] = SECRET_HEADER.test(name) ? REDACTED : value;
  return out;
}
