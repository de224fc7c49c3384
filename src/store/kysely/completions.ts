// Recording a batch of completions (what came of each attempt) in a constant number of statements, whatever the batch's
// size: one UPDATE … FROM a row list for the webhooks' failure records, one for the deliveries,
// one multi-row INSERT for the attempts (a row list is VALUES on SQLite, one JSON parameter on
// PostgreSQL: raw-values.ts rowList). Per-row statements cost a round trip each on PostgreSQL
// and a statement each on SQLite; the dispatcher records thousands a second. On PostgreSQL a
// batch of successes with no ordering key takes all three in one statement (recordInOneStatement).
// A request body is stored once per delivery (migration 0014): the deliveries' UPDATE writes it
// to deliveries.request_body with the first attempt that sends one and tells, per delivery,
// whether this attempt's body is the one stored; the attempt row then keeps its request without
// the body. No statement more than before, and the body is sent to the database once, as before.
import { sql, type Kysely, type RawBuilder, type Transaction } from 'kysely';
import type { Database } from '../schema.ts';
import type { Completion, Engine, FailureRecord } from '../store.ts';
import { completionProblems, RowValueError } from '../row-limits.ts';
import { byId, chunks, jsonOrNull, storedRequest } from './rows.ts';
import { rowList, runText, type ListColumn, type Segment } from './raw-values.ts';

type Db = Kysely<Database> | Transaction<Database>;

// Parameters in VALUES have no declared type: PostgreSQL would read them as text.
export const bigint = (v: number | null): RawBuilder<number | null> => sql`CAST(${v} AS bigint)`;
export const text = (v: string | null): RawBuilder<string | null> => sql`CAST(${v} AS text)`;


/** A batch's net effect on one webhook's failure record. */
interface WebhookTally { webhookId: string; tenantId: string; lastSuccessAt: number | null; failuresAfter: number; firstFailureAfter: number | null }

/** Each webhook's net change: a success in the batch resets it to the failures that followed. */
function talliesByWebhook(completions: readonly Completion[]): WebhookTally[] {
  const tallies = new Map<string, WebhookTally>();
  for (const c of completions) {
    const a = c.attempt;
    // A template that fails is the owner's doing, and a result we could not record ours, not the receiver's: neither counts.
    if (!a || a.errorKind === 'template' || a.errorKind === 'internal') continue;
    const o = tallies.get(c.webhookId) ?? { webhookId: c.webhookId, tenantId: c.tenantId, lastSuccessAt: null, failuresAfter: 0, firstFailureAfter: null };
    if (a.succeeded) Object.assign(o, { lastSuccessAt: a.startedAt, failuresAfter: 0, firstFailureAfter: null });
    else Object.assign(o, { failuresAfter: o.failuresAfter + 1, firstFailureAfter: o.firstFailureAfter ?? a.startedAt });
    tallies.set(c.webhookId, o);
  }
  return [...tallies.values()].sort((a, b) => (a.webhookId < b.webhookId ? -1 : 1));
}

/**
 * How stale a webhook's last_success_at may be: a success on a webhook whose record is clean (no
 * failures, not failing) changes nothing else, and is written only when the one stored is older.
 */
export const LAST_SUCCESS_GRAIN_MS = 1_000;

/** The tallies as the row list `w` (w_id, w_success, w_failures, w_first), for a WITH clause. */
const TALLY_COLUMNS: readonly ListColumn[] = [['w_id', 'text'], ['w_success', 'bigint'], ['w_failures', 'integer'], ['w_first', 'bigint']];
const tallyList = (engine: Engine, tallies: readonly WebhookTally[]) =>
  rowList(engine, 'w', TALLY_COLUMNS, tallies.map((o) => [o.webhookId, o.lastSuccessAt, o.failuresAfter, o.firstFailureAfter]));

/** Whether a tally `w` changes its webhook's record (see updateFailureRecords); the `?` is now − LAST_SUCCESS_GRAIN_MS. */
const RECORD_CHANGES = `NOT (w.w_success IS NOT NULL AND w.w_failures = 0 AND webhooks.consecutive_failures = 0
  AND webhooks.failing_since IS NULL AND webhooks.last_success_at IS NOT NULL AND webhooks.last_success_at >= CAST(? AS bigint))`;
