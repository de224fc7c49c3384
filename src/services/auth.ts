// Bearer tokens. The admin token (the product's backend) may do everything; a tenant token only
// its own tenant. Both are stored as SHA-256 hashes: a leaked database leaks no token. A generated
// admin token is therefore shown once, by the start that generated it. Tenant tokens are looked
// up in the store on every request (no cache), so a revoked one stops working at once.
// Sign-in links (core/page-links.ts) carry a third kind: stateless, signed, expiring, one tenant.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { MAX_TOKEN_TTL_MS } from '../core/duration.ts';
import { errors } from '../core/errors.ts';
import { PAGE_LINK_PREFIX, signPageLink, verifyPageLink } from '../core/page-links.ts';
import { newId } from '../ids.ts';
import type { TokenInfo } from '../store/store.ts';
import type { ServiceDeps } from './deps.ts';

/** `expiresAt`: when the credential stops working (epoch ms), null when it does not expire. */
export type Principal = { kind: 'admin' } | { kind: 'tenant'; tenantId: string; expiresAt: number | null };

/** The admin token in force and where it comes from; `token` only on the start that generated it. */
export type AdminToken = { source: 'environment' } | { source: 'generated'; token: string } | { source: 'stored' };

const ADMIN_TOKEN_HASH_KEY = 'admin_token_hash'; // migrations/0012 hashes a plain one stored before
const LAST_CHARS = 4;
const PAGE_LINK_KEY = 'page_link_key';
const newToken = (kind: 'adm' | 'tnt'): string => `rls_${kind}_${randomBytes(32).toString('base64url')}`;

const digest = (token: string): Buffer => createHash('sha256').update(token).digest();
const hash = (token: string): string => digest(token).toString('hex');

/** Compares digests (equal lengths, constant time); the known token's digest is computed once. */
function sameToken(given: string, knownDigest: Buffer): boolean {
  return timingSafeEqual(digest(given), knownDigest);
}

export function authService({ store, config, now }: ServiceDeps) {
  let admin: Promise<{ digest: Buffer; shown: AdminToken }> | undefined;
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

  /**
   * RELAIS_ADMIN_TOKEN, or the hash stored on first start. Resolved once per process: whichever
   * comes first, a request or the start banner, generates it, and the banner still shows it.
   */
  async function resolveAdmin(): Promise<{ digest: Buffer; shown: AdminToken }> {
    if (config.adminToken) return { digest: digest(config.adminToken), shown: { source: 'environment' } };
    const candidate = newToken('adm');
    const stored = await store.settings.putIfAbsent(ADMIN_TOKEN_HASH_KEY, hash(candidate));
    // Another process (or an earlier start) may have stored its own first: then it is not ours to show.
    return { digest: Buffer.from(stored, 'hex'), shown: stored === hash(candidate) ? { source: 'generated', token: candidate } : { source: 'stored' } };
  }

  /** Kept once resolved; a failure (the database away) is not kept, the next request tries again. */
  function adminCredential(): Promise<{ digest: Buffer; shown: AdminToken }> {
    admin ??= resolveAdmin().catch((err: unknown) => {
      admin = undefined;
      throw err;
    });
    return admin;
  }

  async function mustExist(tenantId: string): Promise<void> {
    if (!(await store.tenants.get(tenantId))) throw errors.notFound('tenant', tenantId);
  }

  return {
    /** Where the admin token comes from; the token itself only when this process generated it. */
    async adminToken(): Promise<AdminToken> {
      return (await adminCredential()).shown;
    },

    async authenticate(bearer: string | undefined): Promise<Principal> {
      if (!bearer) throw errors.unauthenticated();
      if (bearer.startsWith(PAGE_LINK_PREFIX)) {
        const check = verifyPageLink(bearer, await pageLinkKey(), now());
        if (!check.ok) throw check.reason === 'expired' ? errors.linkExpired() : errors.unauthenticated();
        return { kind: 'tenant', ...check.claims };
      }
      if (sameToken(bearer, (await adminCredential()).digest)) return { kind: 'admin' };
      const found = await store.tokens.tenantForHash(hash(bearer), now());
      if (!found) throw errors.unauthenticated();
      return { kind: 'tenant', ...found };
    },

    /** A tenant token; without `ttlMs` it lives RELAIS_TOKEN_TTL, or forever when that is unset. */
    async createTenantToken(tenantId: string, { name = null, ttlMs }: { name?: string | null; ttlMs?: number | undefined } = {}):
      Promise<{ id: string; token: string; expiresAt: number | null }> {
      // The API's schema bounds it too; this keeps every caller from minting a token dated past what a Date can hold.
      if (ttlMs !== undefined && !(ttlMs > 0 && ttlMs <= MAX_TOKEN_TTL_MS)) throw errors.validation([{ field: 'expires_in', message: 'between 1ms and 1825d (5 years)' }]);
      await mustExist(tenantId);
      const token = newToken('tnt');
      const lifetime = ttlMs ?? config.tokenTtlMs;
      const expiresAt = lifetime === undefined ? null : now() + lifetime;
      const id = newId('tok');
      await store.tokens.create({ id, tenantId, name, hash: hash(token), lastChars: token.slice(-LAST_CHARS), expiresAt }, now());
      return { id, token, expiresAt };
    },

    async listTenantTokens(tenantId: string): Promise<TokenInfo[]> {
      await mustExist(tenantId);
      return store.tokens.list(tenantId);
    },

    async revokeTenantToken(tenantId: string, id: string): Promise<void> {
      if (!(await store.tokens.revoke(tenantId, id))) throw errors.notFound('token', id);
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
