import { z } from 'zod';
import { EventTypeName, Iso, JsonValue } from './common.ts';

export const EventIn = z.strictObject({
  type: EventTypeName,
  data: JsonValue.describe('The event\'s payload, delivered as is'),
  id: z.string().min(1).max(200).optional().describe('Your idempotency id: an id already seen for this tenant is not stored twice'),
  occurred_at: Iso.optional().describe('When it happened; defaults to when Relais received it'),
  actor: z.strictObject({
    id: z.union([z.string().max(200), z.number()]).optional(),
    name: z.string().max(500).optional(),
    email: z.string().max(500).optional(),
  }).optional().describe('Who caused it'),
  resource: z.strictObject({
    type: z.string().min(1).max(200),
    id: z.union([z.string().min(1).max(200), z.number()]),
  }).optional().describe('What it is about'),
  previous: JsonValue.optional().describe('The state before the change'),
  changes: JsonValue.optional().describe('What changed, {field: {from, to}}'),
  ordering_key: z.string().min(1).max(200).optional().describe('Events of one key go, to each webhook with ordering "key", one after the other in the order Relais accepted them (e.g. the resource\'s id)'),
}).meta({ id: 'EventIn' });
export type EventIn = z.infer<typeof EventIn>;

export const EventBatchIn = z.strictObject({
  events: z.array(EventIn).min(1).max(1000),
}).meta({ id: 'EventBatchIn' });

export const EventAccepted = z.object({
  id: z.string().describe('Relais\' id of the stored event'),
  type: z.string(),
  deliveries: z.number().int().describe('How many deliveries the event made'),
  duplicate: z.boolean().describe('True when this idempotency id had been seen: nothing new was stored'),
}).meta({ id: 'EventAccepted' });

export const EventBatchAccepted = z.object({ events: z.array(EventAccepted) }).meta({ id: 'EventBatchAccepted' });
