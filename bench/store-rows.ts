// The rows the store benchmarks write: the bench's event, and a 204's result as the dispatcher
// records it. Shared by bench:store's phases (store-cost.ts), its floors (store-floor.ts) and the
// retention scenario's week (retention.ts).
import { newId } from '../src/ids.ts';
import type { Delivery, RelaisEvent, Webhook } from '../src/core/model.ts';
import type { ClaimedDelivery, Completion, NewEvent } from '../src/store/store.ts';
import { eventData, EVENT_TYPE } from './api.ts';

/** The tenant the store benchmarks write for. */
export const TENANT = 'cost';

export function event(n: number): NewEvent {
  return { id: newId('evt'), idempotencyKey: null, type: EVENT_TYPE, occurredAt: Date.now(), data: eventData(n), actor: null, resource: null, previous: null, changes: null };
}

/** What a result is made of: a claimed delivery, or a row read past the store (store-floor.ts). */
export interface Sent {
  delivery: Pick<Delivery, 'id' | 'webhookId' | 'orderingKey'>;
  leaseId: ClaimedDelivery['leaseId'];
  event: Pick<RelaisEvent, 'dataJson'>;
  webhook?: Pick<Webhook, 'url'> | undefined;
}

/** A result as the dispatcher records it after a 204: the signed request (secret redacted) and the response. */
export function succeeded(c: Sent): Completion {
  const at = Date.now();
  return {
    deliveryId: c.delivery.id, leaseId: c.leaseId, tenantId: TENANT, webhookId: c.delivery.webhookId, keyed: c.delivery.orderingKey !== null, status: 'succeeded', dueAt: null,
    attempt: {
      id: newId('att', at), startedAt: at, durationMs: 1, succeeded: true, errorKind: null, errorMessage: null,
      request: {
        method: 'POST', url: c.webhook?.url ?? '',
        headers: { 'content-type': 'application/json', 'user-agent': 'Relais/0.1', 'webhook-id': c.delivery.id, 'webhook-timestamp': String(Math.floor(at / 1000)), 'webhook-signature': 'v1,[redacted]' },
        body: `{"type":"${EVENT_TYPE}","timestamp":"${new Date(at).toISOString()}","data":${c.event.dataJson}}`,
      },
      response: { status: 204, headers: { date: new Date(at).toUTCString(), connection: 'keep-alive', 'keep-alive': 'timeout=5' }, body: '', bodyTruncated: false },
    },
  };
}
