// The shared limits' store half (kysely/limits.ts), on both engines: slots taken and given back,
// a dead holder's slot free once its time is up, and the rate cell's GCRA arithmetic.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ENGINES, makeEngine, type EngineFixture } from '../../test/helpers/engines.ts';
import { newWebhook } from '../../test/helpers/webhooks.ts';
import { openStore } from './open.ts';
import type { Store } from './store.ts';

for (const engine of ENGINES) {
  describe(`shared webhook limits: ${engine}`, () => {
    let fixture: EngineFixture;
    let store: Store;
    let webhookId: string;
    before(async () => {
      fixture = await makeEngine(engine);
      store = openStore({ ...fixture, encryptionKey: 'limits-key' });
      await store.migrate();
      await store.tenants.create({ id: 't', name: 'T', notifyEmails: [] }, 1);
      webhookId = (await store.webhooks.create(newWebhook('t', ['x']), 1)).id;
    });
    after(async () => {
      await store.close();
      await fixture.dispose();
    });

    it('hands out at most max slots; a slot given back, or no longer renewed, is free again', async () => {
      const now = 1_000_000;
      assert.equal(await store.limits.enter(webhookId, 2, 'a', now + 5_000, now), true);
      assert.equal(await store.limits.enter(webhookId, 2, 'b', now + 5_000, now), true);
      assert.equal(await store.limits.enter(webhookId, 2, 'c', now + 5_000, now), false, 'both held');
      await store.limits.leave(webhookId, 'a');
      assert.equal(await store.limits.enter(webhookId, 2, 'c', now + 5_000, now), true, 'a gave its back');
      await store.limits.renew(['b'], now + 20_000);
      // Later: c stopped renewing (its worker died), b renewed.
      assert.equal(await store.limits.enter(webhookId, 2, 'd', now + 15_000, now + 10_000), true, 'c\'s slot, expired');
      assert.equal(await store.limits.enter(webhookId, 2, 'e', now + 15_000, now + 10_000), false, 'b\'s is still held');
      assert.equal(await store.limits.enter(webhookId, 3, 'e', now + 15_000, now + 10_000), true, 'a larger max makes more slots');
    });

    it('takes rate turns as GCRA: a burst, then one per interval, saying how long to wait', async () => {
      const t0 = 5_000_000;
      for (let i = 0; i < 3; i++) assert.equal(await store.limits.take(webhookId, 10, 3, t0), 0, `burst ${i}`);
      const wait = await store.limits.take(webhookId, 10, 3, t0);
      assert.ok(wait > 0 && wait <= 100, `the fourth waits one interval (${wait} ms)`);
      assert.equal(await store.limits.take(webhookId, 10, 3, t0 + wait), 0, 'and goes after it');
      assert.ok(await store.limits.take(webhookId, 10, 3, t0 + wait) > 0);
    });
  });
}
