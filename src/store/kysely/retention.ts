// Retention: finished deliveries (succeeded, failed, cancelled) whose last update is older than
// `before` go, with their attempts, and so do events older than `before` that no delivery refers
// to any more. One call is one small batch of each, in short transactions of their own, so that
// no lock is held long enough to show in delivery latency; the pruner (services/retention.ts)
// calls it again until a batch comes back short.
//
// Lock order (store.ts): deliveries, then attempts, in one transaction; events in another, after
// it — never events after deliveries in one transaction. Rows are chosen with the engine's claim
// lock (PostgreSQL: FOR UPDATE SKIP LOCKED), so workers pruning at once take different rows and
// never wait on each other, nor on the result writer or recovery holding a row.
import { sql, type Kysely } from 'kysely';
import { idFloor } from '../../ids.ts';
import type { Database } from '../schema.ts';
import type { PruneCounts } from '../store.ts';
import type { ClaimLock } from './deliveries.ts';

/** Finished deliveries, spelled as deliveries_finished's own predicate (migration 0013): literals, for SQLite to use it. */
const FINISHED = sql<boolean>`status IN ('succeeded', 'failed', 'cancelled')`;

export function pruneQuery(db: Kysely<Database>, rowLock: ClaimLock): (before: number, limit: number) => Promise<PruneCounts> {
  async function pruneDeliveries(before: number, limit: number): Promise<{ deliveries: number; attempts: number }> {
    return db.transaction().execute(async (trx) => {
      const picked = await sql<{ id: string }>`
        SELECT id FROM deliveries WHERE ${FINISHED} AND updated_at < ${before} ORDER BY updated_at, id LIMIT ${limit} ${rowLock}`.execute(trx);
      const ids = picked.rows.map((r) => r.id);
      if (ids.length === 0) return { deliveries: 0, attempts: 0 };
      // Attempts first, by their delivery index: the foreign key would cascade, but uncounted.
      const attempts = await trx.deleteFrom('attempts').where('delivery_id', 'in', ids).executeTakeFirst();
      const deliveries = await trx.deleteFrom('deliveries').where('id', 'in', ids).executeTakeFirst();
      return { deliveries: Number(deliveries.numDeletedRows), attempts: Number(attempts.numDeletedRows) };
    });
  }

  async function pruneEvents(before: number, limit: number): Promise<number> {
    return db.transaction().execute(async (trx) => {
      // Event ids are time-ordered (ids.ts) and made at ingest: the primary key finds old events
      // without an index of their own. Old events still referred to (held deliveries, a resend)
      // are stepped over, each pass.
      const picked = await sql<{ id: string }>`
        SELECT id FROM events WHERE id < ${idFloor('evt', before)} AND received_at < ${before}
          AND NOT EXISTS (SELECT 1 FROM deliveries WHERE deliveries.event_id = events.id)
        ORDER BY id LIMIT ${limit} ${rowLock}`.execute(trx);
      const ids = picked.rows.map((r) => r.id);
      if (ids.length === 0) return 0;
      // Checked again in a statement of its own (PostgreSQL: a new snapshot, in READ COMMITTED):
      // a delivery of one of these events created (resend, recovery) and committed before the
      // lock above was taken is seen now, and its event kept — deleting it would cascade to that
      // delivery. One created after waits for the lock, then fails its foreign-key check: the event is gone.
      const deleted = await trx.deleteFrom('events').where('id', 'in', ids)
        .where((eb) => eb.not(eb.exists(eb.selectFrom('deliveries').select(sql`1`.as('one')).whereRef('deliveries.event_id', '=', 'events.id'))))
        .executeTakeFirst();
      return Number(deleted.numDeletedRows);
    });
  }

  return async (before, limit) => {
    const { deliveries, attempts } = await pruneDeliveries(before, limit);
    const events = await pruneEvents(before, limit);
    return { deliveries, attempts, events };
  };
}
