// A held delivery goes when its webhook is enabled: enabling releases what is held then, so on
// PostgreSQL a delivery held by an ingest or a recovery still running must not be missed by it.
// Ingest holds its disabled webhooks' rows FOR SHARE and recovery's requeue holds its webhook's
// row (kysely/events.ts, kysely/recovery.ts), so an enable waits for them. Here webhooks are
// disabled and enabled again and again while events are ingested, recovered and their results
// recorded; once every webhook ends enabled, none may keep a held delivery (without the lock at
// ingest, hundreds did), and no transaction may have deadlocked (counted by PostgreSQL itself).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { makeEngine, type EngineFixture } from '../../test/helpers/engines.ts';
import { newWebhook } from '../../test/helpers/webhooks.ts';
import type { Webhook } from '../core/model.ts';
import { newId } from '../ids.ts';
import { openStore } from './open.ts';
import type { Completion, NewEvent, Store } from './store.ts';

const RUN_MS = 4_000;
const TENANT = 'toggle';
const event = (): NewEvent => ({ id: newId('evt'), idempotencyKey: null, type: 'tg', occurredAt: Date.now(), data: {}, actor: null, resource: null, previous: null, changes: null });
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function query<T>(url: string, text: string): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text)).rows[0] as T;
  } finally {
    await client.end();
  }
}

describe('releasing held deliveries on PostgreSQL, while they are being held', () => {
  let fixture: EngineFixture;
  let api: Store;
  let worker: Store;
  const hooks: Webhook[] = [];
  before(async () => {
    fixture = await makeEngine('postgres');
    api = openStore({ ...fixture, encryptionKey: 'held-release-key' });
    await api.migrate();
    worker = openStore({ ...fixture, encryptionKey: 'held-release-key' });
    await api.tenants.create({ id: TENANT, name: 'Toggle', notifyEmails: [] }, Date.now());
    for (let i = 0; i < 3; i++) hooks.push(await api.webhooks.create(newWebhook(TENANT, ['tg']), Date.now()));
  });
  after(async () => {
    await worker.close();
    await api.close();
    await fixture.dispose();
  });

  it('leaves nothing held on an enabled webhook, and never deadlocks', async (t) => {
    const url = fixture.databaseUrl!;
    const deadlocksBefore = (await query<{ n: number }>(url, 'SELECT deadlocks::int AS n FROM pg_stat_database WHERE datname = current_database()')).n;
    const until = Date.now() + RUN_MS;
    const counts = { ingested: 0, recorded: 0, toggles: 0, recovered: 0 };
    const ingest = async (): Promise<void> => {
      while (Date.now() < until) {
        await api.events.ingest(TENANT, Array.from({ length: 20 }, event), (webhooks) => [...webhooks], () => newId('dlv'), Date.now());
        counts.ingested += 20;
      }
    };
    // Results (failures) update the failure records of the webhooks whose deliveries were claimed.
    const work = async (): Promise<void> => {
      while (Date.now() < until) {
        const claimed = await worker.deliveries.claim(100, 60_000, Date.now(), () => newId('att'));
        const completions = claimed.map((c): Completion => ({
          deliveryId: c.delivery.id, leaseId: c.leaseId, tenantId: TENANT, webhookId: c.delivery.webhookId, status: 'pending', dueAt: Date.now(),
          attempt: { id: newId('att'), startedAt: Date.now(), durationMs: 1, succeeded: false, response: null, errorKind: 'timeout', errorMessage: 'x', request: { method: 'POST', url: 'http://127.0.0.1:9/hook', headers: {}, body: '{}' } },
        }));
        await worker.deliveries.complete(completions, Date.now());
        counts.recorded += completions.length;
      }
    };
    // Disabled by its failure policy (ingest holds its deliveries) or by hand (recovery queues them held), then enabled: it always ends enabled.
    const toggle = async (w: Webhook, byHand: boolean): Promise<void> => {
      while (Date.now() < until) {
        if (byHand) await api.webhooks.update(TENANT, w.id, { enabled: false }, Date.now());
        else await api.webhooks.disable(TENANT, w.id, 'failing', Date.now());
        await pause(5);
        await api.webhooks.update(TENANT, w.id, { enabled: true }, Date.now());
        counts.toggles++;
        await pause(5);
      }
    };
    const recover = async (w: Webhook): Promise<void> => {
      while (Date.now() < until) {
        const page = await api.events.received(TENANT, { since: 0, until: Date.now() + 1 }, 500);
        const missed = await api.webhooks.recoverable(TENANT, w.id, page.map((e) => e.id));
        const done = await api.webhooks.requeue(TENANT, w.id, missed.missing.map((id) => ({ eventId: id, eventType: 'tg', kind: 'missing' as const })), () => newId('dlv'), Date.now());
        counts.recovered += done?.created ?? 0;
      }
    };
    await Promise.all([ingest(), ingest(), work(), toggle(hooks[1]!, false), toggle(hooks[2]!, true), recover(hooks[2]!)]);

    const { held } = await query<{ held: number }>(url, `SELECT count(*)::int AS held FROM deliveries d JOIN webhooks w ON w.id = d.webhook_id
      WHERE d.status = 'pending' AND d.due_at IS NULL AND w.enabled = 1`);
    const deadlocks = (await query<{ n: number }>(url, 'SELECT deadlocks::int AS n FROM pg_stat_database WHERE datname = current_database()')).n - deadlocksBefore;
    t.diagnostic(`${JSON.stringify(counts)}, ${held} held on enabled webhooks, ${deadlocks} deadlocks`);
    assert.ok(counts.toggles > 10 && counts.recorded > 100, 'the webhooks were toggled while results were recorded');
    assert.equal(held, 0, 'held deliveries left on enabled webhooks');
    assert.equal(deadlocks, 0);
  });
});
