// The queue's statements (claims, results, releases: the dispatcher's, thousands a second) must
// cost the same however many deliveries are stored, and must not depend on PostgreSQL's
// statistics being fresh: on the queue's connections (QUEUE_OPTIONS), with a backlog in a table
// that was never analysed, each one reaches its rows through an index, and the claim scans the
// queue index in order and stops. Without those options, this very backlog had the claim sort
// every due row (bitmap scan + sort) and the results' UPDATE … FROM (VALUES …) scan every delivery.
// A saturated webhook's lane (dispatcher/lanes.ts) is read through its own partial index. None
// reads the log's indexes (a webhook's, a tenant's, an event's deliveries): those hold history.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { CompiledQuery } from 'kysely';
import pg from 'pg';
import { subscriptionMatches } from '../../core/matching.ts';
import { newId } from '../../ids.ts';
import { makeEngine, type EngineFixture } from '../../../test/helpers/engines.ts';
import { secretBox } from '../kysely/secrets.ts';
import type { Completion, Matcher, NewEvent, Store } from '../store.ts';
import { postgresStore, QUEUE_OPTIONS } from './engine.ts';
import { newWebhook } from '../../../test/helpers/webhooks.ts';

const GROWING = /(Seq Scan|Bitmap Heap Scan) on (events|deliveries|attempts|webhooks)\b/;
/**
 * An index scan of a growing table with no condition reads all of it too: one planned for a hash
 * join, when the rows a statement brings as JSON (raw-values.ts rowList) were estimated at 100.
 */
function wholeIndexScans(plan: string): string[] {
  const lines = plan.split('\n');
  return lines.flatMap((line, i) => {
    if (!/Index (Only )?Scan( Backward)? using \w+ on (events|deliveries|attempts|webhooks)\b/.test(line)) return [];
    const depth = line.search(/\S/);
    const details = [];
    for (let j = i + 1; j < lines.length && (lines[j]!.search(/\S/) > depth && !/->/.test(lines[j]!)); j++) details.push(lines[j]!);
    return details.some((d) => /Index Cond:/.test(d)) ? [] : [line.trim()];
  });
}
/** The log's indexes: a queue statement that reads one reads history, which only grows. */
const HISTORY = /using (deliveries_webhook|deliveries_tenant|deliveries_event|attempts_\w+) /;
const NOT_QUERIES = /^\s*(begin|commit|rollback|listen|notify|select pg_notify)\b/i;

const match: Matcher = (webhooks, e) => webhooks.filter((w) => subscriptionMatches(w, e.type, e.data));
const event = (): NewEvent => ({ id: newId('evt'), idempotencyKey: null, type: 'job', occurredAt: 1, data: { n: 1 }, actor: null, resource: null, previous: null, changes: null });

