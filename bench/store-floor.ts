// The floor under SQLite's claim and results (issue 17, Part 6): what they would cost in a store
// that wrote no lease and ran the least SQL a delivery needs, on the same schema and rows. A claim
// only reads its rows and their events (single-process SQLite could keep leases in memory); a
// result is one prepared UPDATE of its delivery and one INSERT of its attempt, 100 a transaction,
// with nothing returned. Not a store Relais could ship as is (no lease: a second process would
// send the same rows; no failure records, no ordering, no shared bodies): a bound on what any
// redesign of these two phases can save, printed by `npm run bench:store` beside the real ones.
import BetterSqlite3 from 'better-sqlite3';
import { newId } from '../src/ids.ts';
import type { ClaimedDelivery, Store } from '../src/store/store.ts';
import type { EngineFixture } from '../test/helpers/engines.ts';
import { succeeded, TENANT } from './store-cost.ts';

const BATCH = 100;

interface DueRow { id: string; event_id: string; webhook_id: string; data: string }

/**
 * Sends nothing: claims every due delivery by reading and records each as a 204, `BATCH` at a
 * time; returns how many it recorded. `fixture` must be a SQLite one whose store `store` opened.
 */
export async function floorClaimAndRecord(fixture: EngineFixture, store: Store): Promise<number> {
  const db = new BetterSqlite3(fixture.sqlitePath);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    // The queue index's own predicate and order, as the real claim reads it (kysely/deliveries.ts).
    const due = db.prepare<[number, number], DueRow>(`
      SELECT d.id, d.event_id, d.webhook_id, e.data FROM deliveries d JOIN events e ON e.id = d.event_id
      WHERE d.status IN ('pending', 'delivering') AND d.due_at <= ? ORDER BY d.due_at, d.id LIMIT ?`);
    const move = db.prepare(`
      UPDATE deliveries SET status = 'succeeded', attempts = attempts + 1, due_at = NULL, lease_id = NULL,
        last_attempt_at = ?, last_status_code = 204, updated_at = ?, request_body = ? WHERE id = ?`);
    const log = db.prepare(`
      INSERT INTO attempts (id, delivery_id, tenant_id, webhook_id, started_at, duration_ms, request, response, error_kind, error_message, succeeded)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, 1)`);
    const [webhook] = await store.webhooks.list(TENANT);
    const record = db.transaction((rows: DueRow[], at: number) => {
      for (const r of rows) {
        const claimed = { delivery: { id: r.id, webhookId: r.webhook_id, orderingKey: null }, leaseId: '', event: { dataJson: r.data }, webhook };
        const { attempt } = succeeded(claimed as unknown as ClaimedDelivery);
        const { body, ...request } = attempt!.request; // the body is stored once, in its delivery's row
        move.run(at, at, body, r.id);
        log.run(newId('att', at), r.id, TENANT, r.webhook_id, at, attempt!.durationMs, JSON.stringify(request), JSON.stringify(attempt!.response));
      }
    });
    let recorded = 0;
    for (;;) {
      const rows = due.all(Date.now(), BATCH);
      if (rows.length === 0) return recorded;
      record(rows, Date.now());
      recorded += rows.length;
    }
  } finally {
    db.close();
  }
}
