// Ingest: events and their deliveries are written in one transaction, so an accepted event
// always has its deliveries queued, and a crash never leaves one without the other. A batch
// costs a fixed handful of statements, not a few per event.
import { sql, type Insertable, type Kysely, type Selectable, type Transaction } from 'kysely';
import type { RelaisEvent, Webhook } from '../../core/model.ts';
import type { Database, EventsTable, WebhooksTable } from '../schema.ts';
import type { ClaimedDelivery, Engine, IdMaker, IngestLease, IngestResult, Matcher, NewEvent, ReceivedEvent, Store } from '../store.ts';
import { inList, insertRows } from './raw-values.ts';
import { byId, chunks, json, jsonOrNull, NEW_DELIVERY_COLUMNS, NEW_EVENT_COLUMNS, toDelivery, toEvent, toWebhook, type DeliveryRow, type WebhookRow } from './rows.ts';
import type { SecretBox } from './secrets.ts';
import { readWebhook, webhookRowsWithTenantKey } from './webhooks.ts';

// Rows per multi-row INSERT: well under SQLite's and PostgreSQL's bound-parameter limits.
const INSERT_CHUNK = 500;
/** Deliveries one statement stores at most (postgres/ingest-statement.ts): its two JSON arrays stay a few MB. */
const ONE_STATEMENT_MAX = 5_000;

/**
 * The webhooks an event may go to: the enabled ones, and those disabled by their failure policy
 * (a disabled_reason), whose deliveries are held rather than skipped. One disabled by hand gets
 * nothing. On PostgreSQL the disabled ones are read again under FOR SHARE, in id order (lock
 * order: store.ts): enabling one waits for this transaction to commit, so the release it makes
 * then sees the deliveries held here; one enabled meanwhile is read as it is now, and its
 * deliveries are due at once.
 */
function readTargets(db: Kysely<Database>, tenantId: string): Promise<WebhookRow[]> {
  return webhookRowsWithTenantKey(db).where('tenant_id', '=', tenantId)
    .where((eb) => eb.or([eb('enabled', '=', 1), eb('disabled_reason', 'is not', null)])).execute();
}

async function targetWebhooks(trx: Transaction<Database>, tenantId: string, lockRows: boolean, read?: Selectable<WebhooksTable>[]): Promise<{ webhooks: Webhook[]; rows: Map<string, Selectable<WebhooksTable>> }> {
  // `read`: the rows read just before the transaction (READ COMMITTED: its own first read would see no more).
  let rows = read ?? await readTargets(trx, tenantId);
  const disabled = rows.filter((r) => Number(r.enabled) !== 1).map((r) => r.id).sort();
  if (lockRows && disabled.length > 0) {
    const locked = await webhookRowsWithTenantKey(trx).where('id', 'in', disabled).orderBy('id').forShare().execute();
    const current = new Map(locked.filter((r) => Number(r.enabled) === 1 || r.disabled_reason !== null).map((r) => [r.id, r]));
    rows = rows.flatMap((r) => (Number(r.enabled) === 1 ? [r] : current.has(r.id) ? [current.get(r.id)!] : []));
  }
  // Matching never needs the secret: leave it sealed rather than pay for opening it. Only a
  // delivery leased here, about to be sent, needs its webhook's secrets.
  return { webhooks: rows.map((r) => toWebhook(r, '')), rows: new Map(rows.map((r) => [r.id, r])) };
}

async function eventsByKey(trx: Kysely<Database>, engine: Engine, tenantId: string, keys: readonly string[]): Promise<Map<string, RelaisEvent>> {
  const found = new Map<string, RelaisEvent>();
  for (const part of chunks(keys, INSERT_CHUNK)) {
    const rows = await trx.selectFrom('events').selectAll()
      .where('tenant_id', '=', tenantId).where(inList(engine, 'idempotency_key', part)).execute();
    for (const r of rows) found.set(r.idempotency_key!, toEvent(r));
  }
  return found;
}

