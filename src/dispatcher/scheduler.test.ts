// Claims in batches (scheduler.ts refillAt, CLAIM_WAIT_MAX_MS), on a real SQLite store and a real
// receiver on loopback that answers only when the test lets it. The scheduler's clock is the
// test's: while it stands still, a slot freed with others busy is not claimed for, even when new
// work is announced, however long the host takes; it is once half the slots are free, or once the
// clock has passed the wait. A dispatcher that claims whenever a slot frees or work arrives fails
// the first checks; one that never stops waiting, the last.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import { loadConfig } from '../config.ts';
import { subscriptionMatches } from '../core/matching.ts';
import { newId } from '../ids.ts';
import { createTemplateRenderer } from '../render/renderer.ts';
import { openStore } from '../store/open.ts';
import type { Store } from '../store/store.ts';
import { makeEngine, type EngineFixture } from '../../test/helpers/engines.ts';
import { startReceiver, type Receiver } from '../../test/helpers/receiver.ts';
import { waitFor } from '../../test/helpers/wait.ts';
import { newWebhook } from '../../test/helpers/webhooks.ts';
import { createScheduler } from './scheduler.ts';
import { createSender } from './sender.ts';

const log = pino({ level: 'silent' });
const SLOTS = 8; // half of them (4) is what a claim waits for

describe('scheduler: the claim wait', () => {
  let fixture: EngineFixture;
  let store: Store;
  let receiver: Receiver;
  const held: (() => void)[] = []; // answers the receiver holds, oldest first
  before(async () => {
    fixture = await makeEngine('sqlite');
    store = openStore({ ...fixture, encryptionKey: 'scheduler-test-key' });
    await store.migrate();
    receiver = await startReceiver();
  });
  after(async () => {
    await receiver.close();
    await store.close();
    await fixture.dispose();
  });

  it('waits for half the slots while others are busy, and no longer than the wait', async () => {
    // Each request is answered when the test says so (held, oldest first).
    receiver.respond = () => ({ status: 204, until: new Promise<void>((resolve) => held.push(resolve)) });
    await store.tenants.create({ id: 'acme', name: 'Acme', notifyEmails: [] }, 1);
    await store.webhooks.create(newWebhook('acme', ['job'], { url: `${receiver.url}/hook` }), 1);
    let clock = 1_000_000;
    const events = Array.from({ length: 30 }, () => ({ id: newId('evt'), idempotencyKey: null, type: 'job', occurredAt: 1, data: {}, actor: null, resource: null, previous: null, changes: null }));
    await store.events.ingest('acme', events, (ws, e) => ws.filter((w) => subscriptionMatches(w, e.type, e.data)), () => newId('dlv'), clock);

    const claims: number[] = [];
    const claim = store.deliveries.claim.bind(store.deliveries);
    const watched: Store = { ...store, deliveries: { ...store.deliveries, claim: async (...args) => { const got = await claim(...args); if (got.length) claims.push(got.length); return got; } } };
    // No slots held back for other tenants: the one tenant here may fill them all.
    const config = loadConfig({ RELAIS_ALLOW_TARGETS: '127.0.0.0/8', RELAIS_CONCURRENCY: String(SLOTS), RELAIS_TENANT_RESERVE: '0' });
    const scheduler = createScheduler({
      store: watched, sender: createSender({ timeoutMs: 60_000, allowTargets: config.allowTargets, log }), templates: createTemplateRenderer(),
      config, log, disableWebhook: async () => {}, now: () => clock,
    });
    scheduler.start();
    try {
      await waitFor('every slot sending', () => receiver.received.length === SLOTS);
      assert.deepEqual(claims, [SLOTS]);

      // One slot frees, seven still busy: a finished send refills only from half the slots.
      await release(1);
      await sleep(200);
      assert.deepEqual(claims, [SLOTS], 'a claim for one slot, made by the send that freed it');

      // New work is announced (ingest, NOTIFY): the claim waits, for as long as the clock stands
      // still, though its timer fires every 20 ms meanwhile.
      scheduler.wake();
      await sleep(200);
      assert.deepEqual(claims, [SLOTS], 'a claim for one slot while seven were busy, before the wait was over');

      // Three more: half the slots are free, so the claim goes without waiting out the clock.
      await release(3);
      await waitFor('a claim once half the slots are free', () => claims.length === 2);
      assert.deepEqual(claims, [SLOTS, 4]);

      // One more frees and new work is announced: it waits again, until the clock passes the wait.
      await release(1);
      scheduler.wake();
      await sleep(100);
      assert.deepEqual(claims, [SLOTS, 4]);
      clock += 21; // no wake: the wait's own timer makes the claim
      await waitFor('a claim once the wait is over', () => claims.length === 3);
      assert.deepEqual(claims, [SLOTS, 4, 1]);
    } finally {
      for (const answer of held.splice(0)) answer();
      await scheduler.stop(5_000);
    }

    /** Lets the `n` oldest held requests be answered, and waits until their results are recorded. */
    async function release(n: number): Promise<void> {
      const before = await succeeded();
      for (const answer of held.splice(0, n)) answer();
      await waitFor(`${n} answered and recorded`, async () => (await succeeded()) === before + n);
    }
  });

  async function succeeded(): Promise<number> {
    return (await store.deliveries.list('acme', { status: 'succeeded', limit: 100 })).data.length;
  }
});

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
