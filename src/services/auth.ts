// Bearer tokens. The admin token (the product's backend) may do everything; a tenant token only
// its own tenant. Tenant tokens are stored as SHA-256 hashes: a leaked database leaks no token.
// Sign-in links (core/page-links.ts) carry a third kind: stateless, signed, expiring, one tenant.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { MAX_TOKEN_TTL_MS } from '../core/duration.ts';
import { errors } from '../core/errors.ts';
import { PAGE_LINK_PREFIX, signPageLink, verifyPageLink } from '../core/page-links.ts';
import { newId } from '../ids.ts';
import type { ServiceDeps } from './deps.ts';

/** `expiresAt`: when the credential stops working (epoch ms), null when it does not expire. */
export type Principal = { kind: 'admin' } | { kind: 'tenant'; tenantId: string; expiresAt: number | null };

const ADMIN_TOKEN_KEY = 'admin_token';
const PAGE_LINK_KEY = 'page_link_key';
const newToken = (kind: 'adm' | 'tnt'): string => `rls_${kind}_${randomBytes(32).toString('base64url')}`;

const digest = (token: string): Buffer => createHash('sha256').update(token).digest();
const hash = (token: string): string => digest(token).toString('hex');

/** Compares digests (equal lengths, constant time); the known token's digest is computed once. */
function sameToken(given: string, knownDigest: Buffer): boolean {
  return timingSafeEqual(digest(given), knownDigest);
}

export function authService({ store, config, now }: ServiceDeps) {
  let adminDigest: Buffer | undefined;
  let linkKey: Buffer | undefined;

  /**
   * The key that signs sign-in links: derived from RELAIS_ENCRYPTION_KEY when it is set (then a
   * copy of the database cannot forge links), else generated once and stored, like the admin
   * token, so every process sharing the database accepts the same links.
   */
  async function pageLinkKey(): Promise<Buffer> {
    if (linkKey) return linkKey;
    linkKey = config.encryptionKey
      ? createHmac('sha256', config.encryptionKey).update('relais page links v1').digest()
      : Buffer.from(await store.settings.putIfAbsent(PAGE_LINK_KEY, randomBytes(32).toString('base64url')), 'base64url');
    return linkKey;
  }

  async function mustExist(tenantId: string): Promise<void> {
    if (!(await store.tenants.get(tenantId))) throw errors.notFound('tenant', tenantId);
  }

  return {
    /** The admin token in force: RELAIS_ADMIN_TOKEN, or the one generated and stored on first start. */
    async adminToken(): Promise<{ token: string; source: 'environment' | 'stored' }> {
      if (config.adminToken) return { token: config.adminToken, source: 'environment' };
      return { token: await store.settings.putIfAbsent(ADMIN_TOKEN_KEY, newToken('adm')), source: 'stored' };
    },

    async authenticate(bearer: string | undefined): Promise<Principal> {
      if (!bearer) throw errors.unauthenticated();
      if (bearer.startsWith(PAGE_LINK_PREFIX)) {
        const check = verifyPageLink(bearer, await pageLinkKey(), now());
        if (!check.ok) throw check.reason === 'expired' ? errors.linkExpired() : errors.unauthenticated();
        return { kind: 'tenant', ...check.claims };
      }
      adminDigest ??= digest((await this.adminToken()).token);
      if (sameToken(bearer, adminDigest)) return { kind: 'admin' };
      const found = await store.tokens.tenantForHash(hash(bearer), now());
      if (!found) throw errors.unauthenticated();
      return { kind: 'tenant', ...found };
    },

    async createTenantToken(tenantId: string, ttlMs: number | undefined): Promise<{ token: string; expiresAt: number | null }> {
      // The API's schema bounds it too; this keeps every caller from minting a token dated past what a Date can hold.
      if (ttlMs !== undefined && !(ttlMs > 0 && ttlMs <= MAX_TOKEN_TTL_MS)) throw errors.validation([{ field: 'expires_in', message: 'between 1ms and 1825d (5 years)' }]);
      await mustExist(tenantId);
      const token = newToken('tnt');
      const expiresAt = ttlMs === undefined ? null : now() + ttlMs;
      await store.tokens.create({ id: newId('tok'), tenantId, hash: hash(token), expiresAt }, now());
      return { token, expiresAt };
    },

    /** A sign-in link's credential for this tenant, valid for `ttlMs`. Nothing is stored. */
    async createPageLink(tenantId: string, ttlMs: number): Promise<{ token: string; expiresAt: number }> {
      await mustExist(tenantId);
      const expiresAt = now() + ttlMs;
      return { token: signPageLink({ tenantId, expiresAt }, await pageLinkKey()), expiresAt };
    },
  };
}
export type AuthService = ReturnType<typeof authService>;