const NO_LEASE: IngestLease = { take: () => 0, leaseId: '', until: 0 };

const pairOf = (webhookId: string, key: string): string => `${webhookId}\n${key}`;

/**
 * Order of key (migrations/0010): each new delivery with an ordering key behind a live delivery
 * of the same webhook and key (stored before, or earlier in this batch) waits, blocked, with no
 * due time; the one ahead lets it go when it ends (completions.ts unblockNext). On PostgreSQL the
 * latest live delivery of each key is read FOR SHARE, its status checked again once locked: a
 * result writer ending it meanwhile either commits first (then it is no longer live here, and
 * nothing waits) or waits for this transaction (then it finds and lets go what is blocked here).
 */
async function blockBehindKeys(trx: Transaction<Database>, rows: DeliveryRow[], lockRows: boolean): Promise<void> {
  const keyed = rows.filter((r) => r.ordering_key !== null);
  if (keyed.length === 0) return;
  const pairs = [...new Map(keyed.map((r) => [pairOf(r.webhook_id, r.ordering_key!), [r.webhook_id, r.ordering_key!] as const])).values()];
  const live = new Set<string>();
  for (const part of chunks(pairs, INSERT_CHUNK)) {
    const values = sql.join(part.map(([w, k]) => sql`(${w}, ${k})`));
    const { rows: found } = await sql<{ webhook_id: string; ordering_key: string }>`
      WITH v(w, k) AS (VALUES ${values})
      SELECT webhook_id, ordering_key FROM deliveries
      WHERE id IN (SELECT (SELECT d.id FROM deliveries d WHERE d.webhook_id = v.w AND d.ordering_key = v.k AND d.status IN ('pending', 'delivering') ORDER BY d.id DESC LIMIT 1) FROM v)
        AND status IN ('pending', 'delivering')
      ORDER BY id${lockRows ? sql` FOR SHARE` : sql``}`.execute(trx);
    for (const f of found) live.add(pairOf(f.webhook_id, f.ordering_key));
  }
  for (const r of keyed) {
    const pair = pairOf(r.webhook_id, r.ordering_key!);
    if (live.has(pair)) Object.assign(r, { blocked: 1, due_at: null });
    else live.add(pair); // the first of its key: those after it in this batch wait for it
  }
}

type Planned = { event: NewEvent; row: Insertable<EventsTable>; targets: Webhook[] };

/** A value's JSON text: the producer's own (its numbers as written) when ingest kept it. */
const exactOrNull = (value: unknown, text: string | undefined): string | null => (value === null || value === undefined ? null : text ?? json(value));

/**
 * The rows to insert: every event but one whose key was used earlier in this batch, with the
 * webhooks it goes to. One whose key was stored before is not inserted (ON CONFLICT) and is read
 * back then (answer): no query up front for keys that are almost always new.
 */
function plan(tenantId: string, events: readonly NewEvent[], webhooks: Webhook[], match: Matcher, now: number): Planned[] {
  const planned: Planned[] = [];
  const batchKeys = new Set<string>();
  for (const e of events) {
    if (e.idempotencyKey !== null) {
      if (batchKeys.has(e.idempotencyKey)) continue;
      batchKeys.add(e.idempotencyKey);
    }
    // In id order whatever order the matcher answers in: the inserts lock webhooks in this order (lock order: store.ts).
    const targets = match(webhooks, e).sort(byId((w) => w.id));
    planned.push({
      event: e,
      targets,
      row: {
        id: e.id, tenant_id: tenantId, idempotency_key: e.idempotencyKey, type: e.type,
        occurred_at: e.occurredAt, received_at: now, data: e.dataJson ?? json(e.data), actor: jsonOrNull(e.actor),
        resource: jsonOrNull(e.resource), previous: exactOrNull(e.previous, e.previousJson), changes: exactOrNull(e.changes, e.changesJson),
        deliveries_count: targets.length, ordering_key: e.orderingKey ?? null,
      },
    });
  }
  return planned;
}

