// Sign-in links: a product hands its user a link that opens the tenant's page, signed in for
// one tenant until it expires. The link carries a stateless credential,
// `rpl_<payload>.<mac>`: the payload (base64url JSON) names the tenant and the expiry, the MAC
// is HMAC-SHA256 over the prefix and payload with the server's link key. Nothing is stored, so
// a link cannot be revoked before it expires: keep lifetimes short. Pure: handed key and time.
import { createHmac, timingSafeEqual } from 'node:crypto';

export const PAGE_LINK_PREFIX = 'rpl_';
export const PAGE_LINK_DEFAULT_TTL_MS = 3_600_000;
export const PAGE_LINK_MAX_TTL_MS = 24 * 3_600_000;

export interface PageLinkClaims {
  tenantId: string;
  expiresAt: number; // epoch ms
}

export type PageLinkCheck = { ok: true; claims: PageLinkClaims } | { ok: false; reason: 'invalid' | 'expired' };

const mac = (key: Buffer, payload: string): Buffer => createHmac('sha256', key).update(PAGE_LINK_PREFIX + payload).digest();

export function signPageLink(claims: PageLinkClaims, key: Buffer): string {
  const payload = Buffer.from(JSON.stringify({ t: claims.tenantId, e: claims.expiresAt })).toString('base64url');
  return `${PAGE_LINK_PREFIX}${payload}.${mac(key, payload).toString('base64url')}`;
}

/** Checks the MAC first (a forged or altered link is `invalid`), then the expiry. */
export function verifyPageLink(token: string, key: Buffer, nowMs: number): PageLinkCheck {
  const invalid = { ok: false, reason: 'invalid' } as const;
  if (!token.startsWith(PAGE_LINK_PREFIX) || token.length > 1000) return invalid;
  const [payload, given, ...rest] = token.slice(PAGE_LINK_PREFIX.length).split('.');
  if (!payload || !given || rest.length) return invalid;
  const expected = mac(key, payload);
  const actual = Buffer.from(given, 'base64url');
  if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) return invalid;
  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return invalid;
  }
  const { t, e } = (claims ?? {}) as { t?: unknown; e?: unknown };
  if (typeof t !== 'string' || typeof e !== 'number') return invalid;
  if (e <= nowMs) return { ok: false, reason: 'expired' };
  return { ok: true, claims: { tenantId: t, expiresAt: e } };
}
