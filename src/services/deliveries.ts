import { errors } from '../core/errors.ts';
import type { Attempt, Delivery, RelaisEvent } from '../core/model.ts';
import type { DeliveryQuery, Page } from '../store/store.ts';
import type { ServiceDeps } from './deps.ts';

export function deliveryService({ store }: ServiceDeps) {
  return {
    list: (tenantId: string, query: DeliveryQuery): Promise<Page<Delivery>> => store.deliveries.list(tenantId, query),

    async get(tenantId: string, id: string): Promise<{ delivery: Delivery; attempts: Attempt[]; event: RelaisEvent }> {
      const found = await store.deliveries.get(tenantId, id);
      const event = found && (await store.events.get(tenantId, found.delivery.eventId));
      if (!found || !event) throw errors.notFound('delivery', id);
      return { ...found, event };
    },

    /** A stored event of the tenant's, by id (a delivery's event_id): what its deliveries carry. */
    async event(tenantId: string, id: string): Promise<RelaisEvent> {
      const event = await store.events.get(tenantId, id);
      if (!event) throw errors.notFound('event', id);
      return event;
    },
  };
}
export type DeliveryService = ReturnType<typeof deliveryService>;
