import { z } from 'zod';
import type { RelaisEvent } from '../core/model.ts';
import { EventTypeName, Iso, iso, JsonValue } from './common.ts';

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

/** A stored event as its deliveries' detail and GET …/events/:event show it. */
export const EventOut = z.object({
  id: z.string(),
  idempotency_id: z.string().nullable().describe('The id the producer gave it (null: none)'),
  type: z.string(),
  occurred_at: Iso,
  received_at: Iso,
  data: JsonValue,
  actor: z.object({ id: z.union([z.string(), z.number()]).nullable(), name: z.string().nullable(), email: z.string().nullable() }).nullable()
    .describe('Who caused it, as the event said (null: not said)'),
  resource: z.object({ type: z.string(), id: z.union([z.string(), z.number()]) }).nullable().describe('What it is about, as the event said (null: not said)'),
  previous: JsonValue.nullable(),
  changes: JsonValue.nullable(),
  ordering_key: z.string().nullable(),
  deliveries: z.number().int().describe('How many deliveries its ingest made (resends and recoveries aside)'),
}).meta({ id: 'EventOut' });

export function toEventOut(e: RelaisEvent): z.infer<typeof EventOut> {
  return {
    id: e.id, idempotency_id: e.idempotencyKey, type: e.type, occurred_at: iso(e.occurredAt), received_at: iso(e.receivedAt),
    data: JSON.parse(e.dataJson) as unknown,
    actor: e.actor && { id: e.actor.id ?? null, name: e.actor.name ?? null, email: e.actor.email ?? null },
    resource: e.resource && { type: e.resource.type, id: e.resource.id },
    previous: e.previous, changes: e.changesJson === null ? e.changes : JSON.parse(e.changesJson) as unknown,
    ordering_key: e.orderingKey, deliveries: e.deliveriesCount,
  };
}
