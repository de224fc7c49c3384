// Fresh deliveries go from ingest straight to an idle dispatcher: ingest spends the dispatcher's
// published free slots (credits), stores that many deliveries already leased to it and hands them
// over, so no claim has to find them. Deliveries beyond its free slots wait in the store and are
// claimed as slots free up, before any new event is handed over.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ENGINES } from '../helpers/engines.ts';
import { startReceiver } from '../helpers/receiver.ts';
import { seed, startRelais } from '../helpers/relais.ts';
import { waitFor } from '../helpers/wait.ts';
import type { Store } from '../../src/store/store.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Counts what the store's claims return, by delivery id. */
function countClaims(store: Store): string[] {
  const claimed: string[] = [];
  const claim = store.deliveries.claim.bind(store.deliveries);
  store.deliveries.claim = async (...args) => {
    const batch = await claim(...args);
    claimed.push(...batch.map((c) => c.delivery.id));
    return batch;
  };
  return claimed;
}

async function deliveryIdOf(store: Store, tenant: string, eventId: string): Promise<string> {
  const { data } = await store.deliveries.list(tenant, { limit: 100 });
  const found = data.find((d) => d.eventId === eventId);
  assert.ok(found, `a delivery for ${eventId}`);
  return found.id;
}

for (const engine of ENGINES) {
  describe(`hand-off at ingest: ${engine}`, () => {
    it('stores a fresh delivery leased to the dispatcher thread: it is never pending', async () => {
      const receiver = await startReceiver(() => ({ status: 200, delayMs: 300 }));
      const t = await startRelais(engine, { RELAIS_POLL_INTERVAL: '1h' });
      try {
        assert.equal(t.relais.engine.placement, 'thread');
        const { tenant, type } = await seed(t, receiver.url);
        await sleep(200); // the thread is idle and has published its slots
        const res = await t.call<{ id: string }>('POST', `/v1/tenants/${tenant}/events`, { type, data: { order: 1 } });
        assert.equal(res.status, 202);
        // Committed leased, before the thread has done anything: a claimed delivery would be
        // pending until the thread's claim, and the receiver holds its answer for 300 ms.
        const { data } = await t.relais.store.deliveries.list(tenant, { limit: 10 });
        assert.deepEqual(data.map((d) => d.status), ['delivering']);
        // Leased in the ingest's own transaction: the lease runs from the moment it was created,
        // where a claim's would run from the claim, a moment later.
        assert.equal(data[0]!.dueAt! - data[0]!.createdAt, t.relais.config.leaseMs, 'leased at ingest, not by a claim');
        await waitFor('the delivery', () => receiver.received.length === 1 || undefined, 5_000);
        await waitFor('its attempt recorded', async () => (await t.relais.store.deliveries.list(tenant, { limit: 10 })).data[0]?.status === 'succeeded' || undefined, 5_000);
      } finally {
        await t.close();
        await receiver.close();
      }
    });

    it('hands over only free slots: what is beyond them is claimed, in order, before new events are handed over', async () => {
      const receiver = await startReceiver(() => ({ status: 200, delayMs: 150 }));
      const t = await startRelais(engine, { RELAIS_DISPATCH_THREAD: 'off', RELAIS_CONCURRENCY: '1', RELAIS_POLL_INTERVAL: '1h' });
      try {
        const claimed = countClaims(t.relais.store);
        const { tenant, type } = await seed(t, receiver.url);
        await sleep(100);
        const send = async (order: number): Promise<string> => {
          const res = await t.call<{ id: string }>('POST', `/v1/tenants/${tenant}/events`, { type, data: { order } });
          assert.equal(res.status, 202);
          return deliveryIdOf(t.relais.store, tenant, res.body.id);
        };
        // One slot: the first is handed over, the next two wait in the store for claims.
        const first = await send(1);
        const queued = [await send(2), await send(3)];
        await waitFor('three deliveries', () => receiver.received.length === 3 || undefined, 5_000);
        assert.deepEqual(receiver.received.map((r) => (JSON.parse(r.body) as { data: { order: number } }).data.order), [1, 2, 3]);
        assert.deepEqual(claimed, queued, 'the first was never claimed; the queued two were');
        // The queue is empty again once the last claim comes back short: the next event is handed over.
        await waitFor('the dispatcher idle', () => t.relais.engine.scheduler!.inFlight === 0 || undefined, 5_000);
        await sleep(50);
        const fourth = await send(4);
        await waitFor('the fourth delivery', () => receiver.received.length === 4 || undefined, 5_000);
        assert.ok(!claimed.includes(fourth), 'handed over, not claimed');
        assert.ok(!claimed.includes(first));
        await waitFor('every attempt recorded', async () => (await t.relais.store.deliveries.list(tenant, { limit: 10, status: 'succeeded' })).data.length === 4 || undefined, 5_000);
      } finally {
        await t.close();
        await receiver.close();
      }
    });
  });
}
