// Floors under the store's claim and results (issue 17, Part 6): what those two phases would cost
// in a store laid out or run otherwise, on the same rows, printed by `npm run bench:store` beside
// the real phases. Neither is a store Relais could ship as is: each is a bound on what a redesign
// of those two phases can save, measured so that the next step is chosen by numbers.
//
// - SQLite: the least SQL a delivery needs. A claim only reads its rows and their events (single-
//   process SQLite could keep leases in memory); a result is one prepared UPDATE and one INSERT
//   a row, 100 a transaction, nothing returned. Left out: the lease, the completion's value check,
//   the failure records, ordering, shared bodies.
// - PostgreSQL: a narrow queue. Live deliveries' due time and lease live in a table of their own
//   (id, due_at, lease_id; one index), so a claim rewrites that small row and not the delivery,
//   and a result deletes it and updates a delivery table with no index on what a result changes:
//   PostgreSQL can then update in place (HOT), with no new entry in the delivery's indexes. Every
//   update of `deliveries` today writes a new entry in each of its indexes, twice a delivery.
//   The request body goes with its attempt, so the delivery's row does not grow (a row that grows
//   may not fit its page, and is not updated in place). Left out: failure records, ordering.
//   `openFloor` moves the store's pending deliveries into the narrow tables (q_*) first, unmeasured.
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { newId } from '../src/ids.ts';
import type { Webhook } from '../src/core/model.ts';
import type { Engine } from '../src/store/store.ts';
import { ATTEMPT_COLUMNS } from '../src/store/kysely/completions.ts';
import type { EngineFixture } from '../test/helpers/engines.ts';
import { succeeded, TENANT } from './store-rows.ts';

const BATCH = 100;
const LEASE_MS = 600_000;

interface Due { id: string; webhook_id: string; data: string }

/** A 204's completion for `row`, as the real results phase records it (store-cost.ts). */
function completionOf(row: Due, leaseId: string, webhook: Webhook | undefined) {
  const c = succeeded({ delivery: { id: row.id, webhookId: row.webhook_id, orderingKey: null }, leaseId, event: { dataJson: row.data }, webhook });
  return { ...c, attempt: c.attempt! };
}

export const FLOOR_PHASE: Record<Engine, string> = {
  sqlite: 'floor: claim by reading, results by row (no lease)',
  postgres: 'floor: claim and results on a narrow queue table',
};

export interface Floor {
  /** Claims every due delivery and records each as a 204, `BATCH` at a time, sending nothing; returns how many it recorded. */
  run(webhook: Webhook | undefined): Promise<number>;
  close(): Promise<void>;
}

/**
 * Readies the floor (on PostgreSQL, the narrow tables, holding the store's pending deliveries)
 * and opens its connection, before the measured part: a server process that ends inside it
 * would not be counted (cpu.ts).
 */
export async function openFloor(fixture: EngineFixture): Promise<Floor> {
  if (!fixture.databaseUrl) {
    const db = new BetterSqlite3(fixture.sqlitePath);
    db.pragma('journal_mode = WAL'); // as the store opens it (sqlite/engine.ts)
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    return { run: async (webhook) => sqliteFloor(db, webhook), close: async () => { db.close(); } };
  }
  await prepareNarrowTables(fixture.databaseUrl);
  // As the dispatcher's own connections commit (postgres/engine.ts).
  const c = new pg.Client({ connectionString: fixture.databaseUrl, options: '-c synchronous_commit=off' });
  await c.connect();
  return { run: (webhook) => postgresFloor(c, webhook), close: () => c.end() };
}

async function prepareNarrowTables(url: string): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(`
      CREATE TABLE IF NOT EXISTS q_deliveries (LIKE deliveries INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING INDEXES) WITH (fillfactor = 85);
      DROP INDEX IF EXISTS q_deliveries_due_at_id_idx, q_deliveries_parked_for_id_idx, q_deliveries_webhook_id_ordering_key_id_idx, q_deliveries_updated_at_id_idx;
      CREATE TABLE IF NOT EXISTS q_queue (delivery_id text PRIMARY KEY, due_at bigint NOT NULL, lease_id text);
      CREATE INDEX IF NOT EXISTS q_queue_due ON q_queue (due_at, delivery_id);
      CREATE TABLE IF NOT EXISTS q_attempts (LIKE attempts INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING INDEXES);
      WITH m AS (DELETE FROM deliveries WHERE status = 'pending' RETURNING *), i AS (INSERT INTO q_deliveries SELECT * FROM m RETURNING id, due_at)
      INSERT INTO q_queue SELECT id, due_at, NULL FROM i;`);
    await c.query('VACUUM ANALYZE q_deliveries, q_queue'); // a statement of its own: no VACUUM in a multi-statement query
    // What a result changes must be in no index of q_deliveries, or no update is HOT.
    const { rows } = await c.query<{ indexdef: string }>(`SELECT indexdef FROM pg_indexes WHERE tablename = 'q_deliveries'`);
    const changed = /\b(status|due_at|updated_at|attempts|last_attempt_at|last_status_code|parked_for)\b/;
    const bad = rows.filter((r) => changed.test(r.indexdef));
    if (bad.length) throw new Error(`bench:store floor: q_deliveries still indexes what a result changes: ${bad.map((r) => r.indexdef).join('; ')}`);
  } finally {
    await c.end();
  }
}

