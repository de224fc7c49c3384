// Recording a batch of completions (what came of each attempt) in a constant number of statements, whatever the batch's
// size: one UPDATE … FROM (VALUES …) for the webhooks' failure records, one for the deliveries,
// one multi-row INSERT for the attempts. Per-row statements cost a round trip each on
// PostgreSQL and a statement each on SQLite; the dispatcher records thousands a second.
// A request body is stored once per delivery (migration 0014): the deliveries' UPDATE writes it
// to deliveries.request_body with the first attempt that sends one and tells, per delivery,
// whether this attempt's body is the one stored; the attempt row then keeps its request without
// the body. No statement more than before, and the body is sent to the database once, as before.
import { sql, type Kysely, type RawBuilder, type Transaction } from 'kysely';
import type { Database } from '../schema.ts';
import type { Completion, Engine, FailureRecord } from '../store.ts';
import { completionProblems, RowValueError } from '../row-limits.ts';
import { byId, chunks, jsonOrNull, storedRequest } from './rows.ts';
import { insertRows, runValues, type ValuesStatement } from './raw-values.ts';

type Db = Kysely<Database> | Transaction<Database>;

// Parameters in VALUES have no declared type: PostgreSQL would read them as text.
export const bigint = (v: number | null): RawBuilder<number | null> => sql`CAST(${v} AS bigint)`;
const integer = (v: number): RawBuilder<number> => sql`CAST(${v} AS integer)`;
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
async function updateFailureRecords(trx: Db, tallies: WebhookTally[], lockRows: boolean, now: number): Promise<FailureRecord[]> {
  const records: FailureRecord[] = [];
  for (const part of chunks(tallies)) {
    const values = sql`WITH v(w_id, w_success, w_failures, w_first) AS (VALUES ${sql.join(part.map((o) =>
      sql`(${o.webhookId}, ${bigint(o.lastSuccessAt)}, ${integer(o.failuresAfter)}, ${bigint(o.firstFailureAfter)})`))})`;
    const changes = sql`NOT (v.w_success IS NOT NULL AND v.w_failures = 0 AND webhooks.consecutive_failures = 0
      AND webhooks.failing_since IS NULL AND webhooks.last_success_at IS NOT NULL AND webhooks.last_success_at >= ${bigint(now - LAST_SUCCESS_GRAIN_MS)})`;
    // PostgreSQL: the UPDATE touches exactly the rows locked, not those its own later look would
    // find changing (a record another worker just wrote): a row locked there, out of id order,
    // deadlocked with the workers. A clean success left out so is no loss: the next one writes it.
    let only = sql`TRUE`;
    if (lockRows) {
      const locked = await sql<{ id: string }>`${values}
        SELECT webhooks.id FROM webhooks JOIN v ON webhooks.id = v.w_id WHERE ${changes}
        ORDER BY webhooks.id FOR NO KEY UPDATE OF webhooks`.execute(trx);
      if (locked.rows.length === 0) continue;
      only = sql`webhooks.id IN (${sql.join(locked.rows.map((r) => r.id))})`;
    }
    const result = await sql<{ id: string; tenant_id: string; enabled: number | boolean; auto_disable: number | boolean; consecutive_failures: number; failing_since: number | null }>`${values}
      UPDATE webhooks SET
        consecutive_failures = CASE WHEN v.w_success IS NULL THEN consecutive_failures + v.w_failures ELSE v.w_failures END,
        failing_since = CASE WHEN v.w_success IS NULL THEN COALESCE(failing_since, v.w_first) ELSE v.w_first END,
        last_success_at = COALESCE(v.w_success, last_success_at)
      FROM v WHERE webhooks.id = v.w_id AND ${lockRows ? only : changes}
      RETURNING id, tenant_id, enabled, auto_disable, consecutive_failures, failing_since`.execute(trx);
    for (const row of result.rows) {
      records.push({
        tenantId: row.tenant_id, webhookId: row.id, enabled: Boolean(Number(row.enabled)), autoDisable: Boolean(Number(row.auto_disable)),
        consecutiveFailures: Number(row.consecutive_failures), failingSince: row.failing_since === null ? null : Number(row.failing_since),
      });
    }
  }
  return records.sort((a, b) => (a.webhookId < b.webhookId ? -1 : 1));
}

interface Moved { id: string; webhook_id: string; ordering_key: string | null; status: string }