/** A delivery for each target; one to a webhook disabled by its failure policy is held (no due time). */
function deliveriesOf(tenantId: string, planned: readonly Planned[], newDeliveryId: IdMaker, now: number): DeliveryRow[] {
  return planned.flatMap((f) => f.targets.map((w) => ({
    id: newDeliveryId(), tenant_id: tenantId, event_id: f.event.id, event_type: f.event.type, webhook_id: w.id,
    status: 'pending', attempts: 0, due_at: w.enabled ? now : null, lease_id: null, last_attempt_at: null, last_status_code: null, parked_for: null,
    created_at: now, updated_at: now, ordering_key: w.ordering === 'key' ? f.event.orderingKey ?? null : null, blocked: 0,
  })));
}

/** Leases the first deliveries this process's dispatcher has room for; held and blocked ones are never leased. */
function leaseFirst(deliveries: DeliveryRow[], lease: IngestLease): DeliveryRow[] {
  const live = deliveries.filter((d) => d.due_at !== null);
  const leased = live.slice(0, live.length ? lease.take(live.length) : 0);
  for (const d of leased) Object.assign(d, { status: 'delivering', due_at: lease.until, lease_id: lease.leaseId });
  return leased;
}

/** Answers in the order asked; a repeated key answers with the event stored under it (read back here). */
async function answer(db: Kysely<Database>, engine: Engine, tenantId: string, events: readonly NewEvent[], inserted: Map<string, Selectable<EventsTable>>): Promise<IngestResult[]> {
  const byKey = new Map<string, RelaisEvent>();
  for (const r of inserted.values()) if (r.idempotency_key !== null) byKey.set(r.idempotency_key, toEvent(r));
  // Not inserted, and not a key repeated in this batch: stored before, or by an ingest that committed first.
  const lost = [...new Set(events.filter((e) => !inserted.has(e.id) && !byKey.has(e.idempotencyKey!)).map((e) => e.idempotencyKey!))];
  if (lost.length) for (const [key, event] of await eventsByKey(db, engine, tenantId, lost)) byKey.set(key, event);
  return events.map((e): IngestResult => {
    const row = inserted.get(e.id);
    return row ? { event: toEvent(row), created: true } : { event: byKey.get(e.idempotencyKey!)!, created: false };
  });
}

/**
 * PostgreSQL's ingest in one statement (postgres/ingest-statement.ts): the events (ON CONFLICT
 * on their key: the ones inserted come back), the deliveries of those inserted, and a NOTIFY to
 * other processes' workers when any of them is left to claim.
 */
export type IngestStatement = (db: Kysely<Database>, events: Insertable<EventsTable>[], deliveries: DeliveryRow[]) =>
  Promise<{ inserted: Selectable<EventsTable>[]; othersWoken: boolean }>;