function sqliteFloor(db: BetterSqlite3.Database, webhook: Webhook | undefined): number {
  // The queue index's own predicate and order, as the real claim reads it (kysely/deliveries.ts).
  const due = db.prepare<[number, number], Due>(`
    SELECT d.id, d.webhook_id, e.data FROM deliveries d JOIN events e ON e.id = d.event_id
    WHERE d.status IN ('pending', 'delivering') AND d.due_at <= ? ORDER BY d.due_at, d.id LIMIT ?`);
  const move = db.prepare(`
    UPDATE deliveries SET status = 'succeeded', attempts = attempts + 1, due_at = NULL, lease_id = NULL,
      last_attempt_at = ?, last_status_code = 204, updated_at = ?, request_body = ? WHERE id = ?`);
  const log = db.prepare(`INSERT INTO attempts (${ATTEMPT_COLUMNS.join(', ')}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, 1)`);
  const record = db.transaction((rows: Due[], at: number) => {
    for (const r of rows) {
      const { attempt } = completionOf(r, '', webhook);
      const { body, ...request } = attempt.request; // the body is stored once, in its delivery's row
      move.run(at, at, body, r.id);
      log.run(newId('att', at), r.id, TENANT, r.webhook_id, at, attempt.durationMs, JSON.stringify(request), JSON.stringify(attempt.response));
    }
  });
  let recorded = 0;
  for (;;) {
    const rows = due.all(Date.now(), BATCH);
    if (rows.length === 0) return recorded;
    record(rows, Date.now());
    recorded += rows.length;
  }
}

async function postgresFloor(c: pg.Client, webhook: Webhook | undefined): Promise<number> {
  let recorded = 0;
  for (;;) {
    const now = Date.now();
    const leaseId = newId('lse');
    const leased = await c.query<{ delivery_id: string }>(`
      WITH p AS (SELECT delivery_id FROM q_queue WHERE due_at <= $1 ORDER BY due_at, delivery_id LIMIT $4 FOR UPDATE SKIP LOCKED)
      UPDATE q_queue q SET due_at = $2, lease_id = $3 FROM p WHERE q.delivery_id = p.delivery_id RETURNING q.delivery_id`,
    [now, now + LEASE_MS, leaseId, BATCH]);
    if (leased.rows.length === 0) return recorded;
    const { rows } = await c.query<Due>(`SELECT d.id, d.webhook_id, e.data FROM q_deliveries d JOIN events e ON e.id = d.event_id WHERE d.id = ANY($1)`,
      [leased.rows.map((r) => r.delivery_id)]);
    const done = rows.map((r) => completionOf(r, leaseId, webhook));
    const at = Date.now();
    // One statement, as the real writer records a batch of successes (kysely/completions.ts).
    const result = await c.query(`
      WITH v AS (SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS v(id, attempt_id, request, response)),
        gone AS (DELETE FROM q_queue q USING v WHERE q.delivery_id = v.id AND q.lease_id = $5 RETURNING q.delivery_id),
        moved AS (UPDATE q_deliveries d SET status = 'succeeded', attempts = d.attempts + 1, last_attempt_at = $6, last_status_code = 204, updated_at = $6
          FROM gone WHERE d.id = gone.delivery_id RETURNING d.id)
      INSERT INTO q_attempts (${ATTEMPT_COLUMNS.join(', ')})
      SELECT v.attempt_id, v.id, $7, $8, $6, 1, v.request, v.response, NULL, NULL, 1 FROM v JOIN moved ON moved.id = v.id`,
    [done.map((d) => d.deliveryId), done.map((d) => d.attempt.id), done.map((d) => JSON.stringify(d.attempt.request)),
      done.map((d) => JSON.stringify(d.attempt.response)), leaseId, at, TENANT, webhook?.id ?? null]);
    recorded += result.rowCount ?? 0;
  }
}
