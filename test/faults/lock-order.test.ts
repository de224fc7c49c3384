// Ingest and the result writer share webhook rows on PostgreSQL: ingest's foreign-key checks lock
// them (FOR KEY SHARE) as it inserts deliveries, the writer locks them to update their failure
// records. Taken in one order with locks that do not conflict (kysely/store.ts), the two never
// deadlock: counted by PostgreSQL itself (pg_stat_database.deadlocks), not hidden by the store's
// retry of a deadlock, which would make the test pass either way.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { makeEngine, type EngineFixture } from '../helpers/engines.ts';
import { newWebhook } from '../helpers/webhooks.ts';
import { newId } from '../../src/ids.ts';
import { openStore } from '../../src/store/open.ts';
import type { Completion, NewEvent, Store } from '../../src/store/store.ts';

const RUN_MS = 4_000;
const TENANT = 'locks';

function event(): NewEvent {
  return { id: newId('evt'), idempotencyKey: null, type: 'lock.test', occurredAt: Date.now(), data: {}, actor: null, resource: null, previous: null, changes: null };
}

async function deadlocks(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const res = await client.query<{ n: string }>('SELECT deadlocks::text AS n FROM pg_stat_database WHERE datname = current_database()');
    return Number(res.rows[0]!.n);
  } finally {
    await client.end();
  }
}

describe('lock order on PostgreSQL: ingest beside the result writers', () => {
  let fixture: EngineFixture;
  let api: Store; // as the api process
  const workers: Store[] = []; // as four worker processes
  before(async () => {
    fixture = await makeEngine('postgres');
    const config = { ...fixture, encryptionKey: 'lock-order-key' };
    api = openStore(config);
    await api.migrate();
    for (let i = 0; i < 4; i++) workers.push(openStore(config));
    await api.tenants.create({ id: TENANT, name: 'Locks', notifyEmails: [] }, Date.now());
    // Several webhooks for one tenant: each event's deliveries lock them all, one after the other.
    for (let i = 0; i < 4; i++) await api.webhooks.create(newWebhook(TENANT, ['lock.test']), Date.now());
  });
  after(async () => {
    for (const s of [api, ...workers]) await s.close();
    await fixture.dispose();
  });

  it('never deadlocks, while every webhook is in every ingest and every result batch', async (t) => {
    const before = await deadlocks(fixture.databaseUrl!);
    const until = Date.now() + RUN_MS;
    let ingested = 0;
    let completed = 0;
    const ingest = async (): Promise<void> => {
      while (Date.now() < until) {
        // The matcher answers in any order (here shuffled): the store must lock in its own.
        await api.events.ingest(TENANT, Array.from({ length: 20 }, event), (webhooks) => [...webhooks].sort(() => Math.random() - 0.5), () => newId('dlv'), Date.now());
        ingested += 20;
      }
    };
    // Each worker claims, then records results in its own order: the order the claim returned,
    // shuffled. Mostly successes, some failures (which update the webhook's failure record): a
    // webhook's record goes from failing to clean and back, so which rows a result batch must
    // write (completions.ts skips a clean record's successes) changes from one batch to the next.
    // Half the workers mark their deliveries as having no ordering key (keyed: false), as the
    // dispatcher does, so PostgreSQL records their batches of successes in one statement; the
    // others' go through the transaction: both ways run side by side, as they do in a cluster.
    const work = async (store: Store, keyed: false | undefined): Promise<void> => {
      while (Date.now() < until) {
        const claimed = await store.deliveries.claim(20, 60_000, Date.now(), () => newId('att'));
        // The one-statement workers send mostly batches of successes only, which it takes.
        const allOk = keyed === false && Math.random() < 0.7;
        const completions: Completion[] = claimed.sort(() => Math.random() - 0.5).map((c) => {
          const ok = allOk || Math.random() < 0.9;
          return {
          deliveryId: c.delivery.id, leaseId: c.leaseId, tenantId: c.delivery.tenantId, webhookId: c.delivery.webhookId, keyed, status: ok ? 'succeeded' : 'pending', dueAt: ok ? null : Date.now(),
          attempt: {
            id: newId('att'), startedAt: Date.now(), durationMs: 1, succeeded: ok, response: { status: ok ? 200 : 500, headers: {}, body: '', bodyTruncated: false }, errorKind: null, errorMessage: null,
            request: { method: 'POST', url: 'http://127.0.0.1:9/hook', headers: {}, body: '{}' },
          },
          };
        });
        await store.deliveries.complete(completions, Date.now());
        completed += completions.length;
      }
    };
    await Promise.all([ingest(), ingest(), ingest(), ...workers.map((w, i) => work(w, i % 2 === 0 ? false : undefined))]);
    const after = await deadlocks(fixture.databaseUrl!);
    t.diagnostic(`${ingested} events ingested (×4 deliveries), ${completed} results recorded, ${after - before} deadlocks`);
    assert.ok(completed > 500, `the workers recorded results (${completed})`);
    assert.equal(after - before, 0, 'no deadlock');
  });
});
