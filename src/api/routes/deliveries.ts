import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Services } from '../../services/index.ts';
import { Problem, TenantParams } from '../../schemas/common.ts';
import { DeliveryDetail, DeliveryOut, DeliveryPage, DeliveryQuery, toDeliveryDetail, toDeliveryOut } from '../../schemas/deliveries.ts';

export function deliveryRoutes(app: FastifyInstance, services: Services): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['deliveries'];
  const config = { access: 'tenant' as const };

  r.get('/v1/tenants/:tenant/deliveries', {
    config,
    schema: { operationId: 'listDeliveries', tags, summary: 'The delivery log, newest first', params: TenantParams, querystring: DeliveryQuery, response: { 200: DeliveryPage, 422: Problem } },
  }, async (req) => {
    const q = req.query;
    const page = await services.deliveries.list(req.params.tenant, {
      webhookId: q.webhook, status: q.status, eventType: q.event_type, held: q.held === undefined ? undefined : q.held === 'true', before: q.before, limit: q.limit,
    });
    return { data: page.data.map(toDeliveryOut), next_cursor: page.nextCursor };
  });

  r.post('/v1/tenants/:tenant/deliveries/:delivery/resend', {
    config,
    schema: { operationId: 'resendDelivery', tags, summary: 'Deliver the same event to the same webhook again, now, as a new delivery', params: TenantParams.extend({ delivery: z.string().max(100) }), response: { 202: DeliveryOut, 404: Problem } },
  }, async (req, reply) => reply.code(202).send(toDeliveryOut(await services.sending.resend(req.params.tenant, req.params.delivery))));

  r.get('/v1/tenants/:tenant/deliveries/:delivery', {
    config,
    schema: { operationId: 'getDelivery', tags, summary: 'A delivery with its event and every attempt', params: TenantParams.extend({ delivery: z.string().max(100) }), response: { 200: DeliveryDetail, 404: Problem } },
  }, async (req) => {
    const { delivery, attempts, event } = await services.deliveries.get(req.params.tenant, req.params.delivery);
    return toDeliveryDetail(delivery, attempts, event);
  });
}
