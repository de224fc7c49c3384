// Deliveries are both the log and the queue. A live delivery (pending or delivering) has a due
// time: when its next attempt is due, or when its worker's lease runs out. Claiming takes due
// rows in due order and pushes their due time to the lease's end, so a worker that dies holding
// them simply lets them fall due again: at-least-once, nothing lost.
import { sql, type Kysely, type RawBuilder, type Selectable } from 'kysely';
import type { Database, EventsTable } from '../schema.ts';
import type { ClaimedDelivery, Engine, Store } from '../store.ts';
import { byId, chunks, DELIVERY_COLUMNS, readAttempts, toDelivery, toEvent, type DeliveryRow } from './rows.ts';
import { bigint, recordCompletions, text } from './completions.ts';
import { selectByIds } from './raw-values.ts';
import { readWebhook, webhookRowsWithTenantKey } from './webhooks.ts';
import type { SecretBox } from './secrets.ts';

/**
 * Live deliveries, spelled as the queue index's own predicate. Written as literals: SQLite only
 * uses a partial index when it can prove the WHERE implies the index's, which bound parameters
 * hide — `status IN (?, ?)` scanned the whole table.
 */
const LIVE = sql<boolean>`status IN ('pending', 'delivering')`;

/** The row lock of the claim's inner SELECT: `FOR UPDATE SKIP LOCKED` on PostgreSQL, none on SQLite's single writer. */
export type ClaimLock = RawBuilder<unknown>;

/**
 * Tenants the dispatcher has no room for (dispatcher/tenant-shares.ts): their rows are stepped
 * over in the queue index, which holds no tenant, so a claim reads every due row of theirs before
 * it finds another's. That costs what those tenants have due now, never what the log holds.
 */
const skipping = (tenants: readonly string[] | undefined): RawBuilder<unknown> =>
  tenants && tenants.length > 0 ? sql` AND tenant_id NOT IN (${sql.join(tenants.map((t) => sql`${t}`))})` : sql``;

/**
 * Leases the first `limit` due deliveries, in due order, until `until`, stepping over the `skip`
 * tenants' rows; returns their rows. With `lane`, leases that webhook's parked deliveries instead,
 * in creation order, whatever their due time (their due time is only a deadline: see release).
 */
export function claimStatement(c: { limit: number; until: number; leaseId: string; now: number; claimLock: ClaimLock; lane?: string; skip?: readonly string[] }): RawBuilder<DeliveryRow> {
  const pick = c.lane === undefined
    ? sql`WHERE ${LIVE} AND due_at <= ${c.now}${skipping(c.skip)} ORDER BY due_at, id`
    : sql`WHERE parked_for = ${c.lane} AND status = 'pending' ORDER BY id`;
  return sql<DeliveryRow>`
    UPDATE deliveries SET status = 'delivering', due_at = ${c.until}, lease_id = ${c.leaseId}, updated_at = ${c.now}, parked_for = NULL
    WHERE id IN (SELECT id FROM deliveries ${pick} LIMIT ${c.limit} ${c.claimLock})
    RETURNING ${sql.join(DELIVERY_COLUMNS.map((col) => sql.ref(col)))}`;
}

export interface QueueParts {
  db: Kysely<Database>;
  /** The dispatcher's own connections for claims and results (PostgreSQL: asynchronous commit, see postgres/engine.ts). */
  queue: Kysely<Database>;
  box: SecretBox;
  claimLock: ClaimLock;
  /** The engine has row locks to take (PostgreSQL), in a fixed order against deadlocks. */
  lockRows: boolean;
  engine: Engine;
}

