// Who is calling, and sign-in links: what a page needs to know about its credential, and how a
// product opens the page for one of its users without handing out a long-lived token.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { parseDurationMs } from '../../core/duration.ts';
import { PAGE_LINK_DEFAULT_TTL_MS } from '../../core/page-links.ts';
import type { Services } from '../../services/index.ts';
import { iso, isoOrNull, Problem, TenantParams } from '../../schemas/common.ts';
import { MeOut, PageLinkIn, PageLinkOut } from '../../schemas/tenants.ts';

export function accessRoutes(app: FastifyInstance, services: Services, publicUrl: string | undefined): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['access'];

  r.get('/v1/me', {
    config: { access: 'any' },
    schema: { operationId: 'getMe', tags, summary: 'What the bearer token is: the admin, or a tenant\'s token or sign-in link', response: { 200: MeOut, 401: Problem } },
  }, async (req) => {
    const p = req.principal!;
    return p.kind === 'admin'
      ? { role: 'admin' as const, tenant_id: null, expires_at: null }
      : { role: 'tenant' as const, tenant_id: p.tenantId, expires_at: isoOrNull(p.expiresAt) };
  });

  r.post('/v1/tenants/:tenant/page-links', {
    config: { access: 'admin' },
    schema: {
      operationId: 'createPageLink', tags, summary: 'A link that opens the page signed in for this tenant until it expires (1 h by default); nothing is stored, so it cannot be revoked',
      params: TenantParams, body: PageLinkIn.nullish(), response: { 201: PageLinkOut, 404: Problem, 422: Problem },
    },
  }, async (req, reply) => {
    const ttl = req.body?.expires_in;
    const { token, expiresAt } = await services.auth.createPageLink(req.params.tenant, ttl === undefined ? PAGE_LINK_DEFAULT_TTL_MS : parseDurationMs(ttl));
    // In the fragment: browsers never send it, so the token stays out of access logs and Referer headers.
    const base = publicUrl ?? `${req.protocol}://${req.host}`;
    return reply.code(201).send({ url: `${base}/#/signin?link=${token}`, token, expires_at: iso(expiresAt) });
  });
}