/** Locks the webhooks whose record changes, in id order (see updateFailureRecords). */
const LOCK_CHANGED_RECORDS = `FROM webhooks JOIN w ON webhooks.id = w.w_id WHERE ${RECORD_CHANGES} ORDER BY webhooks.id FOR NO KEY UPDATE OF webhooks`;
const RECORD_SET = `consecutive_failures = CASE WHEN w.w_success IS NULL THEN consecutive_failures + w.w_failures ELSE w.w_failures END,
  failing_since = CASE WHEN w.w_success IS NULL THEN COALESCE(failing_since, w.w_first) ELSE w.w_first END,
  last_success_at = COALESCE(w.w_success, last_success_at)`;
const RECORD_RETURNING = 'webhooks.id, webhooks.tenant_id, webhooks.enabled, webhooks.auto_disable, webhooks.consecutive_failures, webhooks.failing_since';

interface RecordRow { id: string; tenant_id: string; enabled: number | boolean; auto_disable: number | boolean; consecutive_failures: number | string; failing_since: number | string | null }

const toRecord = (row: RecordRow): FailureRecord => ({
  tenantId: row.tenant_id, webhookId: row.id, enabled: Boolean(Number(row.enabled)), autoDisable: Boolean(Number(row.auto_disable)),
  consecutiveFailures: Number(row.consecutive_failures), failingSince: row.failing_since === null ? null : Number(row.failing_since),
});

/**
 * Updates the webhooks' failure records that change and returns them. A clean success on a clean
 * record within LAST_SUCCESS_GRAIN_MS of the last one stored is no change: the webhook's row is
 * neither locked nor written, so workers recording a busy, healthy webhook's results do not queue
 * on its row (every result transaction took it before, and 2 or 3 workers delivered less than 1).
 * On PostgreSQL the rows that change are locked first, in id order (the lock order:
 * kysely/store.ts), FOR NO KEY UPDATE, the lock the UPDATE takes anyway: it leaves ingest's
 * foreign-key checks (FOR KEY SHARE on the same webhooks) free to go on, where FOR UPDATE made
 * ingest and the workers wait on each other, and deadlock.
 */
async function updateFailureRecords(trx: Db, tallies: WebhookTally[], lockRows: boolean, now: number, engine: Engine): Promise<FailureRecord[]> {
  const records: FailureRecord[] = [];
  for (const part of chunks(tallies)) {
    const w = tallyList(engine, part);
    const threshold = now - LAST_SUCCESS_GRAIN_MS;
    // PostgreSQL: the UPDATE touches exactly the rows locked, not those its own later look would
    // find changing (a record another worker just wrote): a row locked there, out of id order,
    // deadlocked with the workers. A clean success left out so is no loss: the next one writes it.
    let only: { where: string; params: unknown[] } = { where: RECORD_CHANGES, params: [threshold] };
    if (lockRows) {
      const locked = await runText<{ id: string }>(trx, engine, ['WITH', ...w.segments, `SELECT webhooks.id ${LOCK_CHANGED_RECORDS}`], [...w.params, threshold]);
      if (locked.rows.length === 0) continue;
      only = { where: 'webhooks.id = ANY(CAST(? AS text[]))', params: [locked.rows.map((r) => r.id)] };
    }
    const result = await runText<RecordRow>(trx, engine, ['WITH', ...w.segments, `UPDATE webhooks SET ${RECORD_SET} FROM w WHERE webhooks.id = w.w_id AND ${only.where} RETURNING ${RECORD_RETURNING}`],
      [...w.params, ...only.params]);
    for (const row of result.rows) records.push(toRecord(row));
  }
  return records.sort((a, b) => (a.webhookId < b.webhookId ? -1 : 1));
}

interface Moved { id: string; webhook_id: string; ordering_key: string | null; status: string }

/** What the deliveries' UPDATE returns: on PostgreSQL whether the body is shared, on SQLite the body stored after a retry (see updateDeliveries). */
type MovedRow = Moved & { body_shared?: number | string; stored_body?: string | null; tried?: number | string };

/** The completions as the row list `v`, one row each (deliveryRow). */
const DELIVERY_LIST: readonly ListColumn[] = [['d_id', 'text'], ['d_lease', 'text'], ['d_status', 'text'], ['d_due', 'bigint'], ['d_tried', 'integer'],
  ['d_at', 'bigint'], ['d_code', 'integer'], ['d_body', 'text']];
