// For receivers: checking that a request came from Relais, on its raw body, before trusting it.
//
// - `standard` (Standard Webhooks, every webhook): `webhook-signature` holds `v1,<base64
//   HMAC-SHA256 of "webhook-id.webhook-timestamp.body">`, several space-separated during a secret
//   rotation's overlap; the key is the base64 part of a `whsec_` secret (any other secret, a Frappe
//   one, keys by its UTF-8 bytes). The timestamp must be within `toleranceSeconds` of now, either
//   way, so a captured request cannot be replayed later.
// - `frappe` (webhooks with signature_scheme "frappe"): `X-Frappe-Webhook-Signature` holds
//   base64(HMAC-SHA256(secret as UTF-8, body)), as Frappe signs. It covers no timestamp, so no
//   tolerance applies; Relais sends the Standard headers too, which `standard` checks with the
//   same secret.
//
// Several secrets may be given (the new and the previous one, while a rotation is under way): a
// signature made with any of them passes. Every comparison is constant-time.
import { createHmac, timingSafeEqual } from 'node:crypto';

export type SignatureScheme = 'standard' | 'frappe';

/** Headers as Node's http module (IncomingHttpHeaders), fetch (Headers) or a plain object has them; any case. */
export type HeadersLike = Headers | Record<string, string | string[] | undefined>;

export interface VerifyOptions {
  /** The webhook's signing secret, or several during a rotation. */
  secret: string | readonly string[];
  headers: HeadersLike;
  /** The raw body, exactly as received: not a re-serialized JSON object. */
  body: string | Uint8Array;
  /** Default `standard`. */
  scheme?: SignatureScheme;
  /** How far the `webhook-timestamp` may be from now, either way (standard). Default 300. */
  toleranceSeconds?: number;
  /** The time to check the timestamp against. Default now. */
  now?: Date | number;
}

export type VerificationFailure = 'missing_header' | 'invalid_timestamp' | 'timestamp_too_old' | 'timestamp_too_new' | 'no_matching_signature' | 'invalid_secret' | 'invalid_json';

export class WebhookVerificationError extends Error {
  override readonly name = 'WebhookVerificationError';
  constructor(readonly reason: VerificationFailure, message: string) {
    super(message);
  }
}

export const DEFAULT_TOLERANCE_SECONDS = 300;
const WHSEC = 'whsec_';
export const FRAPPE_HEADER = 'x-frappe-webhook-signature';

function header(headers: HeadersLike, name: string): string | undefined {
  if (headers instanceof Headers) return headers.get(name) ?? undefined;
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === name) return Array.isArray(value) ? value.join(' ') : value;
  }
  return undefined;
}

function required(headers: HeadersLike, name: string): string {
  const value = header(headers, name);
  if (value === undefined || value.trim() === '') throw new WebhookVerificationError('missing_header', `the ${name} header is missing`);
  return value.trim();
}

/** The HMAC key of a secret: a whsec_ secret's base64 part, any other secret's UTF-8 bytes. */
export function secretKey(secret: string): Buffer {
  if (!secret.startsWith(WHSEC)) return Buffer.from(secret, 'utf8');
  const key = Buffer.from(secret.slice(WHSEC.length), 'base64');
  if (key.length === 0) throw new WebhookVerificationError('invalid_secret', 'the whsec_ secret has no key after its prefix');
  return key;
}

function secretsOf(secret: string | readonly string[]): readonly string[] {
  const all = typeof secret === 'string' ? [secret] : secret;
  if (all.length === 0 || all.some((s) => typeof s !== 'string' || s === '')) throw new WebhookVerificationError('invalid_secret', 'no secret to verify with');
  return all;
}

/** Whether `candidate` (base64) is the same digest as `expected`, in constant time. */
function sameDigest(candidate: string, expected: Buffer): boolean {
  const got = Buffer.from(candidate, 'base64');
  return got.length === expected.length && timingSafeEqual(got, expected);
}

function checkTimestamp(value: string, toleranceSeconds: number, now: Date | number | undefined): number {
  if (!/^\d{1,15}$/.test(value)) throw new WebhookVerificationError('invalid_timestamp', `the webhook-timestamp header is not a number of seconds: "${value.slice(0, 40)}"`);
  const timestampS = Number(value);
  const nowS = Math.floor((now === undefined ? Date.now() : typeof now === 'number' ? now : now.getTime()) / 1000);
  if (nowS - timestampS > toleranceSeconds) throw new WebhookVerificationError('timestamp_too_old', `the message is ${nowS - timestampS} s old, more than the ${toleranceSeconds} s tolerated`);
  if (timestampS - nowS > toleranceSeconds) throw new WebhookVerificationError('timestamp_too_new', `the message is dated ${timestampS - nowS} s ahead, more than the ${toleranceSeconds} s tolerated`);
  return timestampS;
}

function verifyStandard(options: VerifyOptions, body: Buffer): void {
  const msgId = required(options.headers, 'webhook-id');
  const timestamp = required(options.headers, 'webhook-timestamp');
  const signatures = required(options.headers, 'webhook-signature');
  checkTimestamp(timestamp, options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS, options.now);
  const candidates = signatures.split(' ').flatMap((s) => {
    const [version, signature] = s.split(',', 2);
    return version === 'v1' && signature ? [signature] : [];
  });
  for (const secret of secretsOf(options.secret)) {
    const expected = createHmac('sha256', secretKey(secret)).update(`${msgId}.${timestamp}.`).update(body).digest();
    if (candidates.some((c) => sameDigest(c, expected))) return;
  }
  throw new WebhookVerificationError('no_matching_signature', 'no v1 signature in webhook-signature matches the secret');
}

function verifyFrappe(options: VerifyOptions, body: Buffer): void {
  const candidates = required(options.headers, FRAPPE_HEADER).split(' ').filter(Boolean);
  for (const secret of secretsOf(options.secret)) {
    const expected = createHmac('sha256', Buffer.from(secret, 'utf8')).update(body).digest();
    if (candidates.some((c) => sameDigest(c, expected))) return;
  }
  throw new WebhookVerificationError('no_matching_signature', `${FRAPPE_HEADER} does not match the secret`);
}

/** Checks the signature (and, for `standard`, the timestamp); returns the raw body as text. Throws WebhookVerificationError. */
export function verifyWebhookSignature(options: VerifyOptions): string {
  const body = typeof options.body === 'string' ? Buffer.from(options.body, 'utf8') : Buffer.from(options.body.buffer, options.body.byteOffset, options.body.byteLength);
  const scheme = options.scheme ?? 'standard';
  if (scheme === 'standard') verifyStandard(options, body);
  else if (scheme === 'frappe') verifyFrappe(options, body);
  else throw new TypeError(`unknown signature scheme: ${String(scheme)}`);
  return typeof options.body === 'string' ? options.body : body.toString('utf8');
}

/**
 * Checks the signature (and, for `standard`, the timestamp) and answers the JSON payload. Throws
 * WebhookVerificationError: never use a body it refused. For a body that is not JSON (a form, a
 * template's text), use verifyWebhookSignature.
 */
export function verifyWebhook<T = unknown>(options: VerifyOptions): T {
  const text = verifyWebhookSignature(options);
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    throw new WebhookVerificationError('invalid_json', `the signature is good but the body is not JSON (${(err as Error).message}): use verifyWebhookSignature`);
  }
}
