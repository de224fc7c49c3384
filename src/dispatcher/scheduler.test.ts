// The scheduler on a real SQLite store and a real receiver on loopback that answers only when the
// test lets it, with a clock of the test's own: what it claims, and when.
// - Claims in batches (refillAt, CLAIM_WAIT_MAX_MS): while the clock stands still, a slot freed
//   with others busy is not claimed for, even when new work is announced, however long the host
//   takes; it is once half the slots are free, or once the clock has passed the wait. A
//   dispatcher that claims whenever a slot frees or work arrives fails the first checks; one that
//   never stops waiting, the last.
// - A claim that stepped over a tenant at its share and found nothing is not made again for new
//   work of that same tenant, only for another's or for work of no known tenant (wake).
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import pino from 'pino';
import { loadConfig } from '../config.ts';
import { subscriptionMatches } from '../core/matching.ts';
import { newId } from '../ids.ts';
import { createTemplateRenderer } from '../render/renderer.ts';
import { openStore } from '../store/open.ts';
import type { NewEvent, Store } from '../store/store.ts';
import { makeEngine } from '../../test/helpers/engines.ts';
import { startReceiver } from '../../test/helpers/receiver.ts';
import { waitFor } from '../../test/helpers/wait.ts';
import { newWebhook } from '../../test/helpers/webhooks.ts';
import { createScheduler, type Scheduler } from './scheduler.ts';
import { createSender } from './sender.ts';

const log = pino({ level: 'silent' });
const SLOTS = 8; // half of them (4) is what a claim waits for
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const event = (): NewEvent => ({ id: newId('evt'), idempotencyKey: null, type: 'job', occurredAt: 1, data: {}, actor: null, resource: null, previous: null, changes: null });