const deliveryRow = (c: Completion): unknown[] => {
  const a = c.attempt;
  return [c.deliveryId, c.leaseId, c.status, c.dueAt, a ? 1 : 0, a?.startedAt ?? null, a?.response?.status ?? 0, a?.request.body ?? null];
};
/** What a completion `v` does to its delivery, if its lease still holds; the `?` is now. */
const MOVE_DELIVERIES = `UPDATE deliveries SET
    status = v.d_status, due_at = v.d_due, lease_id = NULL, updated_at = CAST(? AS bigint),
    attempts = attempts + v.d_tried,
    last_attempt_at = CASE WHEN v.d_tried = 1 THEN v.d_at ELSE last_attempt_at END,
    last_status_code = CASE WHEN v.d_tried = 0 THEN last_status_code WHEN v.d_code = 0 THEN NULL ELSE v.d_code END,
    request_body = CASE WHEN request_body IS NULL AND v.d_body <> '' THEN v.d_body ELSE request_body END
  FROM v WHERE deliveries.id = v.d_id AND deliveries.lease_id = v.d_lease`;
/** On PostgreSQL, whether an attempt sent the body its delivery stores (see updateDeliveries). */
const BODY_SHARED_PG = 'CASE WHEN deliveries.request_body = v.d_body THEN 1 ELSE 0 END AS body_shared';

/** The deliveries' UPDATE after the row list `v`, then `now` (the last parameter): engine by engine, what RETURNING tells of the body (see updateDeliveries). */
const updateDeliveriesTail = (returnBody: string): string =>
  `${MOVE_DELIVERIES} RETURNING deliveries.id, deliveries.webhook_id, deliveries.ordering_key, deliveries.status, ${returnBody}`;
const UPDATE_DELIVERIES: Record<Engine, string> = {
  postgres: updateDeliveriesTail(BODY_SHARED_PG),
  sqlite: updateDeliveriesTail('deliveries.attempts AS tried, CASE WHEN deliveries.attempts = 1 THEN NULL ELSE deliveries.request_body END AS stored_body'),
};

/**
 * Moves the deliveries on; returns those still leased by these completions (a lost lease means
 * another worker owns it now), and of those the ids whose attempt sent the body its delivery
 * stores (written now, with its first attempt that sends a body; an empty body is not stored:
 * it costs its attempt nothing). PostgreSQL compares the bodies itself (length first, then the
 * bytes); SQLite's RETURNING cannot read the VALUES of an UPDATE … FROM (and a subquery there
 * scans them once per row), so the comparison is made here: after a first attempt (nothing was
 * stored before it) the body is shared when it is not empty; after a retry SQLite returns the
 * body stored — in-process, a copy — to compare with.
 */
async function updateDeliveries(trx: Db, completions: readonly Completion[], now: number, engine: Engine): Promise<{ moved: Moved[]; shared: Set<string> }> {
  const moved: Moved[] = [];
  const shared = new Set<string>();
  const bodies = new Map<string, string>();
  for (const c of completions) if (c.attempt) bodies.set(c.deliveryId, c.attempt.request.body);
  // In id order, as every transaction takes delivery rows (kysely/store.ts).
  const ordered = [...completions].sort(byId((c) => c.deliveryId));
  for (const part of chunks(ordered)) {
    const v = rowList(engine, 'v', DELIVERY_LIST, part.map(deliveryRow));
    const result = await runText<MovedRow>(trx, engine, ['WITH', ...v.segments, UPDATE_DELIVERIES[engine]], [...v.params, now]);
    for (const r of result.rows) {
      moved.push({ id: r.id, webhook_id: r.webhook_id, ordering_key: r.ordering_key, status: r.status });
      const body = bodies.get(r.id);
      if (body === undefined || body === '') continue;
      if (r.body_shared !== undefined ? Number(r.body_shared) === 1 : Number(r.tried) === 1 || r.stored_body === body) shared.add(r.id);
    }
  }
  return { moved, shared };
}

const ENDED = new Set(['succeeded', 'failed', 'cancelled']);

/**
 * A delivery with an ordering key that has ended (succeeded, finally failed, cancelled) lets the
 * next of its webhook and key go: the oldest one blocked behind it falls due now, or is held if
 * its webhook is disabled. Only when no other live delivery of that key goes already.
 */
