import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Services } from '../../services/index.ts';
import { Problem } from '../../schemas/common.ts';
import { ConditionCheckIn, ConditionCheckOut } from '../../schemas/conditions.ts';

export function conditionRoutes(app: FastifyInstance, services: Services): void {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.post('/v1/conditions/check', {
    config: { access: 'any' },
    schema: {
      operationId: 'checkCondition', tags: ['webhooks'], summary: 'Check whether a condition can be saved (syntax, variables, types, cost; with the error\'s position), and what it decides for an event type\'s example',
      body: ConditionCheckIn, response: { 200: ConditionCheckOut, 422: Problem },
    },
  }, async (req) => {
    const { error, example } = await services.conditions.check(req.body.condition, req.body.event_type);
    return { valid: error === null, error, example: example && { event_type: example.eventType, matches: example.matches, error: example.error } };
  });
}
