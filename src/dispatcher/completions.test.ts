// The completion writer on a real (SQLite) store: what cannot be recorded is failed with the
// reason, alone; what fails for a reason that may pass is left to its lease, a few times at most.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import { makeEngine, type EngineFixture } from '../../test/helpers/engines.ts';
import { newWebhook } from '../../test/helpers/webhooks.ts';
import { subscriptionMatches } from '../core/matching.ts';
import { newId } from '../ids.ts';
import { openStore } from '../store/open.ts';
import type { ClaimedDelivery, Completion, Store } from '../store/store.ts';
import { completionWriter } from './completions.ts';

const log = pino({ level: 'silent' });

describe('completion writer', () => {
  let fixture: EngineFixture;
  let store: Store;
  before(async () => {
    fixture = await makeEngine('sqlite');
    store = openStore({ ...fixture, encryptionKey: 'completions-test-key' });
    await store.migrate();
    for (const id of ['good', 'bad']) {
      await store.tenants.create({ id, name: id, notifyEmails: [] }, 1);
      await store.webhooks.create(newWebhook(id, ['t']), Date.now());
    }
  });
  after(async () => {
    await store.close();
    await fixture.dispose();
  });

  /** One new delivery per tenant, leased. */
  async function leased(tenants: string[]): Promise<ClaimedDelivery[]> {
    for (const tenant of tenants) {
      await store.events.ingest(tenant, [{ id: newId('evt'), idempotencyKey: null, type: 't', occurredAt: Date.now(), data: {}, actor: null, resource: null, previous: null, changes: null }],
        (ws, e) => ws.filter((w) => subscriptionMatches(w, e.type, e.data)), () => newId('dlv'), Date.now());
    }
    return store.deliveries.claim(100, 60_000, Date.now(), () => newId('att'));
  }

  function retried(c: ClaimedDelivery, dueAt: number): Completion {
    const at = Date.now();
    return {
      deliveryId: c.delivery.id, leaseId: c.leaseId, tenantId: c.delivery.tenantId, webhookId: c.delivery.webhookId, status: 'pending', dueAt,
      attempt: {
        id: newId('att', at), startedAt: at, durationMs: 5, succeeded: false, errorKind: null, errorMessage: null,
        request: { method: 'POST', url: 'http://127.0.0.1:9/x', headers: {}, body: '{}' }, response: { status: 500, headers: {}, body: '', bodyTruncated: false },
      },
    };
  }

  it('records the others and fails the one whose result the store cannot hold, with the reason', async () => {
    const claimed = await leased(['good', 'bad', 'good']);
    const writer = completionWriter(store, Date.now, log, () => {});
    await Promise.all(claimed.map((c) => writer.write(retried(c, c.delivery.tenantId === 'bad' ? 1e20 : Date.now() + 60_000))));
    for (const c of claimed) {
      const { delivery, attempts } = (await store.deliveries.get(c.delivery.tenantId, c.delivery.id))!;
      assert.equal(delivery.attempts, 1);
      if (c.delivery.tenantId === 'good') {
        assert.equal(delivery.status, 'pending');
        assert.equal(attempts[0]!.errorKind, null);
      } else {
        assert.equal(delivery.status, 'failed');
        assert.equal(attempts[0]!.errorKind, 'internal');
        assert.match(attempts[0]!.errorMessage!, /dueAt: 100000000000000000000 ms is beyond the dates the store can hold/);
        assert.equal(attempts[0]!.response?.status, 500, 'what it could keep of the attempt is kept');
      }
    }
  });

  it('a write that fails alone for a reason that may pass leaves the delivery leased, and fails it after three in a row', async () => {
    const [c] = await leased(['bad']);
    const failing: Store = { ...store, deliveries: { ...store.deliveries } };
    let refusals = 0;
    failing.deliveries.complete = async (batch, now) => {
      if (batch.some((b) => b.deliveryId === c!.delivery.id && b.status !== 'failed')) {
        refusals++;
        throw Object.assign(new Error('deadlock detected'), { code: '40P01' });
      }
      return store.deliveries.complete(batch, now);
    };
    const writer = completionWriter(failing, Date.now, log, () => {});
    for (let i = 1; i <= 2; i++) {
      await writer.write(retried(c!, Date.now() + 60_000));
      const { delivery } = (await store.deliveries.get('bad', c!.delivery.id))!;
      assert.equal(delivery.status, 'delivering', `still leased after ${i}`);
    }
    await writer.write(retried(c!, Date.now() + 60_000));
    assert.equal(refusals, 3);
    const { delivery, attempts } = (await store.deliveries.get('bad', c!.delivery.id))!;
    assert.equal(delivery.status, 'failed');
    assert.match(attempts[0]!.errorMessage!, /failed 3 times in a row: deadlock detected/);
  });
});