export async function unblockNext(trx: Db, ended: readonly { webhook_id: string; ordering_key: string }[], now: number): Promise<void> {
  const pairs = [...new Map(ended.map((e) => [`${e.webhook_id}\n${e.ordering_key}`, e])).values()];
  for (const part of chunks(pairs)) {
    const values = sql.join(part.map((p) => sql`(${p.webhook_id}, ${p.ordering_key})`));
    await sql`
      WITH v(w, k) AS (VALUES ${values})
      UPDATE deliveries SET blocked = 0, updated_at = ${bigint(now)},
        due_at = CASE WHEN (SELECT enabled FROM webhooks WHERE webhooks.id = deliveries.webhook_id) = 1 THEN ${bigint(now)} ELSE NULL END
      WHERE id IN (SELECT (SELECT d.id FROM deliveries d WHERE d.webhook_id = v.w AND d.ordering_key = v.k AND d.status = 'pending' AND d.blocked = 1 ORDER BY d.id LIMIT 1) FROM v)
        AND NOT EXISTS (SELECT 1 FROM deliveries e WHERE e.webhook_id = deliveries.webhook_id AND e.ordering_key = deliveries.ordering_key
          AND e.status IN ('pending', 'delivering') AND e.blocked = 0)`.execute(trx);
  }
}

/** An attempt row's columns, in the order the writers list them. */
export const ATTEMPT_COLUMNS = ['id', 'delivery_id', 'tenant_id', 'webhook_id', 'started_at', 'duration_ms', 'request', 'response', 'error_kind', 'error_message', 'succeeded'] as const;

type AttemptColumn = (typeof ATTEMPT_COLUMNS)[number];
const ATTEMPT_TYPES: Record<AttemptColumn, ListColumn[1]> = {
  id: 'text', delivery_id: 'text', tenant_id: 'text', webhook_id: 'text', started_at: 'bigint', duration_ms: 'integer',
  request: 'text', response: 'text', error_kind: 'text', error_message: 'text', succeeded: 'integer',
};
/** Attempts as a row list (rowList), its columns named as the table's. */
const ATTEMPT_LIST: readonly ListColumn[] = ATTEMPT_COLUMNS.map((column) => [column, ATTEMPT_TYPES[column]] as const);
const attemptValues = (row: Record<AttemptColumn, unknown>): unknown[] => ATTEMPT_COLUMNS.map((column) => row[column]);

/** A completion's attempt as its row (the completion has one); without its body when `shared`, which its delivery stores. */
function attemptRow(c: Completion, shared: boolean): Record<AttemptColumn, unknown> {
  const a = c.attempt!;
  return {
    id: a.id, delivery_id: c.deliveryId, tenant_id: c.tenantId, webhook_id: c.webhookId, started_at: a.startedAt, duration_ms: a.durationMs,
    request: storedRequest(a.request, shared), response: jsonOrNull(a.response), error_kind: a.errorKind, error_message: a.errorMessage, succeeded: a.succeeded ? 1 : 0,
  };
}

/** Inserts the attempts of the deliveries `updated`; those of `shared` without their body, which their delivery stores. */
async function insertAttempts(trx: Db, completions: readonly Completion[], updated: Set<string>, shared: Set<string>, engine: Engine): Promise<void> {
  const rows = completions.flatMap((c) => (c.attempt && updated.has(c.deliveryId) ? [attemptRow(c, shared.has(c.deliveryId))] : []));
  for (const part of chunks(rows)) {
    const a = rowList(engine, 'a', ATTEMPT_LIST, part.map(attemptValues));
    await runText(trx, engine, ['WITH', ...a.segments, `INSERT INTO attempts (${ATTEMPT_COLUMNS.join(', ')}) SELECT * FROM a`], a.params);
  }
}

/**
 * Completions one statement records at most on PostgreSQL (recordInOneStatement), as many as a
 * chunk of the transaction's statements. It saves four round trips a batch. While its rows went
 * as VALUES, the server spent more planning it than the transaction's statements as batches grew
 * (1,906 parameters at 100 rows), and it took batches of at most 20; as JSON (rowList) its text
 * is the same for any batch, and at 100 rows it costs a third less than the transaction,
 * Relais and server together (docs/benchmark.md, "Issue 17, fifth look").
 */
const ONE_STATEMENT_MAX = 1_000;

