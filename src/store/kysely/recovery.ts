// Recovering a webhook's window: which of a page of events the webhook failed or never had, and
// a new delivery of each, queued once. Each call is one short statement or transaction over one
// page: recovering a long window never holds a lock for long (services/recovery.ts pages).
import type { Kysely, Transaction } from 'kysely';
import type { DeliveryStatus } from '../../core/model.ts';
import { recoveryNeed } from '../../core/recovery.ts';
import type { Database } from '../schema.ts';
import type { Store } from '../store.ts';
import { chunks, type DeliveryRow } from './rows.ts';

type Db = Kysely<Database> | Transaction<Database>;

interface Recoverable {
  failed: string[];
  missing: string[];
  /** Of each failed event, the webhook-id its first delivery to the webhook carried: a recovery keeps it. */
  messageIds: Map<string, string>;
}

async function recoverableAmong(db: Db, tenantId: string, webhookId: string, eventIds: readonly string[]): Promise<Recoverable> {
  const found: Recoverable = { failed: [], missing: [], messageIds: new Map() };
  for (const part of chunks(eventIds)) {
    // By the events' deliveries (deliveries_event), a few each, never the webhook's whole history.
    const rows = await db.selectFrom('deliveries').select(['id', 'event_id', 'status', 'message_id'])
      .where('event_id', 'in', part).where('webhook_id', '=', webhookId).where('tenant_id', '=', tenantId).execute();
    const statuses = new Map<string, DeliveryStatus[]>();
    // The first delivery (lowest id: ids are time-ordered) gives the message id; no ORDER BY, which would lead SQLite to the webhook's index.
    const firstIds = new Map<string, string>();
    for (const r of rows) {
      statuses.set(r.event_id, [...(statuses.get(r.event_id) ?? []), r.status as DeliveryStatus]);
      const first = firstIds.get(r.event_id);
      if (first === undefined || r.id < first) {
        firstIds.set(r.event_id, r.id);
        found.messageIds.set(r.event_id, r.message_id ?? r.id);
      }
    }
    for (const id of part) {
      const need = recoveryNeed(statuses.get(id) ?? []);
      if (need) found[need].push(id);
    }
  }
  return found;
}

export function recoveryQueries(db: Kysely<Database>, lockRows: boolean): Pick<Store['webhooks'], 'recoverable' | 'requeue'> {
  return {
    recoverable: async (tenantId, webhookId, eventIds) => {
      const { failed, missing } = await recoverableAmong(db, tenantId, webhookId, eventIds);
      return { failed, missing };
    },

    async requeue(tenantId, webhookId, events, newDeliveryId, now) {
      return db.transaction().execute(async (trx) => {
        // The webhook's row first (lock order: store.ts), FOR NO KEY UPDATE on PostgreSQL: another
        // requeue of this webhook waits, then finds what this one queued; enabling or disabling it
        // waits too, so what is queued here is held exactly while the webhook is disabled.
        const select = trx.selectFrom('webhooks').select('enabled').where('tenant_id', '=', tenantId).where('id', '=', webhookId);
        const webhook = await (lockRows ? select.forNoKeyUpdate() : select).executeTakeFirst();
        if (!webhook) return undefined;
        const still = await recoverableAmong(trx, tenantId, webhookId, events.map((e) => e.eventId));
        const wanted = { failed: new Set(still.failed), missing: new Set(still.missing) };
        const queued = events.filter((e) => wanted[e.kind].has(e.eventId));
        const dueAt = Number(webhook.enabled) === 1 ? now : null;
        // In the order given, so the queue's (due_at, id) order sends them in that order.
        const rows = queued.map((e): DeliveryRow => ({
          origin: 'recovery', message_id: e.kind === 'failed' ? still.messageIds.get(e.eventId) ?? null : null,
          id: newDeliveryId(), tenant_id: tenantId, event_id: e.eventId, event_type: e.eventType, webhook_id: webhookId, status: 'pending',
          attempts: 0, due_at: dueAt, lease_id: null, last_attempt_at: null, last_status_code: null, parked_for: null, created_at: now, updated_at: now,
          ordering_key: null, blocked: 0, // recovered outside any key's order
        }));
        for (const part of chunks(rows, 500)) await trx.insertInto('deliveries').values(part).execute();
        return { resent: queued.filter((e) => e.kind === 'failed').length, created: queued.filter((e) => e.kind === 'missing').length };
      });
    },
  };
}
