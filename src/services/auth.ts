// Bearer tokens. The admin token (the product's backend) may do everything; a tenant token only
// its own tenant. Tenant tokens are stored as SHA-256 hashes: a leaked database leaks no token.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { errors } from '../core/errors.ts';
import { newId } from '../ids.ts';
import type { ServiceDeps } from './deps.ts';

export type Principal = { kind: 'admin' } | { kind: 'tenant'; tenantId: string };

const ADMIN_TOKEN_KEY = 'admin_token';
const hash = (token: string): string => createHash('sha256').update(token).digest('hex');
const newToken = (kind: 'adm' | 'tnt'): string => `rls_${kind}_${randomBytes(32).toString('base64url')}`;

function sameToken(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

export function authService({ store, config, now }: ServiceDeps) {
  let adminToken: string | undefined;

  return {
    /** The admin token in force: RELAIS_ADMIN_TOKEN, or the one generated and stored on first start. */
    async adminToken(): Promise<{ token: string; source: 'environment' | 'stored' }> {
      if (config.adminToken) {
        adminToken = config.adminToken;
        return { token: adminToken, source: 'environment' };
      }
      adminToken = await store.settings.putIfAbsent(ADMIN_TOKEN_KEY, newToken('adm'));
      return { token: adminToken, source: 'stored' };
    },

    async authenticate(bearer: string | undefined): Promise<Principal> {
      if (!bearer) throw errors.unauthenticated();
      adminToken ??= (await this.adminToken()).token;
      if (sameToken(bearer, adminToken)) return { kind: 'admin' };
      const tenantId = await store.tokens.tenantForHash(hash(bearer), now());
      if (!tenantId) throw errors.unauthenticated();
      return { kind: 'tenant', tenantId };
    },

    async createTenantToken(tenantId: string, ttlMs: number | undefined): Promise<{ token: string; expiresAt: number | null }> {
      if (!(await store.tenants.get(tenantId))) throw errors.notFound('tenant', tenantId);
      const token = newToken('tnt');
      const expiresAt = ttlMs === undefined ? null : now() + ttlMs;
      await store.tokens.create({ id: newId('tok'), tenantId, hash: hash(token), expiresAt }, now());
      return { token, expiresAt };
    },
  };
}
export type AuthService = ReturnType<typeof authService>;