export function eventQueries(db: Kysely<Database>, box: SecretBox, engine: Engine, inOneStatement?: IngestStatement): Store['events'] {
  const lockRows = engine === 'postgres';
  const queries: Store['events'] = {
    async ingest(tenantId, events, match, newDeliveryId, now) {
      return (await queries.ingestLeasing(tenantId, events, match, newDeliveryId, now, NO_LEASE)).results;
    },
    async ingestLeasing(tenantId, events, match, newDeliveryId, now, lease = NO_LEASE) {
      let read: Selectable<WebhooksTable>[] | undefined;
      if (inOneStatement) {
        // The tenant's webhooks read apart: in READ COMMITTED a transaction's first read sees no
        // more than this one does. Only the FOR SHARE on held webhooks' rows needs the transaction,
        // and only a keyed event to a keyed webhook needs its blocking: those go there, with these rows.
        const rows = (read = await readTargets(db, tenantId));
        const keyed = events.some((e) => e.orderingKey) && rows.some((r) => r.ordering === 'key');
        const held = rows.some((r) => Number(r.enabled) !== 1);
        const planned = keyed || held ? [] : plan(tenantId, events, rows.map((r) => toWebhook(r, '')), match, now);
        const deliveries = deliveriesOf(tenantId, planned, newDeliveryId, now);
        if (!keyed && !held && deliveries.length <= ONE_STATEMENT_MAX) {
          const leased = leaseFirst(deliveries, lease);
          const { inserted, othersWoken } = await inOneStatement(db, planned.map((p) => p.row), deliveries);
          const stored = new Map(inserted.map((r) => [r.id, r]));
          const results = await answer(db, engine, tenantId, events, stored);
          // A delivery of an event not inserted (its key was stored already) was not stored either.
          const leasedStored = leased.filter((d) => stored.has(d.event_id));
          return { results, leased: leasedDeliveries(leasedStored, results, new Map(rows.map((r) => [r.id, r])), box, lease.leaseId), othersWoken };
        }
        // A held delivery or one with an ordering key: the transaction below, which locks what they
        // need. So does a fan-out too large for one statement's JSON, which it inserts in chunks.
      }
      const stored = await db.transaction().execute(async (trx) => {
        const { webhooks, rows: webhookRows } = await targetWebhooks(trx, tenantId, lockRows, read);
        const planned = plan(tenantId, events, webhooks, match, now);
        const inserted = new Map<string, Selectable<EventsTable>>();
        for (const part of chunks(planned, INSERT_CHUNK)) {
          const { rows } = await insertRows<Selectable<EventsTable>, Insertable<EventsTable>>(trx, engine, 'events', NEW_EVENT_COLUMNS, part.map((f) => f.row),
            'ON CONFLICT (tenant_id, idempotency_key) DO NOTHING RETURNING *');
          for (const r of rows) inserted.set(r.id, r);
        }
        const deliveries = deliveriesOf(tenantId, planned.filter((f) => inserted.has(f.event.id)), newDeliveryId, now);
        await blockBehindKeys(trx, deliveries, lockRows);
        const leased = leaseFirst(deliveries, lease);
        for (const part of chunks(deliveries, INSERT_CHUNK)) await insertRows(trx, engine, 'deliveries', NEW_DELIVERY_COLUMNS, part);
        const results = await answer(trx, engine, tenantId, events, inserted);
        return { results, leased: leasedDeliveries(leased, results, webhookRows, box, lease.leaseId) };
      });
      return { ...stored, othersWoken: false };
    },
    byKeys: (tenantId, keys) => eventsByKey(db, engine, tenantId, keys),
    async received(tenantId, { since, until, after }, limit) {
      // The index's range starts at the cursor's millisecond, not at `since`: a page reads its own rows.
      let query = db.selectFrom('events').select(['id', 'type', 'received_at', 'resource'])
        .where('tenant_id', '=', tenantId).where('received_at', '>=', after?.receivedAt ?? since).where('received_at', '<', until);
      if (after) query = query.where((eb) => eb.or([eb('received_at', '>', after.receivedAt), eb('id', '>', after.id)]));
      const rows = await query.orderBy('received_at').orderBy('id').limit(limit).execute();
      return rows.map((r): ReceivedEvent => ({ id: r.id, type: r.type, receivedAt: Number(r.received_at), resource: r.resource === null ? null : JSON.parse(r.resource) as ReceivedEvent['resource'] }));
    },
    async getMany(tenantId, ids) {
      const found: RelaisEvent[] = [];
      for (const part of chunks(ids)) {
        const rows = await db.selectFrom('events').selectAll().where('tenant_id', '=', tenantId).where('id', 'in', part).execute();
        found.push(...rows.map(toEvent));
      }
      return found;
    },
    async get(tenantId, id) {
      const row = await db.selectFrom('events').selectAll().where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
      return row && toEvent(row);
    },
  };
  return queries;
}

/** The leased deliveries as a claim returns them; each webhook's secrets are opened once. */
function leasedDeliveries(rows: DeliveryRow[], results: IngestResult[], webhookRows: Map<string, Selectable<WebhooksTable>>,
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