interface Setup {
  store: Store;
  scheduler: Scheduler;
  /** Each claim the scheduler made: how many it asked for, stepping over which tenants, how many it got. */
  claims: { skip: readonly string[]; got: number }[];
  /** Answers the receiver holds, oldest first: calling one lets that request be answered. */
  held: (() => void)[];
  clock: { now: number };
  /** Deliveries of `tenant` recorded as succeeded. */
  succeeded(tenant: string): Promise<number>;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A store with `events` events for one webhook of `tenant`, and a scheduler (not started) on `env`'s settings. */
async function setUp(tenant: string, events: number, env: Record<string, string>): Promise<Setup> {
  const fixture = await makeEngine('sqlite');
  const store = openStore({ ...fixture, encryptionKey: 'scheduler-test-key' });
  await store.migrate();
  const held: (() => void)[] = [];
  const receiver = await startReceiver(() => ({ status: 204, until: new Promise<void>((resolve) => held.push(resolve)) }));
  cleanups.push(async () => {
    await receiver.close();
    await store.close();
    await fixture.dispose();
  });
  await store.tenants.create({ id: tenant, name: tenant, notifyEmails: [] }, 1);
  await store.webhooks.create(newWebhook(tenant, ['job'], { url: `${receiver.url}/hook` }), 1);
  const clock = { now: 1_000_000 };
  await store.events.ingest(tenant, Array.from({ length: events }, event), (ws, e) => ws.filter((w) => subscriptionMatches(w, e.type, e.data)), () => newId('dlv'), clock.now);

  const claims: Setup['claims'] = [];
  const claim = store.deliveries.claim.bind(store.deliveries);
  const watched: Store = {
    ...store,
    deliveries: { ...store.deliveries, claim: async (...args) => { const got = await claim(...args); claims.push({ skip: args[4] ?? [], got: got.length }); return got; } },
  };
  const config = loadConfig({ RELAIS_ALLOW_TARGETS: '127.0.0.0/8', RELAIS_CONCURRENCY: String(SLOTS), ...env });
  const scheduler = createScheduler({
    store: watched, sender: createSender({ timeoutMs: 60_000, allowTargets: config.allowTargets, log }), templates: createTemplateRenderer(),
    config, log, disableWebhook: async () => {}, now: () => clock.now,
  });
  cleanups.push(async () => {
    for (const answer of held.splice(0)) answer();
    await scheduler.stop(5_000);
  });
  const succeeded = async (t: string): Promise<number> => (await store.deliveries.list(t, { status: 'succeeded', limit: 100 })).data.length;
  return { store, scheduler, claims, held, clock, succeeded };
}

describe('scheduler', () => {
  it('claims for half the slots while others are busy, or once the claim wait is over', async () => {
    // No slots held back for other tenants: the one tenant here may fill them all.
    const { scheduler, claims: made, held, clock, succeeded } = await setUp('acme', 30, { RELAIS_TENANT_RESERVE: '0' });
    const claims = (): number[] => made.filter((c) => c.got > 0).map((c) => c.got);
    /** Lets the `n` oldest held requests be answered, and waits until their results are recorded. */
    async function release(n: number): Promise<void> {
      const before = await succeeded('acme');
      for (const answer of held.splice(0, n)) answer();
      await waitFor(`${n} answered and recorded`, async () => (await succeeded('acme')) === before + n);
    }
    scheduler.start();
    await waitFor('every slot sending', () => held.length === SLOTS);
    assert.deepEqual(claims(), [SLOTS]);

    // One slot frees, seven still busy: a finished send refills only from half the slots.
    await release(1);
    await sleep(200);
    assert.deepEqual(claims(), [SLOTS], 'a claim for one slot, made by the send that freed it');

    // New work is announced (ingest, NOTIFY): the claim waits, for as long as the clock stands
    // still, though its timer fires every 20 ms meanwhile.
    scheduler.wake();
    await sleep(200);
    assert.deepEqual(claims(), [SLOTS], 'a claim for one slot while seven were busy, before the wait was over');

    // Three more: half the slots are free, so the claim goes without waiting out the clock.
    await release(3);
    await waitFor('a claim once half the slots are free', () => claims().length === 2);
    assert.deepEqual(claims(), [SLOTS, 4]);

    // One more frees and new work is announced: it waits again, until the clock passes the wait.
    await release(1);
    scheduler.wake();
    await sleep(100);
    assert.deepEqual(claims(), [SLOTS, 4]);
    clock.now += 21; // no wake: the wait's own timer makes the claim
    await waitFor('a claim once the wait is over', () => claims().length === 3);
    assert.deepEqual(claims(), [SLOTS, 4, 1]);
  });

  it('does not step over a tenant again for its own new work, but does for another\'s', async () => {
    // Half the slots held back: the one tenant here takes 4 of 8, and what else it brought waits
    // in memory for its turn, so the next claim steps over it and finds nothing.
    const { scheduler, claims, held } = await setUp('busy', 30, { RELAIS_TENANT_RESERVE: '4', RELAIS_TENANT_GUARANTEE: '1' });
    const steppingOver = (): number => claims.filter((c) => c.skip.includes('busy')).length;
    scheduler.start();
    await waitFor('the tenant\'s share sending', () => held.length === 4);
    await waitFor('a claim stepping over it', () => steppingOver() === 1);
    assert.equal(claims.find((c) => c.skip.includes('busy'))!.got, 0);

    scheduler.wake(['busy']); // ingest of that same tenant's events
    await sleep(200);
    assert.equal(steppingOver(), 1, 'stepped over the tenant again for its own new work');

    scheduler.wake(['other']); // another tenant's: its deliveries are worth the claim
    await waitFor('a claim for another tenant\'s work', () => steppingOver() === 2);
    scheduler.wake(); // work of no known tenant (NOTIFY, a resend)
    await waitFor('a claim for work of no known tenant', () => steppingOver() === 3);
    await sleep(100);
    assert.equal(steppingOver(), 3);
  });
});
