// Who may call what. Each route declares its access; this hook runs before the body is even
// read. A tenant token asking for another tenant gets the same 404 as a missing tenant, so
// tenant ids cannot be probed.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { errors } from '../core/errors.ts';
import type { Principal } from '../services/auth.ts';
import type { Services } from '../services/index.ts';

/** `admin`: the product's backend only. `tenant`: admin, or a token of the `:tenant` in the path. `any`: any valid token. `public`: no token. */
export type Access = 'admin' | 'tenant' | 'any' | 'public';

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
  }
  interface FastifyRequest {
    principal?: Principal;
  }
}

function bearer(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
  return match?.[1];
}

export function installAuth(app: FastifyInstance, services: Services): void {
  app.addHook('onRequest', async (request) => {
    const access = request.routeOptions.config.access;
    if (access === undefined || access === 'public') return;
    const principal = await services.auth.authenticate(bearer(request));
    request.principal = principal;
    if (access === 'admin' && principal.kind !== 'admin') throw errors.forbidden('this route needs the admin token');
    if (access === 'tenant') {
      const tenantId = (request.params as { tenant?: string }).tenant ?? '';
      if (principal.kind === 'tenant' && principal.tenantId !== tenantId) throw errors.notFound('tenant', tenantId);
      if (principal.kind === 'admin') await services.tenants.mustExist(tenantId); // 404 when missing
    }
  });
}
