// Retention (Store.prune) on both engines: old finished deliveries, their attempts and the old
// events nothing refers to go; live, held and recent ones stay, and so do the events they refer
// to; a batch takes at most `limit` rows; workers pruning at once never count a row twice.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ENGINES, makeEngine, type EngineFixture } from '../../test/helpers/engines.ts';
import { newWebhook } from '../../test/helpers/webhooks.ts';
import { subscriptionMatches } from '../core/matching.ts';
import type { DeliveryStatus } from '../core/model.ts';
import { newId } from '../ids.ts';
import { isForeignKeyViolation } from './faults.ts';
import { openStore } from './open.ts';
import type { ClaimedDelivery, Matcher, NewEvent, Store } from './store.ts';

const match: Matcher = (webhooks, e) => webhooks.filter((w) => subscriptionMatches(w, e.type, e.data));
const event = (type: string): NewEvent => ({
  id: newId('evt'), idempotencyKey: null, type, occurredAt: 1, data: {}, actor: null, resource: null, previous: null, changes: null,
});

for (const engineName of ENGINES) {
  describe(`retention: ${engineName}`, () => {
    let fixture: EngineFixture;
    let store: Store;
    // Event ids are made at the real time (ids.ts) and pruning finds old events by them: the
    // cut-off lies after every id this test makes, "old" rows before it, "recent" ones after.
    const base = Date.now();
    const old = base - 3_600_000;
    const cutoff = base + 600_000;
    const recent = cutoff + 1_000;

    before(async () => {
      fixture = await makeEngine(engineName);
      store = openStore({ ...fixture, encryptionKey: 'retention-test-key' });
      await store.migrate();
      await store.tenants.create({ id: 'acme', name: 'Acme', notifyEmails: [] }, 1);
    });
    after(async () => {
      await store.close();
      await fixture.dispose();
    });

    async function ingest(type: string, at: number): Promise<string> {
      const [stored] = await store.events.ingest('acme', [event(type)], match, () => newId('dlv'), at);
      return stored!.event.id;
    }
    async function finish(claimed: ClaimedDelivery, status: DeliveryStatus, at: number, dueAt: number | null = null): Promise<void> {
      await store.deliveries.complete([{
        deliveryId: claimed.delivery.id, leaseId: claimed.leaseId, tenantId: 'acme', webhookId: claimed.delivery.webhookId, status, dueAt,
        attempt: { id: newId('att'), startedAt: at, durationMs: 3, succeeded: status === 'succeeded', response: null, errorKind: null, errorMessage: null, request: { method: 'POST', url: 'http://127.0.0.1:9/hook', headers: {}, body: '{}' } },
      }], at);
    }
    const deliveryOf = async (eventId: string): Promise<string | undefined> =>
      (await store.deliveries.list('acme', { limit: 100 })).data.find((d) => d.eventId === eventId)?.id;

    it('prunes old finished deliveries, their attempts and unreferenced old events; keeps the rest', async () => {
      await store.webhooks.create(newWebhook('acme', ['order.*']), old);
      const e1 = await ingest('order.paid', old); // succeeded long ago: goes
      const e2 = await ingest('order.paid', old); // failed long ago: goes
      const e3 = await ingest('order.paid', old); // succeeded recently: stays, and its event
      const e4 = await ingest('order.paid', old); // still retrying: stays
      const claimed = await store.deliveries.claim(10, 1000, old, () => newId('att'));
      const byEvent = new Map(claimed.map((c) => [c.event.id, c]));
      await finish(byEvent.get(e1)!, 'succeeded', old);
      await finish(byEvent.get(e2)!, 'failed', old);
      await finish(byEvent.get(e3)!, 'succeeded', recent);
      await finish(byEvent.get(e4)!, 'pending', old, old + 1000);
      // Held (its webhook disabled by its failures) and cancelled deliveries.
      const held = await store.webhooks.create(newWebhook('acme', ['user.created']), old);
      await store.webhooks.disable('acme', held.id, 'failing', old);
      const e5 = await ingest('user.created', old);
      const cancelling = await store.webhooks.create(newWebhook('acme', ['invoice.sent']), old);
      const e8 = await ingest('invoice.sent', old);
      assert.equal(await store.deliveries.cancelPending('acme', cancelling.id, old), 1);
      const e6 = await ingest('nobody.listens', old); // no delivery at all: goes
      const e7 = await ingest('nobody.listens', recent); // received after the cut-off: stays
      const d = { e1: await deliveryOf(e1), e2: await deliveryOf(e2), e3: await deliveryOf(e3), e4: await deliveryOf(e4), e5: await deliveryOf(e5), e8: await deliveryOf(e8) };

      assert.deepEqual(await store.prune(cutoff, 500), { deliveries: 3, attempts: 2, events: 4 });
      for (const gone of [d.e1, d.e2, d.e8]) assert.equal(await store.deliveries.get('acme', gone!), undefined);
      for (const kept of [d.e3, d.e4, d.e5]) assert.ok(await store.deliveries.get('acme', kept!), 'a live, held or recent delivery stays');
      assert.equal((await store.deliveries.get('acme', d.e3!))!.attempts.length, 1, 'with its attempts');
      for (const gone of [e1, e2, e6, e8]) assert.equal(await store.events.get('acme', gone), undefined);
      for (const kept of [e3, e4, e5, e7]) assert.ok(await store.events.get('acme', kept), 'an event still referred to, or recent, stays');
      assert.deepEqual(await store.prune(cutoff, 500), { deliveries: 0, attempts: 0, events: 0 }, 'nothing left to prune');
    });

    it('takes at most `limit` rows a batch, and concurrent prunes never take a row twice', async () => {
      const wh = await store.webhooks.create(newWebhook('acme', ['batch.made']), old);
      for (let i = 0; i < 11; i++) await ingest('batch.made', old);
      assert.equal(await store.deliveries.cancelPending('acme', wh.id, old), 11);
      assert.deepEqual(await store.prune(cutoff, 2), { deliveries: 2, attempts: 0, events: 2 });
      const total = { deliveries: 2, events: 2 };
      for (;;) {
        const counts = await Promise.all([store.prune(cutoff, 3), store.prune(cutoff, 3)]);
        for (const c of counts) {
          assert.ok(c.deliveries <= 3 && c.events <= 3, 'within the limit');
          total.deliveries += c.deliveries;
          total.events += c.events;
        }
        if (counts.every((c) => c.deliveries === 0 && c.events === 0)) break;
      }
      assert.deepEqual(total, { deliveries: 11, events: 11 });
    });

    it('keeps an event as long as any delivery of it stays', async () => {
      const wh = await store.webhooks.create(newWebhook('acme', ['two.made']), old);
      const e = await ingest('two.made', old);
      assert.equal(await store.deliveries.cancelPending('acme', wh.id, old), 1);
      // A resend after the cut-off: a new delivery of the same old event.
      await store.deliveries.create('acme', { id: newId('dlv'), eventId: e, eventType: 'two.made', webhookId: wh.id }, recent);
      assert.deepEqual(await store.prune(cutoff, 500), { deliveries: 1, attempts: 0, events: 0 });
      assert.ok(await store.events.get('acme', e));
    });

    it('a delivery of an event that is gone fails as a foreign-key violation (a resend then answers 404)', async () => {
      const webhook = await store.webhooks.create(newWebhook('acme', ['gone.event']), 1);
      const err = await store.deliveries.create('acme', { id: newId('dlv'), eventId: newId('evt'), eventType: 'gone.event', webhookId: webhook.id }, 1)
        .then(() => undefined, (e: unknown) => e);
      assert.ok(err, 'refused');
      assert.ok(isForeignKeyViolation(err), String(err));
    });
  });
}
