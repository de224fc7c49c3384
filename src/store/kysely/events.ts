// Ingest: events and their deliveries are written in one transaction, so an accepted event
// always has its deliveries queued, and a crash never leaves one without the other. A batch
// costs a fixed handful of statements, not a few per event.
import type { Insertable, Kysely, Selectable, Transaction } from 'kysely';
import type { RelaisEvent, Webhook } from '../../core/model.ts';
import type { DeliveriesTable, Database, EventsTable, WebhooksTable } from '../schema.ts';
import type { ClaimedDelivery, IngestResult, NewEvent, Store } from '../store.ts';
import { chunks, json, jsonOrNull, toDelivery, toEvent, toWebhook } from './rows.ts';
import type { SecretBox } from './secrets.ts';
import { readWebhook } from './webhooks.ts';

// Rows per multi-row INSERT: well under SQLite's and PostgreSQL's bound-parameter limits.
const INSERT_CHUNK = 500;

async function enabledWebhooks(trx: Transaction<Database>, tenantId: string): Promise<{ webhooks: Webhook[]; rows: Map<string, Selectable<WebhooksTable>> }> {
  const rows = await trx.selectFrom('webhooks').selectAll()
    .where('tenant_id', '=', tenantId).where('enabled', '=', 1).execute();
  // Matching never needs the secret: leave it sealed rather than pay for opening it. Only a
  // delivery leased here, about to be sent, needs its webhook's secrets.
  return { webhooks: rows.map((r) => toWebhook(r, '')), rows: new Map(rows.map((r) => [r.id, r])) };
}

async function eventsByKey(trx: Kysely<Database>, tenantId: string, keys: readonly string[]): Promise<Map<string, RelaisEvent>> {
  const found = new Map<string, RelaisEvent>();
  for (const part of chunks(keys, INSERT_CHUNK)) {
    const rows = await trx.selectFrom('events').selectAll()
      .where('tenant_id', '=', tenantId).where('idempotency_key', 'in', part).execute();
    for (const r of rows) found.set(r.idempotency_key!, toEvent(r));
  }
  return found;
}

const NO_LEASE = { take: () => 0, leaseId: '', until: 0 };

export function eventQueries(db: Kysely<Database>, box: SecretBox): Store['events'] {
  const queries: Store['events'] = {
    async ingest(tenantId, events, match, newDeliveryId, now) {
      return (await queries.ingestLeasing(tenantId, events, match, newDeliveryId, now, NO_LEASE)).results;
    },
    async ingestLeasing(tenantId, events, match, newDeliveryId, now, lease) {
      return db.transaction().execute(async (trx) => {
        const { webhooks, rows: webhookRows } = await enabledWebhooks(trx, tenantId);

        // Candidates: every event but one whose key was used earlier in this batch. One whose key
        // was stored before is not inserted (ON CONFLICT), and is then read back: no query up front
        // for keys that are almost always new.
        const fresh: { event: NewEvent; row: Insertable<EventsTable>; targets: Webhook[] }[] = [];
        const batchKeys = new Set<string>();
        for (const e of events) {
          if (e.idempotencyKey !== null) {
            if (batchKeys.has(e.idempotencyKey)) continue;
            batchKeys.add(e.idempotencyKey);
          }
          // In id order whatever order the matcher answers in: the inserts lock webhooks in this order (lock order: store.ts).
          const targets = match(webhooks, e).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
          fresh.push({
            event: e,
            targets,
            row: {
              id: e.id, tenant_id: tenantId, idempotency_key: e.idempotencyKey, type: e.type,
              occurred_at: e.occurredAt, received_at: now, data: json(e.data), actor: jsonOrNull(e.actor),
              resource: jsonOrNull(e.resource), previous: jsonOrNull(e.previous), changes: jsonOrNull(e.changes),
              deliveries_count: targets.length,
            },
          });
        }

        const inserted = new Map<string, Selectable<EventsTable>>();
        for (const part of chunks(fresh, INSERT_CHUNK)) {
          const rows = await trx.insertInto('events').values(part.map((f) => f.row))
            .onConflict((oc) => oc.columns(['tenant_id', 'idempotency_key']).doNothing())
            .returningAll().execute();
          for (const r of rows) inserted.set(r.id, r);
        }
        // Not inserted: its key was stored already (before, or by a concurrent ingest that committed
        // first). Answer with the stored event.
        const lost = fresh.filter((f) => !inserted.has(f.event.id)).map((f) => f.event.idempotencyKey!);
        const seen = lost.length ? await eventsByKey(trx, tenantId, lost) : new Map<string, RelaisEvent>();

        const deliveries: Selectable<DeliveriesTable>[] = fresh.filter((f) => inserted.has(f.event.id)).flatMap((f) =>
          f.targets.map((w) => ({
            id: newDeliveryId(), tenant_id: tenantId, event_id: f.event.id, event_type: f.event.type, webhook_id: w.id,
            status: 'pending', attempts: 0, due_at: now, lease_id: null, last_attempt_at: null, last_status_code: null, parked_for: null,
            created_at: now, updated_at: now,
          })));
        const leasing = deliveries.length ? lease.take(deliveries.length) : 0;
        for (const d of deliveries.slice(0, leasing)) Object.assign(d, { status: 'delivering', due_at: lease.until, lease_id: lease.leaseId });
        for (const part of chunks(deliveries, INSERT_CHUNK)) await trx.insertInto('deliveries').values(part).execute();

        // Answer in the order asked; a repeated key answers with the event stored under it.
        const byKey = new Map(seen);
        for (const r of inserted.values()) if (r.idempotency_key !== null) byKey.set(r.idempotency_key, toEvent(r));
        const results = events.map((e): IngestResult => {
          const row = inserted.get(e.id);
          if (row) return { event: toEvent(row), created: true };
          return { event: byKey.get(e.idempotencyKey!)!, created: false };
        });
        return { results, leased: leasedDeliveries(deliveries.slice(0, leasing), results, webhookRows, box, lease.leaseId) };
      });
    },
    byKeys: (tenantId, keys) => eventsByKey(db, tenantId, keys),
    async get(tenantId, id) {
      const row = await db.selectFrom('events').selectAll().where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
      return row && toEvent(row);
    },
  };
  return queries;
}

/** The leased deliveries as a claim returns them; each webhook's secrets are opened once. */
function leasedDeliveries(rows: Selectable<DeliveriesTable>[], results: IngestResult[], webhookRows: Map<string, Selectable<WebhooksTable>>,
  box: SecretBox, leaseId: string): ClaimedDelivery[] {
  if (rows.length === 0) return []; // the usual case when the dispatcher is busy: no maps to build
  const events = new Map(results.map((r) => [r.event.id, r.event]));
  const webhooks = new Map<string, Webhook>();
  return rows.map((row) => {
    let webhook = webhooks.get(row.webhook_id);
    if (!webhook) webhooks.set(row.webhook_id, webhook = readWebhook(webhookRows.get(row.webhook_id)!, box));
    return { delivery: toDelivery(row), leaseId, event: events.get(row.event_id)!, webhook };
  });
}
