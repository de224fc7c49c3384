// The delivery log as the API and the page read it: a tenant's deliveries, newest first, a page at
// a time, filtered (webhook, status, event type, event, a range of creation times). Held deliveries
// (pending with no due time: their webhook is disabled) are a filter of their own.
import type { Kysely } from 'kysely';
import type { Database } from '../schema.ts';
import type { Store } from '../store.ts';
import { DELIVERY_COLUMNS, toDelivery } from './rows.ts';

export function deliveryLog(db: Kysely<Database>): Store['deliveries']['list'] {
  return async (tenantId, q) => {
    let query = db.selectFrom('deliveries').select(DELIVERY_COLUMNS).where('tenant_id', '=', tenantId);
    if (q.webhookId) query = query.where('webhook_id', '=', q.webhookId);
    if (q.status) query = query.where('status', '=', q.status);
    if (q.eventType) query = query.where('event_type', '=', q.eventType);
    if (q.eventId) query = query.where('event_id', '=', q.eventId);
    if (q.held === true) query = query.where('status', '=', 'pending').where('due_at', 'is', null);
    if (q.held === false) query = query.where((eb) => eb.or([eb('status', '!=', 'pending'), eb('due_at', 'is not', null)]));
    if (q.createdSince !== undefined) query = query.where('created_at', '>=', q.createdSince);
    if (q.createdUntil !== undefined) query = query.where('created_at', '<', q.createdUntil);
    if (q.before) query = query.where('id', '<', q.before);
    const rows = await query.orderBy('id', 'desc').limit(q.limit + 1).execute();
    const page = rows.slice(0, q.limit).map(toDelivery);
    return { data: page, nextCursor: rows.length > q.limit ? (page.at(-1)?.id ?? null) : null };
  };
}