/** Every delivery query but the log's list (delivery-log.ts). */
export function deliveryQueries({ db, queue, box, claimLock, lockRows, engine }: QueueParts): Omit<Store['deliveries'], 'list'> {
  /** Runs a claim and loads what the dispatcher needs to send each delivery: its event and webhook. */
  async function claimWith(c: Parameters<typeof claimStatement>[0]): Promise<ClaimedDelivery[]> {
    const result = await claimStatement(c).execute(queue);
    if (result.rows.length === 0) return [];
    const deliveries = result.rows.map(toDelivery).sort((a, b) => (a.id < b.id ? -1 : 1));
    const eventIds = [...new Set(deliveries.map((d) => d.eventId))];
    const webhookIds = [...new Set(deliveries.map((d) => d.webhookId))];
    const [events, webhooks] = await Promise.all([
      selectByIds<Selectable<EventsTable>>(queue, engine, 'events', eventIds).then((r) => r.rows),
      webhookRowsWithTenantKey(queue).where('id', 'in', webhookIds).execute(),
    ]);
    const eventById = new Map(events.map((r) => [r.id, toEvent(r)]));
    const webhookById = new Map(webhooks.map((r) => [r.id, readWebhook(r, box)]));
    return deliveries.flatMap((delivery): ClaimedDelivery[] => {
      const event = eventById.get(delivery.eventId);
      return event ? [{ delivery, leaseId: c.leaseId, event, webhook: webhookById.get(delivery.webhookId) }] : [];
    });
  }

  /** Leased deliveries back to pending, untouched: due at `dueAt`, in `lane` (parked) or in none. */
  async function giveBack(leases: readonly { deliveryId: string; leaseId: string; dueAt: number; lane: string | null }[], now: number): Promise<void> {
    for (const part of chunks(leases)) {
      const values = sql.join(part.map((l) => sql`(${l.deliveryId}, ${l.leaseId}, ${bigint(l.dueAt)}, ${text(l.lane)})`));
      await sql`
        WITH v(d_id, d_lease, d_due, d_parked) AS (VALUES ${values})
        UPDATE deliveries SET status = 'pending', due_at = v.d_due, lease_id = NULL, parked_for = v.d_parked, updated_at = ${bigint(now)}
        FROM v WHERE deliveries.id = v.d_id AND deliveries.lease_id = v.d_lease`.execute(queue);
    }
  }

  return {
    async get(tenantId, id) {
      const row = await db.selectFrom('deliveries').selectAll().where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
      if (!row) return undefined;
      const attempts = await db.selectFrom('attempts').selectAll().where('delivery_id', '=', id).orderBy('id').execute();
      return { delivery: toDelivery(row), attempts: await readAttempts(db, attempts, new Map([[id, row.request_body]])) };
    },

    async create(tenantId, d, now) {
      const row = await db.insertInto('deliveries').values({
        id: d.id, tenant_id: tenantId, event_id: d.eventId, event_type: d.eventType, webhook_id: d.webhookId, status: 'pending',
        attempts: 0, due_at: now, lease_id: null, last_attempt_at: null, last_status_code: null, created_at: now, updated_at: now,
        ordering_key: null, blocked: 0, // a resend goes outside any key's order
        origin: d.origin === undefined || d.origin === 'event' ? null : d.origin, message_id: d.messageId === undefined || d.messageId === d.id ? null : d.messageId,
      }).returningAll().executeTakeFirstOrThrow();
      return toDelivery(row);
    },

    claim(limit, leaseMs, now, newLeaseId, skipTenants) {
      return claimWith({ limit, until: now + leaseMs, leaseId: newLeaseId(), now, claimLock, skip: skipTenants });
    },

    claimParked(webhookId, limit, leaseMs, now, newLeaseId) {
      return claimWith({ limit, until: now + leaseMs, leaseId: newLeaseId(), now, claimLock, lane: webhookId });
    },

    complete(completions, now) {
      return recordCompletions(queue, completions, now, lockRows, engine);
    },

    release(leases, now) {
      return giveBack(leases.map((l) => ({ ...l, dueAt: l.dueAt ?? now, lane: null })), now);
    },

    park(parks, now) {
      return giveBack(parks.map((p) => ({ ...p, lane: p.webhookId })), now);
    },

    // Not a change of state: updated_at stays as it was.
    async renew(leases, until) {
      const kept: string[] = [];
      // In id order (the lock order: kysely/store.ts).
      const ordered = [...leases].sort(byId((l) => l.deliveryId));
      for (const part of chunks(ordered)) {
        const values = sql.join(part.map((l) => sql`(${l.deliveryId}, ${l.leaseId})`));
        const { rows } = await sql<{ id: string }>`
          WITH v(d_id, d_lease) AS (VALUES ${values})
          UPDATE deliveries SET due_at = ${bigint(until)}
          FROM v WHERE deliveries.id = v.d_id AND deliveries.lease_id = v.d_lease AND deliveries.status = 'delivering'
          RETURNING id`.execute(queue);
        for (const r of rows) kept.push(r.id);
      }
      return kept;
    },

    async renewParked(webhookIds, until, now) {
      if (webhookIds.length === 0) return;
      await queue.updateTable('deliveries').set({ due_at: until, updated_at: now })
        .where('parked_for', 'in', webhookIds).where('status', '=', 'pending').where('due_at', '<', until).execute();
    },

    async unpark(webhookIds, now) {
      if (webhookIds.length === 0) return;
      await queue.updateTable('deliveries').set({ parked_for: null, due_at: now, updated_at: now })
        .where('parked_for', 'in', webhookIds).where('status', '=', 'pending').execute();
    },

    async cancelPending(tenantId, webhookId, now) {
      const result = await db.updateTable('deliveries').set({ status: 'cancelled', due_at: null, parked_for: null, updated_at: now })
        .where('tenant_id', '=', tenantId).where('webhook_id', '=', webhookId).where('status', '=', 'pending').executeTakeFirst();
      return Number(result.numUpdatedRows);
    },

    async nextDueAt(skipTenants) {
      if (skipTenants && skipTenants.length > 0) {
        // The queue index in order, stopping at the first row of another tenant (min() with the
        // extra filter would read every live row on SQLite). Held rows (no due time) are not due.
        const { rows } = await sql<{ due_at: number | string }>`
          SELECT due_at FROM deliveries WHERE ${LIVE} AND due_at IS NOT NULL${skipping(skipTenants)} ORDER BY due_at, id LIMIT 1`.execute(queue);
        return rows[0] === undefined ? undefined : Number(rows[0].due_at);
      }
      const row = await queue.selectFrom('deliveries').select((eb) => eb.fn.min('due_at').as('next')).where(LIVE).executeTakeFirst();
      return row?.next === null || row?.next === undefined ? undefined : Number(row.next);
    },
    async queueStats(now) {
      // The queue index's own predicate, so both engines read that index alone (covering: due_at
      // is its first column), not the table: a count of the live rows, not of the history.
      const { rows } = await sql<{ live: number | string; due: number | string | null; oldest: number | string | null }>`
        SELECT count(*) AS live, sum(CASE WHEN due_at <= ${bigint(now)} THEN 1 ELSE 0 END) AS due, min(due_at) AS oldest
        FROM deliveries WHERE ${LIVE} AND due_at IS NOT NULL`.execute(queue);
      const row = rows[0];
      return { live: Number(row?.live ?? 0), due: Number(row?.due ?? 0), oldestDueAt: row?.oldest === null || row?.oldest === undefined ? undefined : Number(row.oldest) };
    },
  };
}
