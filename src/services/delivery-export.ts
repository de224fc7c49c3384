// A tenant's delivery log, all of it that matches a query, for exporting before retention prunes
// it: read a batch at a time through the log's own keyset pages (newest first), each batch one
// short query, so memory stays bounded and no transaction or lock outlives a batch. Each delivery
// comes with its event and attempts as the delivery's own read gives them (its redaction too).
import { RelaisError } from '../core/errors.ts';
import type { Attempt, Delivery, RelaisEvent } from '../core/model.ts';
import type { DeliveryQuery } from '../store/store.ts';
import type { DeliveryService } from './deliveries.ts';

/** Deliveries read per store query. */
export const EXPORT_BATCH = 100;

export type DeliveryRecord = { delivery: Delivery; attempts: Attempt[]; event: RelaisEvent };

export function deliveryExportService(deliveries: DeliveryService, batch = EXPORT_BATCH) {
  /** Every delivery matching `query` (its `limit` aside), newest first; from `query.before` when given. */
  async function* exportAll(tenantId: string, query: Omit<DeliveryQuery, 'limit'>): AsyncGenerator<DeliveryRecord> {
    let before = query.before;
    for (;;) {
      const page = await deliveries.list(tenantId, { ...query, before, limit: batch });
      // One at a time, as the client reads: an export never takes the pool's connections from other requests.
      for (const d of page.data) {
        const record = await readOrGone(tenantId, d.id);
        if (record) yield record;
      }
      if (page.nextCursor === null) return;
      before = page.nextCursor;
    }
  }

  /** The delivery with its event and attempts; undefined when retention pruned it since its page was read. */
  async function readOrGone(tenantId: string, id: string): Promise<DeliveryRecord | undefined> {
    try {
      return await deliveries.get(tenantId, id);
    } catch (err) {
      if (err instanceof RelaisError && err.status === 404) return undefined;
      throw err;
    }
  }

  return { exportAll };
}
export type DeliveryExportService = ReturnType<typeof deliveryExportService>;
