import { z } from 'zod';
import { DELIVERY_ORIGINS, DELIVERY_STATUSES, ERROR_KINDS, HTTP_METHODS, type Attempt, type Delivery, type RelaisEvent } from '../core/model.ts';
import { EventTypeName, Iso, iso, isoOrNull } from './common.ts';
import { EventOut, toEventOut } from './events.ts';

export const DeliveryQuery = z.strictObject({
  webhook: z.string().max(100).optional(),
  status: z.enum(DELIVERY_STATUSES).optional(),
  event_type: EventTypeName.optional(),
  event: z.string().max(100).optional().describe('Only the deliveries of this event (its id)'),
  held: z.enum(['true', 'false']).optional().describe('Only held deliveries (true), or none of them (false)'),
  since: Iso.optional().describe('Only deliveries created at or after this time (ISO 8601)'),
  until: Iso.optional().describe('Only deliveries created before this time (ISO 8601)'),
  before: z.string().max(100).optional().describe('Cursor: the next_cursor of the previous page'),
  limit: z.coerce.number().int().min(1).max(200).default(50).describe('Page size of the JSON listing; an NDJSON export sends every matching delivery'),
});

export const DeliveryOut = z.object({
  id: z.string(),
  message_id: z.string().describe('The webhook-id header the receiver gets: the delivery\'s id, or for a resend (or the recovery of a failed delivery) the first delivery\'s, so receivers that de-duplicate on it see one message'),
  origin: z.enum(DELIVERY_ORIGINS).describe('What made it: its event (event), or by hand: a resend, a recovery'),
  event_id: z.string(),
  event_type: z.string(),
  webhook_id: z.string(),
  status: z.enum(DELIVERY_STATUSES),
  attempt_count: z.number().int(),
  next_attempt_at: Iso.nullable().describe('When the next attempt is due (pending deliveries); while waiting_for_webhook, the latest it will be'),
  waiting_for_webhook: z.boolean().describe('Pending behind its webhook: at its max_concurrency, out of rate-limit tokens or its circuit open. It goes, in order, as soon as the webhook can take it'),
  ordering_key: z.string().nullable().describe('Its event\'s ordering key, when its webhook delivers in order of key'),
  waiting_for_key: z.boolean().describe('Waiting for an earlier delivery of the same ordering key to succeed, finally fail or be cancelled'),
  held: z.boolean().describe('Pending while its webhook is disabled (by its failure policy, or by hand after it was queued): kept, and sent in order once the webhook is enabled again, or dropped by cancel-pending'),
  last_attempt_at: Iso.nullable(),
  last_status_code: z.number().int().nullable(),
  created_at: Iso,
  updated_at: Iso,
}).meta({ id: 'DeliveryOut' });

export const DeliveryPage = z.object({
  data: z.array(DeliveryOut),
  next_cursor: z.string().nullable(),
}).meta({ id: 'DeliveryPage' });

export const AttemptOut = z.object({
  id: z.string(),
  started_at: Iso,
  duration_ms: z.number().int(),
  succeeded: z.boolean(),
  request: z.object({
    method: z.enum(HTTP_METHODS),
    url: z.string(),
    headers: z.record(z.string(), z.string()),
    body: z.string(),
  }),
  response: z.object({
    status: z.number().int(),
    headers: z.record(z.string(), z.string()),
    body: z.string(),
    body_truncated: z.boolean(),
    redirects: z.array(z.object({
      status: z.number().int().describe('The 3xx received'),
      method: z.enum(HTTP_METHODS).describe('The method of the request it led to (GET after a 301, 302 or 303)'),
      url: z.string().describe('Where it led'),
    })).describe('The redirects followed to this answer, in order (webhooks with follow_redirects); the last one\'s url gave it. Empty: none'),
  }).nullable(),
  error: z.object({ kind: z.enum(ERROR_KINDS), message: z.string() }).nullable(),
  manual: z.boolean().describe('Made by hand: an attempt of a resent or recovered delivery'),
}).meta({ id: 'AttemptOut' });

const DetailEvent = EventOut.pick({ id: true, type: true, occurred_at: true, data: true, actor: true, resource: true });

export const DeliveryDetail = DeliveryOut.extend({
  event: DetailEvent,
  attempts: z.array(AttemptOut).describe('Every attempt, oldest first'),
}).meta({ id: 'DeliveryDetail' });

export function toDeliveryOut(d: Delivery): z.infer<typeof DeliveryOut> {
  return {
    id: d.id,
    message_id: d.messageId,
    origin: d.origin,
    event_id: d.eventId,
    event_type: d.eventType,
    webhook_id: d.webhookId,
    status: d.status,
    attempt_count: d.attempts,
    next_attempt_at: d.status === 'pending' ? isoOrNull(d.dueAt) : null,
    waiting_for_webhook: d.waitingForWebhook,
    held: d.held,
    ordering_key: d.orderingKey,
    waiting_for_key: d.waitingForKey,
    last_attempt_at: isoOrNull(d.lastAttemptAt),
    last_status_code: d.lastStatusCode,
    created_at: iso(d.createdAt),
    updated_at: iso(d.updatedAt),
  };
}

/** `manual`: its delivery was made by hand (Delivery.origin). */
export function toAttemptOut(a: Attempt, manual: boolean): z.infer<typeof AttemptOut> {
  return {
    id: a.id,
    started_at: iso(a.startedAt),
    duration_ms: a.durationMs,
    succeeded: a.succeeded,
    request: a.request,
    response: a.response && {
      status: a.response.status, headers: a.response.headers, body: a.response.body, body_truncated: a.response.bodyTruncated, redirects: a.response.redirects ?? [],
    },
    error: a.errorKind ? { kind: a.errorKind, message: a.errorMessage ?? '' } : null,
    manual,
  };
}

export function toDeliveryDetail(d: Delivery, attempts: Attempt[], event: RelaisEvent): z.infer<typeof DeliveryDetail> {
  const { id, type, occurred_at, data, actor, resource } = toEventOut(event);
  return {
    ...toDeliveryOut(d),
    event: { id, type, occurred_at, data, actor, resource },
    attempts: attempts.map((a) => toAttemptOut(a, d.origin !== 'event')),
  };
}
