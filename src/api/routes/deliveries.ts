import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Services } from '../../services/index.ts';
import { Problem, TenantParams } from '../../schemas/common.ts';
import { DeliveryDetail, DeliveryOut, DeliveryPage, DeliveryQuery, toDeliveryDetail, toDeliveryOut } from '../../schemas/deliveries.ts';
import type { DeliveryQuery as LogQuery } from '../../store/store.ts';
import { NDJSON, ndjsonStream, prefersNdjson } from '../ndjson.ts';

/** The listing's query string as the store's query. */
function toLogQuery(q: z.infer<typeof DeliveryQuery>): LogQuery {
  return {
    webhookId: q.webhook, status: q.status, eventType: q.event_type, eventId: q.event, held: q.held === undefined ? undefined : q.held === 'true',
    createdSince: q.since === undefined ? undefined : Date.parse(q.since), createdUntil: q.until === undefined ? undefined : Date.parse(q.until),
    before: q.before, limit: q.limit,
  };
}

async function* mapAsync<T, U>(items: AsyncIterable<T>, f: (item: T) => U): AsyncGenerator<U> {
  for await (const item of items) yield f(item);
}

export function deliveryRoutes(app: FastifyInstance, services: Services): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['deliveries'];
  const config = { access: 'tenant' as const };

  r.get('/v1/tenants/:tenant/deliveries', {
    config,
    schema: {
      operationId: 'listDeliveries', tags, summary: 'The delivery log, newest first: a page as JSON, or every matching delivery as NDJSON',
      description: `A page of deliveries (\`next_cursor\` for the next). Asked with \`Accept: ${NDJSON}\`, every delivery matching the filters instead, newest first, one per line, each as the delivery's own read gives it (its event and every attempt): an export of the log, e.g. before retention prunes it.`,
      params: TenantParams, querystring: DeliveryQuery,
      response: {
        200: {
          description: 'A page of the log (JSON), or every matching delivery, one DeliveryDetail per line (NDJSON)',
          content: { 'application/json': { schema: DeliveryPage }, [NDJSON]: { schema: DeliveryDetail } },
        },
        422: Problem,
      },
    },
  }, async (req, reply) => {
    const { limit, ...filters } = toLogQuery(req.query);
    if (prefersNdjson(req.headers.accept)) {
      const lines = mapAsync(services.deliveryExport.exportAll(req.params.tenant, filters), ({ delivery, attempts, event }) => toDeliveryDetail(delivery, attempts, event));
      // A stream is sent as it is, never serialized: the schema types the lines, not the stream.
      return reply.type(NDJSON).header('cache-control', 'no-store').send(ndjsonStream(lines) as never);
    }
    const page = await services.deliveries.list(req.params.tenant, { ...filters, limit });
    return reply.send({ data: page.data.map(toDeliveryOut), next_cursor: page.nextCursor });
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
