// Deliveries made by hand: resending one, and sending a test event to a webhook. Both queue a
// delivery like any other and let the dispatcher send it: the API never sends by itself.
import { errors } from '../core/errors.ts';
import type { Attempt, Delivery, Json, RelaisEvent } from '../core/model.ts';
import { newId } from '../ids.ts';
import { isForeignKeyViolation } from '../store/faults.ts';
import type { ServiceDeps } from './deps.ts';
import type { EventTypeService } from './event-types.ts';

const POLL_MS = 25;
/** How long a test waits for its attempt beyond the request timeout (claiming, recording). */
const TEST_MARGIN_MS = 5_000;

export function sendingService(deps: ServiceDeps, eventTypes: EventTypeService) {
  const { store, now, wake, config } = deps;

  /** `timeoutMs`: the webhook's own request timeout (null: the server's). */
  async function firstAttempt(tenantId: string, deliveryId: string, timeoutMs: number | null): Promise<{ delivery: Delivery; attempts: Attempt[] }> {
    const deadline = now() + (timeoutMs ?? config.requestTimeoutMs) + TEST_MARGIN_MS;
    for (;;) {
      const found = await store.deliveries.get(tenantId, deliveryId);
      if (!found) throw errors.notFound('delivery', deliveryId);
      if (found.attempts.length > 0 || found.delivery.status === 'failed' || found.delivery.status === 'cancelled' || now() > deadline) return found;
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  }

  return {
    /** Drops what a webhook still had to send (typically while disabled), keeping it in the log as cancelled. */
    async cancelPending(tenantId: string, webhookId: string): Promise<number> {
      if (!(await store.webhooks.get(tenantId, webhookId))) throw errors.notFound('webhook', webhookId);
      return store.deliveries.cancelPending(tenantId, webhookId, now());
    },

    /** A new delivery of the same event to the same webhook, due now, with the same webhook-id. */
    async resend(tenantId: string, deliveryId: string): Promise<Delivery> {
      const found = await store.deliveries.get(tenantId, deliveryId);
      if (!found) throw errors.notFound('delivery', deliveryId);
      const { eventId, eventType, webhookId, messageId } = found.delivery;
      if (!(await store.webhooks.get(tenantId, webhookId))) throw errors.notFound('webhook', webhookId);
      let delivery: Delivery;
      try {
        // The same webhook-id as the first delivery: a receiver that de-duplicates on it sees one message.
        delivery = await store.deliveries.create(tenantId, { id: newId('dlv'), eventId, eventType, webhookId, origin: 'resend', messageId }, now());
      } catch (err) {
        // Its event pruned by retention (or its webhook deleted) since it was read: gone, not a fault.
        if (isForeignKeyViolation(err)) throw errors.notFound('delivery', deliveryId);
        throw err;
      }
      wake();
      return delivery;
    },

    /**
     * Sends the example of `eventType` (default: the webhook's first exact type) to this webhook
     * only, and waits for the first attempt's outcome.
     */
    async test(tenantId: string, webhookId: string, eventType?: string): Promise<{ delivery: Delivery; attempts: Attempt[]; event: RelaisEvent }> {
      const webhook = await store.webhooks.get(tenantId, webhookId);
      if (!webhook) throw errors.notFound('webhook', webhookId);
      if (!webhook.enabled) throw errors.conflict('the webhook is disabled: enable it before sending a test', 'enabled');
      const name = eventType ?? webhook.events.find((p) => !p.includes('*'));
      const type = name === undefined ? undefined : await eventTypes.find(name);
      if (!type) throw errors.validation([{ field: 'event_type', message: name ? `unknown event type "${name}"` : 'the webhook subscribes to patterns only: name the event type to test with' }]);
      const deliveryId = newId('dlv');
      const [ingested] = await store.events.ingest(tenantId, [{
        id: newId('evt'), idempotencyKey: null, type: type.name, occurredAt: now(), data: (type.example ?? {}) as Json,
        actor: null, resource: null, previous: null, changes: null,
      }], (webhooks) => webhooks.filter((w) => w.id === webhookId), () => deliveryId, now());
      wake();
      return { ...(await firstAttempt(tenantId, deliveryId, webhook.timeoutMs)), event: ingested!.event };
    },
  };
}
export type SendingService = ReturnType<typeof sendingService>;
