import { z } from 'zod';
import type { EventType, Json } from '../core/model.ts';
import { EventTypeName, Iso, iso, JsonValue } from './common.ts';

export const EventTypeFilter = z.strictObject({
  field: z.string().min(1).max(200).regex(/^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*$/, 'a dotted path into data, e.g. applicant.column_id'),
  label: z.string().min(1).max(200),
});

export const EventTypeIn = z.strictObject({
  name: EventTypeName.refine((n) => !n.startsWith('webhook.'), 'the webhook.* types are Relais\' own'),
  description: z.string().max(5000).optional(),
  schema: z.record(z.string(), JsonValue).optional().describe('JSON Schema of the event\'s data'),
  example: JsonValue.optional().describe('An example of the event\'s data'),
  filters: z.array(EventTypeFilter).max(50).optional().describe('Fields of data a webhook may filter on'),
}).meta({ id: 'EventTypeIn' });
export type EventTypeIn = z.infer<typeof EventTypeIn>;

export const EventTypeOut = z.object({
  name: z.string(),
  description: z.string().nullable(),
  schema: JsonValue.nullable(),
  example: JsonValue.nullable(),
  filters: z.array(z.object({ field: z.string(), label: z.string() })),
  created_at: Iso,
  updated_at: Iso,
}).meta({ id: 'EventTypeOut' });

export const toEventTypeOut = (t: EventType): z.infer<typeof EventTypeOut> => ({
  name: t.name,
  description: t.description,
  schema: t.schema as Json,
  example: t.example as Json,
  filters: t.filters,
  created_at: iso(t.createdAt),
  updated_at: iso(t.updatedAt),
});
