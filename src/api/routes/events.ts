import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Services } from '../../services/index.ts';
import type { IngestResult } from '../../store/store.ts';
import { Problem, TenantParams } from '../../schemas/common.ts';
import { z } from 'zod';
import { EventAccepted, EventBatchAccepted, EventBatchIn, EventIn, EventOut, toEventOut } from '../../schemas/events.ts';
import { exactEvents } from '../exact-numbers.ts';
import type { ApiMetrics } from '../../metrics/registry.ts';

const accepted = (r: IngestResult) => ({ id: r.event.id, type: r.event.type, deliveries: r.event.deliveriesCount, duplicate: !r.created });

/** Counts what was accepted (metrics/registry.ts), then answers it. */
function counted(results: IngestResult[], metrics: Pick<ApiMetrics, 'ingested'> | undefined): IngestResult[] {
  if (metrics) {
    let created = 0;
    let deliveries = 0;
    for (const r of results) if (r.created) { created++; deliveries += r.event.deliveriesCount; }
    metrics.ingested(created, results.length - created, deliveries);
  }
  return results;
}

export function eventRoutes(app: FastifyInstance, services: Services, metrics?: Pick<ApiMetrics, 'ingested'>): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['events'];
  const access = 'tenant' as const;

  // exactNumbers: data, previous and changes are stored with the producer's numbers (exact-numbers.ts).
  r.post('/v1/tenants/:tenant/events', {
    config: { access, exactNumbers: 'event' },
    schema: {
      operationId: 'sendEvent', tags, summary: 'Send an event: it is stored with one delivery per matching webhook, atomically',
      params: TenantParams, body: EventIn, response: { 202: EventAccepted, 422: Problem },
    },
  }, async (req, reply) => reply.code(202).send(accepted(counted([await services.events.send(req.params.tenant, req.body, exactEvents(req)?.[0])], metrics)[0]!)));

  r.post('/v1/tenants/:tenant/events/batch', {
    config: { access, exactNumbers: 'events' },
    schema: {
      operationId: 'sendEvents', tags, summary: 'Send up to 1,000 events in one transaction',
      params: TenantParams, body: EventBatchIn, response: { 202: EventBatchAccepted, 422: Problem },
    },
  }, async (req, reply) => reply.code(202).send({ events: counted(await services.events.sendBatch(req.params.tenant, req.body.events, exactEvents(req)), metrics).map(accepted) }));

  r.get('/v1/tenants/:tenant/events/:event', {
    config: { access },
    schema: {
      operationId: 'getEvent', tags, summary: 'A stored event, by the id Relais gave it (a delivery\'s event_id); GET …/deliveries?event= lists its deliveries',
      params: TenantParams.extend({ event: z.string().max(100) }), response: { 200: EventOut, 404: Problem },
    },
  }, async (req) => toEventOut(await services.deliveries.event(req.params.tenant, req.params.event)));
}
