import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { errors } from '../../core/errors.ts';
import type { Services } from '../../services/index.ts';
import { EventTypeName, Problem } from '../../schemas/common.ts';
import { EventTypeIn, EventTypeOut, toEventTypeOut } from '../../schemas/event-types.ts';

export function eventTypeRoutes(app: FastifyInstance, services: Services): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['event types'];

  r.post('/v1/event-types', {
    config: { access: 'admin' },
    schema: { operationId: 'putEventType', tags, summary: 'Create or replace an event type of the catalog', body: EventTypeIn, response: { 200: EventTypeOut, 201: EventTypeOut, 422: Problem } },
  }, async (req, reply) => {
    const { eventType, created } = await services.eventTypes.upsert(req.body);
    return reply.code(created ? 201 : 200).send(toEventTypeOut(eventType));
  });

  r.get('/v1/event-types', {
    config: { access: 'any' },
    schema: { operationId: 'listEventTypes', tags, summary: 'The event catalog, Relais\' own webhook.* types included', response: { 200: z.object({ data: z.array(EventTypeOut) }) } },
  }, async () => ({ data: (await services.eventTypes.list()).map(toEventTypeOut) }));

  r.get('/v1/event-types/:name', {
    config: { access: 'any' },
    schema: { operationId: 'getEventType', tags, summary: 'One event type', params: z.object({ name: EventTypeName }), response: { 200: EventTypeOut, 404: Problem } },
  }, async (req) => {
    const found = await services.eventTypes.find(req.params.name);
    if (!found) throw errors.notFound('event type', req.params.name);
    return toEventTypeOut(found);
  });
}
