// Deliveries are both the log and the queue. A live delivery (pending or delivering) has a due
// time: when its next attempt is due, or when its worker's lease runs out. Claiming takes due
// rows in due order and pushes their due time to the lease's end, so a worker that dies holding
// them simply lets them fall due again: at-least-once, nothing lost.
import { sql, type Insertable, type Kysely, type RawBuilder } from 'kysely';
import type { Database, AttemptsTable, DeliveriesTable } from '../schema.ts';
import type { ClaimedDelivery, FailureRecord, Store } from '../store.ts';
import { json, jsonOrNull, toAttempt, toDelivery, toEvent } from './rows.ts';
import { readWebhook } from './webhooks.ts';
import type { SecretBox } from './secrets.ts';

const INSERT_CHUNK = 500;

/** The row lock of the claim's inner SELECT: `FOR UPDATE SKIP LOCKED` on PostgreSQL, none on SQLite's single writer. */
export type ClaimLock = RawBuilder<unknown>;

export function deliveryQueries(db: Kysely<Database>, box: SecretBox, claimLock: ClaimLock): Store['deliveries'] {
  return {
    async get(tenantId, id) {
      const row = await db.selectFrom('deliveries').selectAll().where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
      if (!row) return undefined;
      const attempts = await db.selectFrom('attempts').selectAll().where('delivery_id', '=', id).orderBy('id').execute();
      return { delivery: toDelivery(row), attempts: attempts.map(toAttempt) };
    },

    async create(tenantId, d, now) {
      const row = await db.insertInto('deliveries').values({
        id: d.id, tenant_id: tenantId, event_id: d.eventId, event_type: d.eventType, webhook_id: d.webhookId, status: 'pending',
        attempts: 0, due_at: now, lease_id: null, last_attempt_at: null, last_status_code: null, created_at: now, updated_at: now,
      }).returningAll().executeTakeFirstOrThrow();
      return toDelivery(row);
    },

    async list(tenantId, q) {
      let query = db.selectFrom('deliveries').selectAll().where('tenant_id', '=', tenantId);
      if (q.webhookId) query = query.where('webhook_id', '=', q.webhookId);
      if (q.status) query = query.where('status', '=', q.status);
      if (q.eventType) query = query.where('event_type', '=', q.eventType);
      if (q.before) query = query.where('id', '<', q.before);
      const rows = await query.orderBy('id', 'desc').limit(q.limit + 1).execute();
      const page = rows.slice(0, q.limit).map(toDelivery);
      return { data: page, nextCursor: rows.length > q.limit ? (page.at(-1)?.id ?? null) : null };
    },

    async claim(limit, leaseMs, now, newLeaseId) {
      const leaseId = newLeaseId();
      const result = await sql<DeliveriesTable>`
        UPDATE deliveries SET status = 'delivering', due_at = ${now + leaseMs}, lease_id = ${leaseId}, updated_at = ${now}
        WHERE id IN (
          SELECT id FROM deliveries
          WHERE status IN ('pending', 'delivering') AND due_at <= ${now}
          ORDER BY due_at, id LIMIT ${limit} ${claimLock}
        )
        RETURNING *`.execute(db);
      if (result.rows.length === 0) return [];
      const deliveries = result.rows.map(toDelivery).sort((a, b) => (a.id < b.id ? -1 : 1));
      const eventIds = [...new Set(deliveries.map((d) => d.eventId))];
      const webhookIds = [...new Set(deliveries.map((d) => d.webhookId))];
      const [events, webhooks] = await Promise.all([
        db.selectFrom('events').selectAll().where('id', 'in', eventIds).execute(),
        db.selectFrom('webhooks').selectAll().where('id', 'in', webhookIds).execute(),
      ]);
      const eventById = new Map(events.map((r) => [r.id, toEvent(r)]));
      const webhookById = new Map(webhooks.map((r) => [r.id, readWebhook(r, box)]));
      return deliveries.flatMap((delivery): ClaimedDelivery[] => {
        const event = eventById.get(delivery.eventId);
        return event ? [{ delivery, leaseId, event, webhook: webhookById.get(delivery.webhookId) }] : [];
      });
    },

    async complete(completions, now) {
      if (completions.length === 0) return [];
      return db.transaction().execute(async (trx) => {
        const attempts: Insertable<AttemptsTable>[] = [];
        // Webhook rows first, in id order, as a webhook's deletion locks them (then its
        // deliveries): taking them in the other order could deadlock with it on PostgreSQL.
        const outcomes = new Map<string, { tenantId: string; lastSuccessAt: number | null; failuresAfter: number; firstFailureAfter: number | null }>();
        for (const c of completions) {
          const a = c.attempt;
          // A template that fails is the owner's doing, not the receiver's: it does not count.
          if (!a || a.errorKind === 'template') continue;
          const o = outcomes.get(c.webhookId) ?? { tenantId: c.tenantId, lastSuccessAt: null, failuresAfter: 0, firstFailureAfter: null };
          if (a.succeeded) Object.assign(o, { lastSuccessAt: a.startedAt, failuresAfter: 0, firstFailureAfter: null });
          else Object.assign(o, { failuresAfter: o.failuresAfter + 1, firstFailureAfter: o.firstFailureAfter ?? a.startedAt });
          outcomes.set(c.webhookId, o);
        }
        // One write per webhook per batch: a success in the batch resets the record to the
        // failures that followed it; otherwise the failures add up.
        const records: FailureRecord[] = [];
        for (const [webhookId, o] of [...outcomes].sort(([a], [b]) => (a < b ? -1 : 1))) {
          const row = await trx.updateTable('webhooks')
            .set((eb) => (o.lastSuccessAt !== null
              ? { consecutive_failures: o.failuresAfter, failing_since: o.firstFailureAfter, last_success_at: o.lastSuccessAt }
              : { consecutive_failures: eb('consecutive_failures', '+', o.failuresAfter), failing_since: eb.fn.coalesce('failing_since', eb.val(o.firstFailureAfter)) }))
            .where('id', '=', webhookId)
            .returning(['enabled', 'consecutive_failures', 'failing_since'])
            .executeTakeFirst();
          if (row) {
            records.push({
              tenantId: o.tenantId, webhookId, enabled: Boolean(Number(row.enabled)),
              consecutiveFailures: Number(row.consecutive_failures), failingSince: row.failing_since === null ? null : Number(row.failing_since),
            });
          }
        }
        for (const c of completions) {
          const updated = await trx.updateTable('deliveries')
            .set((eb) => ({
              status: c.status,
              attempts: c.attempt ? eb('attempts', '+', 1) : eb.ref('attempts'),
              due_at: c.dueAt,
              lease_id: null,
              updated_at: now,
              ...(c.attempt ? { last_attempt_at: c.attempt.startedAt, last_status_code: c.attempt.response?.status ?? null } : {}),
            }))
            .where('id', '=', c.deliveryId).where('lease_id', '=', c.leaseId)
            .executeTakeFirst();
          // A lost lease (this worker stalled past it) means another worker owns the delivery now.
          if (Number(updated.numUpdatedRows) === 0 || !c.attempt) continue;
          const a = c.attempt;
          attempts.push({
            id: a.id,
            delivery_id: c.deliveryId,
            tenant_id: c.tenantId,
            webhook_id: c.webhookId,
            started_at: a.startedAt,
            duration_ms: a.durationMs,
            request: json(a.request),
            response: jsonOrNull(a.response),
            error_kind: a.errorKind,
            error_message: a.errorMessage,
            succeeded: a.succeeded ? 1 : 0,
          });
        }
        for (let i = 0; i < attempts.length; i += INSERT_CHUNK) {
          await trx.insertInto('attempts').values(attempts.slice(i, i + INSERT_CHUNK)).execute();
        }
        return records;
      });
    },

    async release(leases, now) {
      if (leases.length === 0) return;
      await db.transaction().execute(async (trx) => {
        for (const l of leases) {
          await trx.updateTable('deliveries').set({ status: 'pending', due_at: l.dueAt ?? now, lease_id: null, updated_at: now })
            .where('id', '=', l.deliveryId).where('lease_id', '=', l.leaseId).execute();
        }
      });
    },

    async cancelPending(tenantId, webhookId, now) {
      const result = await db.updateTable('deliveries').set({ status: 'cancelled', due_at: null, updated_at: now })
        .where('tenant_id', '=', tenantId).where('webhook_id', '=', webhookId).where('status', '=', 'pending').executeTakeFirst();
      return Number(result.numUpdatedRows);
    },

    async deferWebhook(webhookId, until, now) {
      await db.updateTable('deliveries').set({ due_at: until, updated_at: now })
        .where('webhook_id', '=', webhookId).where('status', '=', 'pending').where('due_at', '<', until).execute();
    },

    async nextDueAt() {
      const row = await db.selectFrom('deliveries').select((eb) => eb.fn.min('due_at').as('next'))
        .where('status', 'in', ['pending', 'delivering']).executeTakeFirst();
      return row?.next === null || row?.next === undefined ? undefined : Number(row.next);
    },
  };
}
