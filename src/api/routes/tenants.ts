import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { parseDurationMs } from '../../core/duration.ts';
import type { Services } from '../../services/index.ts';
import { isoOrNull, Problem, TenantParams } from '../../schemas/common.ts';
import { NoticeOut, TenantIn, TenantListQuery, TenantOut, TenantPage, TenantPatch, TokenIn, TokenInfoOut, TokenOut, TokenParams, toNoticeOut, toTenantOut, toTokenInfoOut } from '../../schemas/tenants.ts';
import { z } from 'zod';

export function tenantRoutes(app: FastifyInstance, services: Services): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['tenants'];

  r.post('/v1/tenants', {
    config: { access: 'admin' },
    schema: { operationId: 'createTenant', tags, summary: 'Create a tenant', body: TenantIn, response: { 201: TenantOut, 409: Problem, 422: Problem } },
  }, async (req, reply) => reply.code(201).send(toTenantOut(await services.tenants.create(req.body))));

  r.get('/v1/tenants', {
    config: { access: 'admin' },
    schema: { operationId: 'listTenants', tags, summary: 'List tenants by id, a page at a time', querystring: TenantListQuery, response: { 200: TenantPage, 422: Problem } },
  }, async (req) => {
    const page = await services.tenants.list({ after: req.query.after, limit: req.query.limit });
    return { data: page.data.map(toTenantOut), next_cursor: page.nextCursor };
  });

  r.get('/v1/tenants/:tenant', {
    config: { access: 'tenant' },
    schema: { operationId: 'getTenant', tags, summary: 'Get a tenant', params: TenantParams, response: { 200: TenantOut, 404: Problem } },
  }, async (req) => toTenantOut(await services.tenants.get(req.params.tenant)));

  r.patch('/v1/tenants/:tenant', {
    config: { access: 'tenant' },
    schema: { operationId: 'updateTenant', tags, summary: 'Change a tenant\'s name, who is notified, or its export key', params: TenantParams, body: TenantPatch, response: { 200: TenantOut, 404: Problem, 422: Problem } },
  }, async (req) => toTenantOut(await services.tenants.update(req.params.tenant, req.body)));

  r.get('/v1/tenants/:tenant/notices', {
    config: { access: 'tenant' },
    schema: { operationId: 'listNotices', tags, summary: 'Notices kept for the tenant (webhooks disabled…), newest first; emailed too when SMTP is set', params: TenantParams, response: { 200: z.object({ data: z.array(NoticeOut) }), 404: Problem } },
  }, async (req) => ({ data: (await services.notices.list(req.params.tenant)).map(toNoticeOut) }));

  r.post('/v1/tenants/:tenant/tokens', {
    config: { access: 'admin' },
    schema: { operationId: 'createTenantToken', tags, summary: 'Issue a token scoped to this tenant', params: TenantParams, body: TokenIn.nullish(), response: { 201: TokenOut, 404: Problem, 422: Problem } },
  }, async (req, reply) => {
    const ttl = req.body?.expires_in;
    const name = req.body?.name ?? null;
    const { id, token, expiresAt } = await services.auth.createTenantToken(req.params.tenant, { name, ttlMs: ttl === undefined ? undefined : parseDurationMs(ttl) });
    return reply.code(201).send({ id, token, name, expires_at: isoOrNull(expiresAt) });
  });

  r.get('/v1/tenants/:tenant/tokens', {
    config: { access: 'admin' },
    schema: { operationId: 'listTenantTokens', tags, summary: 'The tenant\'s tokens, newest first: never their values, only their last 4 characters', params: TenantParams, response: { 200: z.object({ data: z.array(TokenInfoOut) }), 404: Problem } },
  }, async (req) => ({ data: (await services.auth.listTenantTokens(req.params.tenant)).map(toTokenInfoOut) }));

  r.delete('/v1/tenants/:tenant/tokens/:token_id', {
    config: { access: 'admin' },
    schema: { operationId: 'revokeTenantToken', tags, summary: 'Revoke a tenant token: it stops working at once', params: TokenParams, response: { 204: z.null(), 404: Problem } },
  }, async (req, reply) => {
    await services.auth.revokeTenantToken(req.params.tenant, req.params.token_id);
    return reply.code(204).send(null);
  });
}
