// Ingest: an event and its deliveries are written in one transaction, so an accepted event
// always has its deliveries queued, and a crash never leaves one without the other.
import type { Insertable, Kysely, Transaction } from 'kysely';
import type { Webhook } from '../../core/model.ts';
import type { DeliveriesTable, Database } from '../schema.ts';
import type { IngestResult, Store } from '../store.ts';
import { json, jsonOrNull, toEvent, toWebhook } from './rows.ts';

// Rows per multi-row INSERT: well under SQLite's and PostgreSQL's bound-parameter limits.
const INSERT_CHUNK = 500;

async function enabledWebhooks(trx: Transaction<Database>, tenantId: string): Promise<Webhook[]> {
  const rows = await trx.selectFrom('webhooks').selectAll()
    .where('tenant_id', '=', tenantId).where('enabled', '=', 1).execute();
  return rows.map((r) => toWebhook(r, ''));
}

export function eventQueries(db: Kysely<Database>): Store['events'] {
  return {
    async ingest(tenantId, events, match, newDeliveryId, now) {
      return db.transaction().execute(async (trx) => {
        let webhooks: Webhook[] | undefined;
        const results: IngestResult[] = [];
        for (const e of events) {
          if (e.idempotencyKey !== null) {
            const seen = await trx.selectFrom('events').selectAll()
              .where('tenant_id', '=', tenantId).where('idempotency_key', '=', e.idempotencyKey).executeTakeFirst();
            if (seen) {
              results.push({ event: toEvent(seen), created: false });
              continue;
            }
          }
          webhooks ??= await enabledWebhooks(trx, tenantId);
          const targets = match(webhooks, e);
          const row = await trx.insertInto('events').values({
            id: e.id,
            tenant_id: tenantId,
            idempotency_key: e.idempotencyKey,
            type: e.type,
            occurred_at: e.occurredAt,
            received_at: now,
            data: json(e.data),
            actor: jsonOrNull(e.actor),
            resource: jsonOrNull(e.resource),
            previous: jsonOrNull(e.previous),
            changes: jsonOrNull(e.changes),
            deliveries_count: targets.length,
          }).onConflict((oc) => oc.columns(['tenant_id', 'idempotency_key']).doNothing())
            .returningAll().executeTakeFirst();
          if (!row) {
            // A concurrent ingest of the same key committed first: answer with its event.
            const seen = await trx.selectFrom('events').selectAll()
              .where('tenant_id', '=', tenantId).where('idempotency_key', '=', e.idempotencyKey).executeTakeFirstOrThrow();
            results.push({ event: toEvent(seen), created: false });
            continue;
          }
          const deliveries: Insertable<DeliveriesTable>[] = targets.map((w) => ({
            id: newDeliveryId(),
            tenant_id: tenantId,
            event_id: e.id,
            event_type: e.type,
            webhook_id: w.id,
            status: 'pending',
            attempts: 0,
            due_at: now,
            lease_id: null,
            last_attempt_at: null,
            last_status_code: null,
            created_at: now,
            updated_at: now,
          }));
          for (let i = 0; i < deliveries.length; i += INSERT_CHUNK) {
            await trx.insertInto('deliveries').values(deliveries.slice(i, i + INSERT_CHUNK)).execute();
          }
          results.push({ event: toEvent(row), created: true });
        }
        return results;
      });
    },
    async get(tenantId, id) {
      const row = await db.selectFrom('events').selectAll().where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
      return row && toEvent(row);
    },
  };
}
