// `relais verify --secret <s> --headers <file|-> [--body <file>] < body`: checks a webhook's
// signature from the terminal, with the SDK's verifier (relais-sdk/verify), on either scheme.
// Exit 0 when it is valid; 1 with the reason (no_matching_signature, timestamp_too_old…) when not.
// The headers file is `Name: value` lines (as `curl -D` writes them, a status line allowed) or a
// JSON object; the body is read as raw bytes, exactly as received.
import { WebhookVerificationError, verifyWebhookSignature, type SignatureScheme } from 'relais-sdk/verify';
import { readSource } from './input.ts';
import { print } from './output.ts';
import { UsageError } from './usage-error.ts';

export interface VerifyOptions {
  secret?: string[];
  headers: string;
  body?: string;
  scheme?: string;
  tolerance?: string;
  json?: boolean;
}

/** Exit 1 with the reason: the check ran and said no. */
class SignatureInvalid extends Error {}

/** `Name: value` lines (an HTTP status or request line skipped) or a JSON object, as a header record. */
export function parseHeaders(text: string): Record<string, string> {
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    try {
      const parsed = JSON.parse(trimmed) as Record<string, unknown>;
      return Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k.toLowerCase(), Array.isArray(v) ? v.join(' ') : String(v)]));
    } catch (err) {
      throw new UsageError(`--headers: not valid JSON: ${(err as Error).message}`);
    }
  }
  const headers: Record<string, string> = {};
  for (const line of trimmed.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (line.trim() === '' || /^HTTP\/\d|^[A-Z]+ \S+ HTTP\/\d/.test(line) || colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = headers[name] === undefined ? value : `${headers[name]} ${value}`;
  }
  return headers;
}

/** `auto`: standard when the webhook-signature header is there, else frappe when its header is. */
function schemeOf(option: string | undefined, headers: Record<string, string>): SignatureScheme {
  const scheme = option ?? 'auto';
  if (scheme === 'standard' || scheme === 'frappe') return scheme;
  if (scheme !== 'auto') throw new UsageError(`--scheme: "${scheme}" is not one of auto, standard, frappe`);
  return headers['webhook-signature'] === undefined && headers['x-frappe-webhook-signature'] !== undefined ? 'frappe' : 'standard';
}

export async function verify(options: VerifyOptions): Promise<void> {
  const secrets = options.secret?.length ? options.secret : process.env.RELAIS_WEBHOOK_SECRET ? [process.env.RELAIS_WEBHOOK_SECRET] : [];
  if (secrets.length === 0) throw new UsageError('no secret: pass --secret (several during a rotation) or set RELAIS_WEBHOOK_SECRET');
  const bodyFrom = options.body ?? '-';
  if (options.headers === '-' && bodyFrom === '-') throw new UsageError('--headers - reads stdin: give the body with --body <file>');
  if (bodyFrom === '-' && process.stdin.isTTY) throw new UsageError('no body: pipe it in (relais verify … < body.json) or give --body <file>');
  const tolerance = options.tolerance === undefined ? undefined : Number(options.tolerance);
  if (tolerance !== undefined && !(Number.isInteger(tolerance) && tolerance >= 0)) throw new UsageError(`--tolerance: "${options.tolerance}" is not a number of seconds`);
  const headers = parseHeaders((await readSource(options.headers)).toString('utf8'));
  const body = await readSource(bodyFrom);
  const scheme = schemeOf(options.scheme, headers);
  try {
    verifyWebhookSignature({ secret: secrets, headers, body, scheme, ...(tolerance === undefined ? {} : { toleranceSeconds: tolerance }) });
  } catch (err) {
    if (!(err instanceof WebhookVerificationError)) throw err;
    print(options, { valid: false, scheme, reason: err.reason, message: err.message }, () => '');
    throw new SignatureInvalid(`invalid (${scheme}): ${err.reason}: ${err.message}`);
  }
  print(options, { valid: true, scheme }, () => `valid (${scheme})`);
}
