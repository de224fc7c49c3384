// Standard Webhooks signatures: `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, keyed by the
// base64-decoded part of a `whsec_` secret; and Frappe's (seed 002), `base64(HMAC-SHA256(secret
// as UTF-8 text, body))`. Pure: the caller hands in the time.
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SECRET_PREFIX = 'whsec_';
const MIN_KEY_BYTES = 24;
const MAX_KEY_BYTES = 64;

export interface SignInput {
  secret: string;
  msgId: string;
  timestampS: number;
  body: string | Buffer;
}

/** A whsec_ secret's key is its base64 part; any other text (a Frappe secret) keys by its UTF-8 bytes. */
export function secretKey(secret: string): Buffer {
  return secret.startsWith(SECRET_PREFIX) ? Buffer.from(secret.slice(SECRET_PREFIX.length), 'base64') : Buffer.from(secret, 'utf8');
}

export function sign({ secret, msgId, timestampS, body }: SignInput): string {
  const hmac = createHmac('sha256', secretKey(secret));
  hmac.update(`${msgId}.${timestampS}.`);
  hmac.update(body);
  return `v1,${hmac.digest('base64')}`;
}

/** One header value carrying a signature per secret (several during a rotation overlap). */
export function signatureHeader(secrets: readonly string[], input: Omit<SignInput, 'secret'>): string {
  return secrets.map((secret) => sign({ ...input, secret })).join(' ');
}

/** Frappe's `X-Frappe-Webhook-Signature`: the secret as given (UTF-8), over the body's bytes. */
export function frappeSignature(secret: string, body: string | Buffer): string {
  return createHmac('sha256', Buffer.from(secret, 'utf8')).update(body).digest('base64');
}

export function verify(header: string, input: SignInput): boolean {
  const expected = Buffer.from(sign(input));
  return header.split(' ').some((candidate) => {
    const got = Buffer.from(candidate);
    return got.length === expected.length && timingSafeEqual(got, expected);
  });
}

/** Any secret's length bound; a `frappe` secret may be any text within it. */
export const SECRET_MAX_CHARS = 512;

/** Why a user-supplied Standard Webhooks secret is unusable, or undefined when it is fine. */
export function secretProblem(secret: string): string | undefined {
  if (!secret.startsWith(SECRET_PREFIX)) return `must start with "${SECRET_PREFIX}"`;
  const body = secret.slice(SECRET_PREFIX.length);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(body)) return 'must be whsec_ followed by base64';
  const bytes = Buffer.from(body, 'base64').length;
  if (bytes < MIN_KEY_BYTES || bytes > MAX_KEY_BYTES) return `key must be ${MIN_KEY_BYTES} to ${MAX_KEY_BYTES} bytes`;
  return undefined;
}

export function secretFromBytes(bytes: Buffer): string {
  return `${SECRET_PREFIX}${bytes.toString('base64')}`;
}