describe('PostgreSQL queue query plans', () => {
  let fixture: EngineFixture;
  let store: Store;
  const statements: CompiledQuery[] = [];
  const apiStatements: CompiledQuery[] = [];
  before(async () => {
    fixture = await makeEngine('postgres');
    store = postgresStore(fixture.databaseUrl!, secretBox('plans-test-key'), { onQuery: (q, queue) => (queue ? statements : apiStatements).push(q) });
    await store.migrate();
  });
  after(async () => {
    await store.close();
    await fixture.dispose();
  });

  it('reach their rows through indexes, with a backlog the statistics have not seen', async () => {
    const now = 1_700_000_000_000;
    await store.tenants.create({ id: 'acme', name: 'Acme', notifyEmails: [] }, now);
    const webhook = await store.webhooks.create(newWebhook('acme', ['job']), now);
    for (let i = 0; i < 5_000; i += 500) await store.events.ingest('acme', Array.from({ length: 500 }, event), match, () => newId('dlv'), now);

    // The dispatcher's part of a delivery's life, each call once.
    const [first, second] = await store.deliveries.claim(100, 30_000, now, () => newId('att'));
    await store.deliveries.complete([{
      deliveryId: first!.delivery.id, leaseId: first!.leaseId, tenantId: 'acme', webhookId: webhook.id, status: 'pending', dueAt: now + 1000,
      attempt: { id: newId('att'), startedAt: now, durationMs: 3, succeeded: false, response: null, errorKind: 'connection_refused', errorMessage: 'refused', request: { method: 'POST', url: webhook.url, headers: {}, body: '{}' } },
    }], now);
    await store.deliveries.release([{ deliveryId: second!.delivery.id, leaseId: second!.leaseId, dueAt: now + 500 }], now);
    // A batch of successes: one statement (kysely/completions.ts recordInOneStatement).
    const sent = (await store.deliveries.claim(64, 30_000, now, () => newId('att'))).map((c): Completion => ({
      deliveryId: c.delivery.id, leaseId: c.leaseId, tenantId: 'acme', webhookId: webhook.id, keyed: false, status: 'succeeded', dueAt: null,
      attempt: { id: newId('att'), startedAt: now, durationMs: 3, succeeded: true, response: { status: 204, headers: {}, body: '', bodyTruncated: false }, errorKind: null, errorMessage: null, request: { method: 'POST', url: webhook.url, headers: {}, body: '{"n":1}' } },
    }));
    await store.deliveries.complete(sent, now);
    await store.deliveries.nextDueAt();
    // Tenants at their share are stepped over, in the queue index still (tenant-shares.ts).
    await store.deliveries.nextDueAt(['globex', 'initech']);
    await store.deliveries.claim(10, 30_000, now, () => newId('att'), ['globex', 'initech']);
    // A saturated webhook's lane: parks, the lane's claim, its renewal, and emptying it on stop.
    const more = await store.deliveries.claim(100, 30_000, now, () => newId('att'));
    await store.deliveries.park(more.map((c) => ({ deliveryId: c.delivery.id, leaseId: c.leaseId, dueAt: now + 30_000, webhookId: webhook.id })), now);
    await store.deliveries.renewParked([webhook.id], now + 60_000, now);
    assert.equal((await store.deliveries.claimParked(webhook.id, 10, 30_000, now, () => newId('att'))).length, 10);
    await store.deliveries.unpark([webhook.id], now);

    const client = new pg.Client({ connectionString: fixture.databaseUrl, options: QUEUE_OPTIONS });
    await client.connect();
    try {
      const bad: string[] = [];
      let checked = 0;
      let lane = false;
      for (const q of statements) {
        if (NOT_QUERIES.test(q.sql)) continue;
        const { rows } = await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${q.sql}`, [...q.parameters]);
        const plan = rows.map((r) => r['QUERY PLAN']).join('\n');
        checked++;
        if (GROWING.test(plan) || HISTORY.test(plan) || wholeIndexScans(plan).length > 0 || (/ORDER BY due_at/.test(q.sql) && /Sort/.test(plan))) bad.push(`${plan}\n    in: ${q.sql.replace(/\s+/g, ' ').slice(0, 300)}`);
        if (/ORDER BY due_at/.test(q.sql)) assert.match(plan, /Index Scan using deliveries_due on deliveries/, plan);
        if (/parked_for = \$\d+ AND status = 'pending' ORDER BY id/.test(q.sql)) {
          assert.match(plan, /Index Scan using deliveries_parked on deliveries/, plan);
          assert.doesNotMatch(plan, /Sort/, plan);
          lane = true;
        }
      }
      assert.ok(checked >= 10, `only ${checked} statements seen`);
      assert.ok(lane, 'the lane\'s claim was checked');
      assert.deepEqual(bad, [], 'scans of a whole growing table, reads of the log\'s indexes, or a sort of the backlog');
    } finally {
      await client.end();
    }
  });

  // The API's connections plan by the statistics (no QUEUE_OPTIONS). With fresh ones that say a
  // tenant has thousands of events, ingest's idempotency look-up must still probe the key index:
  // planned for the 100 keys it took a JSON list for, it hashed a batch's 500 keys and read every
  // event of the tenant: the bench's batch with 10,000 stored ran at a quarter of its pace
  // (docs/benchmark.md, "Issue 17, sixth look").
  it('ingest reaches events through their keys, with statistics that know the tenant\'s events', async () => {
    const now = 1_700_000_000_000;
    await store.tenants.create({ id: 'keyed', name: 'Keyed', notifyEmails: [] }, now);
    await store.webhooks.create(newWebhook('keyed', ['job']), now);
    let n = 0;
    const keyed = (): NewEvent => ({ ...event(), idempotencyKey: `k-${n++}` });
    for (let i = 0; i < 10_000; i += 500) await store.events.ingest('keyed', Array.from({ length: 500 }, keyed), match, () => newId('dlv'), now);
    const client = new pg.Client({ connectionString: fixture.databaseUrl });
    await client.connect();
    try {
      await client.query('ANALYZE events');
      apiStatements.length = 0;
      n -= 100; // a batch of 500 keys, 100 of them seen before
      const result = await store.events.ingest('keyed', Array.from({ length: 500 }, keyed), match, () => newId('dlv'), now);
      assert.equal(result.filter((r) => !r.created).length, 100);
      let lookUps = 0;
      for (const q of apiStatements) {
        if (NOT_QUERIES.test(q.sql)) continue;
        const { rows } = await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${q.sql}`, [...q.parameters]);
        const plan = rows.map((r) => r['QUERY PLAN']).join('\n');
        // webhooks, a row here, is rightly read whole; the tables that grow are not.
        assert.doesNotMatch(plan, /(Seq Scan|Bitmap Heap Scan) on (events|deliveries|attempts)\b/, plan);
        assert.deepEqual(wholeIndexScans(plan), [], plan);
        if (/^\s*select/i.test(q.sql) && /idempotency_key/.test(q.sql)) {
          assert.match(plan, /Index Scan using events_idempotency on events/, plan);
          lookUps++;
        }
      }
      assert.ok(lookUps > 0, 'the look-up was seen');
    } finally {
      await client.end();
    }
  });
});