/** What the deliveries' UPDATE returns: on PostgreSQL whether the body is shared, on SQLite the body stored after a retry (see updateDeliveries). */
type MovedRow = Moved & { body_shared?: number | string; stored_body?: string | null; tried?: number | string };

/** The deliveries' UPDATE: the VALUES rows, then `now` (the last parameter); engine by engine, what RETURNING tells of the body (see updateDeliveries). */
const updateDeliveriesStatement = (returnBody: string): ValuesStatement => ({
  head: 'WITH v(d_id, d_lease, d_status, d_due, d_tried, d_at, d_code, d_body) AS (VALUES',
  row: '(?, ?, ?, CAST(? AS bigint), CAST(? AS integer), CAST(? AS bigint), CAST(? AS integer), CAST(? AS text))',
  tail: `)
      UPDATE deliveries SET
        status = v.d_status, due_at = v.d_due, lease_id = NULL, updated_at = CAST(? AS bigint),
        attempts = attempts + v.d_tried,
        last_attempt_at = CASE WHEN v.d_tried = 1 THEN v.d_at ELSE last_attempt_at END,
        last_status_code = CASE WHEN v.d_tried = 0 THEN last_status_code WHEN v.d_code = 0 THEN NULL ELSE v.d_code END,
        request_body = CASE WHEN request_body IS NULL AND v.d_body <> '' THEN v.d_body ELSE request_body END
      FROM v WHERE deliveries.id = v.d_id AND deliveries.lease_id = v.d_lease
      RETURNING deliveries.id, deliveries.webhook_id, deliveries.ordering_key, deliveries.status, ${returnBody}`,
});
const UPDATE_DELIVERIES_PG = updateDeliveriesStatement('CASE WHEN deliveries.request_body = v.d_body THEN 1 ELSE 0 END AS body_shared');
const UPDATE_DELIVERIES_SQLITE = updateDeliveriesStatement('deliveries.attempts AS tried, CASE WHEN deliveries.attempts = 1 THEN NULL ELSE deliveries.request_body END AS stored_body');

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
    const params: unknown[] = [];
    for (const c of part) {
      const a = c.attempt;
      params.push(c.deliveryId, c.leaseId, c.status, c.dueAt, a ? 1 : 0, a?.startedAt ?? null, a?.response?.status ?? 0, a?.request.body ?? null);
    }
    params.push(now);
    const result = await runValues<MovedRow>(trx, engine, engine === 'postgres' ? UPDATE_DELIVERIES_PG : UPDATE_DELIVERIES_SQLITE, part.length, params);
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

const ATTEMPT_COLUMNS = ['id', 'delivery_id', 'tenant_id', 'webhook_id', 'started_at', 'duration_ms', 'request', 'response', 'error_kind', 'error_message', 'succeeded'] as const;

/** Inserts the attempts of the deliveries `updated`; those of `shared` without their body, which their delivery stores. */
async function insertAttempts(trx: Db, completions: readonly Completion[], updated: Set<string>, shared: Set<string>, engine: Engine): Promise<void> {
  const rows = completions.flatMap((c) => {
    const a = c.attempt;
    if (!a || !updated.has(c.deliveryId)) return [];
    return [{
      id: a.id, delivery_id: c.deliveryId, tenant_id: c.tenantId, webhook_id: c.webhookId, started_at: a.startedAt, duration_ms: a.durationMs,
      request: storedRequest(a.request, shared.has(c.deliveryId)), response: jsonOrNull(a.response), error_kind: a.errorKind, error_message: a.errorMessage, succeeded: a.succeeded ? 1 : 0,
    }];
  });
  for (const part of chunks(rows)) await insertRows(trx, engine, 'attempts', ATTEMPT_COLUMNS, part);
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
  return db.transaction().execute(async (trx) => {
    const records = await updateFailureRecords(trx, talliesByWebhook(completions), lockRows, now);
    const { moved, shared } = await updateDeliveries(trx, completions, now, engine);
    await insertAttempts(trx, completions, new Set(moved.map((m) => m.id)), shared, engine);
    const ended = moved.flatMap((m) => (m.ordering_key !== null && ENDED.has(m.status) ? [{ webhook_id: m.webhook_id, ordering_key: m.ordering_key }] : []));
    if (ended.length > 0) await unblockNext(trx, ended, now);
    return records;
  });
}