/**
 * PostgreSQL, for a batch of successes of deliveries with no ordering key (healthy webhooks'
 * usual batch, at a steady rate or under a backlog): everything the transaction below does, in one
 * autocommitted statement, so one round trip where the transaction took five (begin, the
 * records' lock, the deliveries, the attempts, commit).
 * - The records: a success only refreshes a record that is not clean, or whose last success is
 *   older than the grain. One statement has one snapshot, so its UPDATE would follow the update
 *   chains of rows other writers changed since, and waiting there deadlocked (lock-order.test.ts
 *   saw it): the rows are locked SKIP LOCKED instead, so this statement never waits on a webhook
 *   row. A record another writer holds right now is left to the next success, as the grain
 *   leaves a fresh one (LAST_SUCCESS_GRAIN_MS). Failures, which must be counted, take the
 *   transaction.
 * - The deliveries are this writer's own (their lease), locked after the records: the query
 *   reads the records' UPDATE first; the deliveries' UPDATE, read only by the attempts' INSERT,
 *   runs at its end, as PostgreSQL runs the data-modifying CTEs that the query does not read.
 * - An attempt's request is stored without its body when its delivery stores the same one (as
 *   storedRequest writes it), else with it, added here: the body is sent once either way.
 */
async function recordInOneStatement(db: Db, completions: readonly Completion[], now: number): Promise<FailureRecord[]> {
  const tallies = talliesByWebhook(completions);
  const ordered = [...completions].sort(byId((c) => c.deliveryId));
  const attempted = ordered.filter((c) => c.attempt);
  const w = tallyList('postgres', tallies);
  const v = rowList('postgres', 'v', DELIVERY_LIST, ordered.map(deliveryRow));
  // Each body is added in SQL when its delivery stores another.
  const a = rowList('postgres', 'a', ATTEMPT_LIST, attempted.map((c) => attemptValues(attemptRow(c, true))));
  const segments: Segment[] = ['WITH', ...w.segments, ',', ...v.segments, ',', ...a.segments,
    `, locked AS (SELECT webhooks.id ${LOCK_CHANGED_RECORDS} SKIP LOCKED)
    , records AS (UPDATE webhooks SET ${RECORD_SET} FROM w WHERE webhooks.id = w.w_id AND webhooks.id IN (SELECT id FROM locked) RETURNING ${RECORD_RETURNING})
    , moved AS (${MOVE_DELIVERIES} RETURNING deliveries.id, v.d_body, ${BODY_SHARED_PG})
    , logged AS (INSERT INTO attempts (${ATTEMPT_COLUMNS.join(', ')})
        SELECT a.id, a.delivery_id, a.tenant_id, a.webhook_id, a.started_at, a.duration_ms,
          CASE WHEN moved.body_shared = 1 THEN a.request ELSE left(a.request, -1) || ',"body":' || to_json(COALESCE(moved.d_body, ''))::text || '}' END,
          a.response, a.error_kind, a.error_message, a.succeeded
        FROM a JOIN moved ON moved.id = a.delivery_id)
    SELECT * FROM records`,
  ];
  const params = [
    ...w.params, ...v.params, ...a.params,
    now - LAST_SUCCESS_GRAIN_MS, // the records' lock
    now, // the deliveries' updated_at
  ];
  const result = await runText<RecordRow>(db, 'postgres', segments, params);
  return result.rows.map(toRecord).sort((a, b) => (a.webhookId < b.webhookId ? -1 : 1));
}

/**
 * Records attempts and moves deliveries on, in one transaction; returns the touched webhooks' failure
 * records. A completion with a value the store cannot hold is refused (RowValueError) before the
 * transaction begins: the writer is to record it apart (see dispatcher/completions.ts).
 */
export async function recordCompletions(db: Kysely<Database>, completions: readonly Completion[], now: number, lockRows: boolean, engine: Engine = lockRows ? 'postgres' : 'sqlite'): Promise<FailureRecord[]> {
  if (completions.length === 0) return [];
  for (const c of completions) {
    const problems = completionProblems(c);
    if (problems.length) throw new RowValueError(problems.map((p) => ({ ...p, field: `${c.deliveryId}.${p.field}` })));
  }
  if (engine === 'postgres' && completions.length <= ONE_STATEMENT_MAX && completions.every((c) => c.keyed === false && c.attempt?.succeeded)) {
    return recordInOneStatement(db, completions, now);
  }
  return db.transaction().execute(async (trx) => {
    const records = await updateFailureRecords(trx, talliesByWebhook(completions), lockRows, now, engine);
    const { moved, shared } = await updateDeliveries(trx, completions, now, engine);
    await insertAttempts(trx, completions, new Set(moved.map((m) => m.id)), shared, engine);
    const ended = moved.flatMap((m) => (m.ordering_key !== null && ENDED.has(m.status) ? [{ webhook_id: m.webhook_id, ordering_key: m.ordering_key }] : []));
    if (ended.length > 0) await unblockNext(trx, ended, now);
    return records;
  });
}
