// An ingest in one statement, one round trip: no BEGIN, no COMMIT, no NOTIFY after it. The events
// are inserted (ON CONFLICT on their idempotency key: those inserted come back), their
// deliveries only for the events inserted, and when any of those is left to claim (not leased
// to this process's dispatcher) a NOTIFY to other processes' workers, sent as the statement
// commits. The rows go as two JSON arrays read back as the tables' row types, so the statement's
// text is the same for any batch (prepared once) and no batch meets the bound-parameter limit.
// Used when no delivery needs a lock of its own (kysely/events.ts decides): a held delivery or one
// with an ordering key takes the transaction.
import { sql, type Selectable } from 'kysely';
import type { EventsTable } from '../schema.ts';
import type { IngestStatement } from '../kysely/events.ts';
import { NEW_DELIVERY_COLUMNS, NEW_EVENT_COLUMNS } from '../kysely/rows.ts';
import { CHANNEL } from './due-signal.ts';


const columns = (names: readonly string[]) => sql.join(names.map((n) => sql.ref(n)));

/**
 * Text as node-postgres would send it: a lone surrogate (which JSON.stringify writes as an escape
 * PostgreSQL's JSON parser refuses) becomes U+FFFD, as it does when a value is bound directly.
 */
const wellFormed = (_key: string, value: unknown): unknown => (typeof value === 'string' ? value.toWellFormed() : value);

/** `self`: this process's id, the NOTIFY's payload (its own threads were woken in-process). */
export function ingestStatement(self: string): IngestStatement {
  return async (db, events, deliveries) => {
    const { rows } = await sql<Selectable<EventsTable> & { woken: number }>`
      WITH ev AS (
        INSERT INTO events (${columns(NEW_EVENT_COLUMNS)})
        SELECT ${columns(NEW_EVENT_COLUMNS)} FROM json_populate_recordset(NULL::events, ${JSON.stringify(events, wellFormed)}::json)
        ON CONFLICT (tenant_id, idempotency_key) DO NOTHING
        RETURNING *
      ), d AS (
        INSERT INTO deliveries (${columns(NEW_DELIVERY_COLUMNS)})
        SELECT ${columns(NEW_DELIVERY_COLUMNS)} FROM json_populate_recordset(NULL::deliveries, ${JSON.stringify(deliveries, wellFormed)}::json)
        WHERE event_id IN (SELECT id FROM ev)
        RETURNING status
      ), woken AS (
        SELECT pg_notify(${CHANNEL}, ${self}) FROM (SELECT 1 FROM d WHERE status = 'pending' LIMIT 1) AS due
      )
      SELECT ev.*, (SELECT count(*) FROM woken)::int AS woken FROM ev`.execute(db);
    const woken = rows.some((r) => r.woken > 0);
    return { inserted: rows.map(({ woken: _, ...row }) => row), othersWoken: woken };
  };
}
