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
//
// On PostgreSQL the prune's transactions commit with synchronous_commit off: their commits do not
// wait for the WAL to be flushed, so they do not queue with the dispatcher's commits (claims,
// results) for the disk's flushes. Nothing is lost that matters: a crash can only undo the last
// prunes of the last ~0.6 s (3 × wal_writer_delay), never half a transaction, and the rows they
// deleted are still old and finished after the restart — the next pass deletes them again.
import { sql, type Kysely, type Transaction } from 'kysely';
import { idFloor } from '../../ids.ts';
import type { Database } from '../schema.ts';
import type { Engine, PruneCounts } from '../store.ts';
import type { ClaimLock } from './deliveries.ts';

/** Finished deliveries, spelled as deliveries_finished's own predicate (migration 0013): literals, for SQLite to use it. */
const FINISHED = sql<boolean>`status IN ('succeeded', 'failed', 'cancelled')`;

/** How many old events, past the sweep's cursor, one call reads to find those no delivery refers to: a bound on its cost, whatever the table holds. */
export const SWEEP_WINDOW_FACTOR = 2;

export function pruneQuery(db: Kysely<Database>, rowLock: ClaimLock, engine: Engine): (before: number, limit: number) => Promise<PruneCounts> {
  const postgres = engine === 'postgres';
  /** The prune's commits on PostgreSQL: not waiting for the WAL flush (see the top of the file). This transaction only. */
  const asyncCommit = async (trx: Transaction<Database>): Promise<void> => {
    if (postgres) await sql`SET LOCAL synchronous_commit = off`.execute(trx);
  };

  /**
   * PostgreSQL: where the pass (the calls with one `before`) goes on from in deliveries_finished,
   * the last row its last full batch took. The rows a batch deletes stay in the index, dead, until
   * vacuum has been through the table; a scan from the index's start steps over all that the pass
   * deleted before it finds a live one, and a batch's cost grows with the pass's progress (the
   * likely cause of issue 19's first runs pruning 1,000 rows a second at first, 500 after 400,000,
   * on a server without autovacuum). Rows stepped over (another worker's lock: SKIP LOCKED)
   * are taken by a later pass, which starts from the start again, as does each batch after a
   * short one. SQLite deletes from its indexes at once: its scans always start from the start.
   */
  let resumeFrom: { before: number; updatedAt: number | string; id: string } | undefined;

  async function pruneDeliveries(before: number, limit: number): Promise<{ deliveries: number; attempts: number; eventIds: string[] }> {
    return db.transaction().execute(async (trx) => {
      await asyncCommit(trx);
      const from = postgres && resumeFrom?.before === before ? resumeFrom : undefined;
      const after = from ? sql` AND (updated_at, id) > (${from.updatedAt}, ${from.id})` : sql``;
      const picked = await sql<{ id: string; event_id: string; updated_at: number | string }>`
        SELECT id, event_id, updated_at FROM deliveries WHERE ${FINISHED} AND updated_at < ${before}${after} ORDER BY updated_at, id LIMIT ${limit} ${rowLock}`.execute(trx);
      const last = picked.rows.at(-1);
      resumeFrom = last && picked.rows.length === limit ? { before, updatedAt: last.updated_at, id: last.id } : undefined;
      const ids = picked.rows.map((r) => r.id);
      if (ids.length === 0) return { deliveries: 0, attempts: 0, eventIds: [] };
      // Attempts first, by their delivery index: the foreign key would cascade, but uncounted.
      const attempts = await trx.deleteFrom('attempts').where('delivery_id', 'in', ids).executeTakeFirst();
      const deliveries = await trx.deleteFrom('deliveries').where('id', 'in', ids).executeTakeFirst();
      return { deliveries: Number(deliveries.numDeletedRows), attempts: Number(attempts.numDeletedRows), eventIds: [...new Set(picked.rows.map((r) => r.event_id))] };
    });
  }

  // Where the sweep for events no pruned delivery pointed at (none ever made, or gone with their
  // webhook) goes on from: the last old event id it read, '' to start again from the oldest.
  let sweepFrom = '';

  /**
   * Old events worth a look, without a lock: those of the deliveries just pruned (found by their
   * primary key), then a window of the oldest events past the sweep's cursor, at most
   * SWEEP_WINDOW_FACTOR × limit of them. Never "every old event nothing refers to, in id order":
   * on PostgreSQL the planner, whose statistics say every event has deliveries, answers that with
   * a hash anti-join of the whole events table against the whole deliveries_event index (120 ms and
   * both cores' worth of parallel workers at 200,000 stored, per batch), and with the plan forced
   * onto the primary key the scan still reads every old event still referred to before it finds
   * one that is not (all of them, behind a backlog). Both were what a batch cost.
   */
  async function candidates(before: number, limit: number, eventIds: readonly string[]): Promise<string[]> {
    const window = limit * SWEEP_WINDOW_FACTOR;
    const read = await sql<{ id: string; received_at: number | string }>`
      SELECT id, received_at FROM events WHERE id > ${sweepFrom} AND id < ${idFloor('evt', before)} ORDER BY id LIMIT ${window}`.execute(db);
    sweepFrom = read.rows.length === window ? read.rows.at(-1)!.id : '';
    const swept = read.rows.filter((r) => Number(r.received_at) < before).map((r) => r.id);
    return [...new Set([...eventIds, ...swept])];
  }

  async function pruneEvents(before: number, limit: number, eventIds: readonly string[]): Promise<number> {
    const ids0 = await candidates(before, limit, eventIds);
    if (ids0.length === 0) return 0;
    return db.transaction().execute(async (trx) => {
      await asyncCommit(trx);
      // The candidates no delivery refers to, at most `limit` of them, locked: the primary key and
      // the deliveries_event index probed once per candidate. Old events still referred to (held
      // deliveries, a resend) are stepped over.
      const picked = await sql<{ id: string }>`
        SELECT id FROM events WHERE id IN (${sql.join(ids0)}) AND received_at < ${before}
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
    const { deliveries, attempts, eventIds } = await pruneDeliveries(before, limit);
    const events = await pruneEvents(before, limit, eventIds);
    return { deliveries, attempts, events };
  };
}
