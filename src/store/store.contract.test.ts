// One suite every engine passes: what the rest of Relais may rely on from a Store.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ENGINES, makeEngine, rawRows as rawRowsOf, type EngineFixture } from '../../test/helpers/engines.ts';
import { idFloor, newId } from '../ids.ts';
import { subscriptionMatches } from '../core/matching.ts';
import type { Webhook } from '../core/model.ts';
import { openStore } from './open.ts';
import type { FailureRecord, Matcher, NewEvent, Store } from './store.ts';
import { newWebhook } from '../../test/helpers/webhooks.ts';
import { legacyKey, sealWith, secretBox } from './kysely/secrets.ts';

const match: Matcher = (webhooks, e) => webhooks.filter((w) => subscriptionMatches(w, e.type, e.data));
const dlv = () => newId('dlv');
const lease = () => newId('att');

function event(type: string, data: NewEvent['data'] = {}, idempotencyKey: string | null = null): NewEvent {
  return { id: newId('evt'), idempotencyKey, type, occurredAt: 1_700_000_000_000, data, actor: null, resource: null, previous: null, changes: null };
}

async function webhook(store: Store, tenantId: string, events: string[], extra: Partial<Webhook> = {}): Promise<Webhook> {
  return store.webhooks.create(newWebhook(tenantId, events, extra), Date.now());
}

for (const engineName of ENGINES) {
  describe(`store contract: ${engineName}`, () => {
    let fixture: EngineFixture;
    let store: Store;
    before(async () => {
      fixture = await makeEngine(engineName);
      store = openStore({ ...fixture, encryptionKey: 'contract-test-key' });
      await store.migrate();
      await store.migrate(); // idempotent
      await store.tenants.create({ id: 'acme', name: 'Acme', notifyEmails: ['ops@acme.test'] }, 1);
      await store.tenants.create({ id: 'globex', name: 'Globex', notifyEmails: [] }, 1);
    });
    // The queue is shared by every tenant: lease away whatever earlier tests left due.
    async function drain(now: number): Promise<void> {
      while ((await store.deliveries.claim(1000, 10 ** 12, now, lease)).length > 0);
    }
    /** Nothing is claimed while the webhook is disabled; once enabled, its held deliveries are, in the order of `eventIds`. */
    async function heldUntilEnabled(tenantId: string, webhookId: string, t0: number, eventIds: readonly string[]): Promise<void> {
      assert.equal((await store.deliveries.claim(10, 1000, t0 + 10_000, lease)).length, 0, 'held deliveries are not claimed');
      await store.webhooks.update(tenantId, webhookId, { enabled: true }, t0 + 20_000);
      const claimed = await store.deliveries.claim(10, 1000, t0 + 20_000, lease);
      assert.deepEqual(claimed.map((c) => c.event.id), eventIds, 'released oldest first');
    }
    after(async () => {
      await store.close();
      await fixture.dispose();
    });
    const rawRows = <T>(query: string, params: unknown[]): Promise<T[]> => rawRowsOf<T>(fixture, query, params);

    it('creates a tenant once and reads it back', async () => {
      assert.equal(await store.tenants.create({ id: 'acme', name: 'Again', notifyEmails: [] }, 2), undefined);
      assert.deepEqual(await store.tenants.get('acme'), { id: 'acme', name: 'Acme', notifyEmails: ['ops@acme.test'], exportKey: null, createdAt: 1 });
    });

    it('lists tenants by id, a page at a time', async () => {
      const first = await store.tenants.list({ limit: 1 });
      assert.deepEqual(first.data.map((t) => t.id), ['acme']);
      assert.equal(first.nextCursor, 'acme');
      const rest = await store.tenants.list({ after: 'acme', limit: 10 });
      assert.deepEqual(rest.data.map((t) => t.id), ['globex']);
      assert.equal(rest.nextCursor, null);
    });

    it('keeps a setting first written', async () => {
      assert.equal(await store.settings.putIfAbsent('k', 'one'), 'one');
      assert.equal(await store.settings.putIfAbsent('k', 'two'), 'one');
      assert.equal(await store.settings.get('k'), 'one');
    });

    it('finds a token by hash until it expires', async () => {
      await store.tokens.create({ id: newId('tok'), tenantId: 'acme', name: null, hash: 'h1', lastChars: 'aaaa', expiresAt: null }, 1);
      await store.tokens.create({ id: newId('tok'), tenantId: 'acme', name: 'zapier', hash: 'h2', lastChars: 'bbbb', expiresAt: 100 }, 1);
      assert.deepEqual(await store.tokens.tenantForHash('h1', 1000), { tenantId: 'acme', expiresAt: null });
      assert.deepEqual(await store.tokens.tenantForHash('h2', 99), { tenantId: 'acme', expiresAt: 100 });
      assert.equal(await store.tokens.tenantForHash('h2', 100), undefined);
      assert.equal(await store.tokens.tenantForHash('nope', 1), undefined);
    });

    it('lists a tenant\'s tokens newest first, without their hashes, and revokes one', async () => {
      const listed = await store.tokens.list('acme');
      assert.deepEqual(listed.map((t) => [t.name, t.lastChars, t.expiresAt]), [['zapier', 'bbbb', 100], [null, 'aaaa', null]]);
      assert.ok(!JSON.stringify(listed).includes('h1'), 'no hash listed');
      assert.equal(await store.tokens.revoke('globex', listed[1]!.id), false, 'another tenant\'s token is not found');
      assert.equal(await store.tokens.revoke('acme', listed[1]!.id), true);
      assert.equal(await store.tokens.tenantForHash('h1', 1000), undefined, 'a revoked token no longer authenticates');
      assert.deepEqual((await store.tokens.list('acme')).map((t) => t.id), [listed[0]!.id]);
    });

    it('upserts event types', async () => {
      const first = await store.eventTypes.upsert({ name: 'a.b', description: 'x', schema: null, example: { n: 1 }, filters: [] }, 1);
      assert.equal(first.created, true);
      const second = await store.eventTypes.upsert({ name: 'a.b', description: 'y', schema: { type: 'object' }, example: null, filters: [{ field: 'n', label: 'N' }] }, 2);
      assert.equal(second.created, false);
      assert.equal(second.eventType.createdAt, 1);
      assert.deepEqual((await store.eventTypes.get('a.b'))?.filters, [{ field: 'n', label: 'N' }]);
    });

    it('scopes webhooks to their tenant and seals secrets', async () => {
      const w = await webhook(store, 'acme', ['*']);
      assert.equal((await store.webhooks.get('acme', w.id))?.secret, w.secret);
      assert.equal(await store.webhooks.get('globex', w.id), undefined);
      assert.equal(await store.webhooks.update('globex', w.id, { url: 'http://x' }, 5), undefined);
      assert.equal(await store.webhooks.delete('globex', w.id), false);
      assert.ok(!(await store.webhooks.list('globex')).some((x) => x.id === w.id));
      const patched = await store.webhooks.update('acme', w.id, { description: 'd', headers: { 'x-a': '1' }, secretHeaders: [] }, 5);
      assert.equal(patched?.description, 'd');
      assert.deepEqual(patched?.headers, { 'x-a': '1' });
      assert.equal(await store.webhooks.delete('acme', w.id), true);
    });

    it('stores webhook secrets encrypted when a key is set', async () => {
      const w = await webhook(store, 'acme', ['*']);
      await store.webhooks.rotateSecret('acme', w.id, 'whsec_plJ3nmyCDGBKInavdOK15jslplJ3nmyC', Date.now() + 1000, Date.now());
      const [raw] = await rawRows<{ secret: string; previous_secret: string }>('SELECT secret, previous_secret FROM webhooks WHERE id = $1', [w.id]);
      assert.match(raw?.secret ?? '', /^enc:v2:[\w-]{8}:/);
      assert.match(raw?.previous_secret ?? '', /^enc:v2:[\w-]{8}:/);
      assert.ok(!JSON.stringify(raw).includes('plJ3nm') && !JSON.stringify(raw).includes(w.secret.slice(6)), 'no secret in clear');
      const read = await store.webhooks.get('acme', w.id);
      assert.equal(read?.previousSecret, w.secret, 'and read back in clear');
      assert.equal(read?.secret, 'whsec_plJ3nmyCDGBKInavdOK15jslplJ3nmyC');
    });

    it('seals secret header values, opens them for sending, and keeps other headers plain', async () => {
      const w = await webhook(store, 'acme', ['*'], { headers: { Authorization: 'Bearer hdr-s3cret', 'X-Plain': 'shown' }, secretHeaders: ['authorization'] });
      const [raw] = await rawRows<{ headers: string }>('SELECT headers FROM webhooks WHERE id = $1', [w.id]);
      assert.ok(!raw?.headers.includes('hdr-s3cret'), 'not in clear at rest');
      assert.match((JSON.parse(raw!.headers) as Record<string, string>).Authorization ?? '', /^enc:v2:/);
      assert.ok(raw?.headers.includes('shown'));
      assert.deepEqual((await store.webhooks.get('acme', w.id))?.headers, { Authorization: 'Bearer hdr-s3cret', 'X-Plain': 'shown' });
      const patched = await store.webhooks.update('acme', w.id, { headers: { 'X-Key': 'k2' }, secretHeaders: ['x-key'] }, 5);
      assert.deepEqual([patched?.headers, patched?.secretHeaders], [{ 'X-Key': 'k2' }, ['x-key']]);
    });

    it('opens values sealed before key ids, and re-seals everything under a new key', async () => {
      const w = await webhook(store, 'acme', ['*'], { headers: { 'X-Token': 'tok-value' }, secretHeaders: ['x-token'] });
      // As an older Relais sealed it: SHA-256 of the passphrase, no key id.
      const old = `enc:v1:${sealWith(legacyKey('contract-test-key'), 'whsec_plJ3nmyCDGBKInavdOK15jslplJ3nmyC')}`;
      await rawRows('UPDATE webhooks SET previous_secret = $1 WHERE id = $2', [old, w.id]);
      assert.equal((await store.webhooks.get('acme', w.id))?.previousSecret, 'whsec_plJ3nmyCDGBKInavdOK15jslplJ3nmyC');

      const to = secretBox('the-next-key');
      assert.ok((await store.webhooks.resealSecrets(to, 2)) >= 3, 'every webhook, in batches of 2');
      const [raw] = await rawRows<{ secret: string; previous_secret: string; headers: string }>('SELECT secret, previous_secret, headers FROM webhooks WHERE id = $1', [w.id]);
      for (const v of [raw!.secret, raw!.previous_secret, (JSON.parse(raw!.headers) as Record<string, string>)['X-Token']!]) assert.ok(v.startsWith(`enc:v2:${to.keyId}:`), v);
      const next = openStore({ ...fixture, encryptionKey: 'the-next-key' });
      try {
        const read = await next.webhooks.get('acme', w.id);
        assert.deepEqual([read?.secret, read?.previousSecret, read?.headers], [w.secret, 'whsec_plJ3nmyCDGBKInavdOK15jslplJ3nmyC', { 'X-Token': 'tok-value' }]);
      } finally {
        await next.close();
      }
      await assert.rejects(store.webhooks.get('acme', w.id), /sealed under key/, 'the old key no longer opens them');
      // Back to the suite's key, for the tests after this one.
      const back = openStore({ ...fixture, encryptionKey: 'the-next-key' });
      try {
        await back.webhooks.resealSecrets(secretBox('contract-test-key'));
      } finally {
        await back.close();
      }
    });

    it('ingests an event with one delivery per matching webhook, idempotently', async () => {
      await store.tenants.create({ id: 'ing', name: 'Ingest', notifyEmails: [] }, 1);
      const exact = await webhook(store, 'ing', ['order.paid']);
      const prefix = await webhook(store, 'ing', ['order.*']);
      await webhook(store, 'ing', ['invoice.*']);
      await webhook(store, 'ing', ['*'], { enabled: false });
      const filtered = await webhook(store, 'ing', ['*'], { filters: { shop: ['s1'] } });
      const [first] = await store.events.ingest('ing', [event('order.paid', { shop: 's2' }, 'key-1')], match, dlv, 10);
      assert.equal(first?.created, true);
      assert.equal(first?.event.deliveriesCount, 2);
      const list = await store.deliveries.list('ing', { limit: 10 });
      assert.deepEqual(new Set(list.data.map((d) => d.webhookId)), new Set([exact.id, prefix.id]));
      const [again] = await store.events.ingest('ing', [event('order.paid', { shop: 's1' }, 'key-1')], match, dlv, 11);
      assert.equal(again?.created, false);
      assert.equal(again?.event.id, first?.event.id);
      assert.equal((await store.deliveries.list('ing', { limit: 10 })).data.length, 2);
      const [withFilter] = await store.events.ingest('ing', [event('order.paid', { shop: 's1' })], match, dlv, 12);
      assert.equal(withFilter?.event.deliveriesCount, 3);
      assert.ok((await store.deliveries.list('ing', { webhookId: filtered.id, limit: 10 })).data.length === 1);
      assert.equal(await store.events.get('globex', first!.event.id), undefined);
    });

    it('answers a batch in order: a key stored before, a new key twice, no key', async () => {
      await store.tenants.create({ id: 'mix', name: 'Mix', notifyEmails: [] }, 1);
      await webhook(store, 'mix', ['m.*']);
      const [stored] = await store.events.ingest('mix', [event('m.a', { n: 0 }, 'old')], match, dlv, 1);
      const results = await store.events.ingest('mix', [
        event('m.a', { n: 1 }, 'old'), event('m.a', { n: 2 }, 'new'), event('m.a', { n: 3 }, 'new'), event('m.a', { n: 4 }),
      ], match, dlv, 2);
      assert.deepEqual(results.map((r) => r.created), [false, true, false, true]);
      assert.equal(results[0]?.event.id, stored?.event.id);
      assert.equal(results[2]?.event.id, results[1]?.event.id, 'the repeat answers with the first of the batch');
      assert.deepEqual(results.map((r) => JSON.parse(r.event.dataJson)), [{ n: 0 }, { n: 2 }, { n: 2 }, { n: 4 }]);
      assert.equal((await store.deliveries.list('mix', { limit: 10 })).data.length, 3, 'one delivery per event stored');
    });

    it('keeps the same idempotency key apart between tenants', async () => {
      const [a] = await store.events.ingest('acme', [event('x', {}, 'shared')], match, dlv, 1);
      const [b] = await store.events.ingest('globex', [event('x', {}, 'shared')], match, dlv, 1);
      assert.equal(a?.created, true);
      assert.equal(b?.created, true);
    });

    it('claims due deliveries under a lease, completes them, and reclaims expired leases', async () => {
      await store.tenants.create({ id: 'q', name: 'Queue', notifyEmails: [] }, 1);
      const w = await webhook(store, 'q', ['job.*']);
      const t0 = 1_000_000;
      await drain(t0);
      await store.events.ingest('q', [event('job.a'), event('job.b'), event('job.c')], match, dlv, t0);
      assert.equal(await store.deliveries.nextDueAt(), t0);
      const first = await store.deliveries.claim(2, 1000, t0, lease);
      assert.equal(first.length, 2);
      assert.equal(first[0]?.webhook?.id, w.id);
      assert.equal(first[0]?.webhook?.secret, w.secret);
      assert.equal(first[0]?.event.type, 'job.a');
      assert.equal(first[0]?.delivery.status, 'delivering');
      const second = await store.deliveries.claim(10, 1000, t0, lease);
      assert.equal(second.length, 1, 'leased rows are not claimed twice');
      assert.equal((await store.deliveries.claim(10, 1000, t0 + 500, lease)).length, 0);

      const [a, b] = first as [typeof first[0] & object, typeof first[0] & object];
      await store.deliveries.complete([
        {
          deliveryId: a.delivery.id, leaseId: a.leaseId, tenantId: 'q', webhookId: w.id, status: 'succeeded', dueAt: null,
          attempt: { id: newId('att'), startedAt: t0, durationMs: 5, request: { method: 'POST', url: w.url, headers: {}, body: '{}' }, response: { status: 200, headers: {}, body: 'ok', bodyTruncated: false }, errorKind: null, errorMessage: null, succeeded: true },
        },
        {
          deliveryId: b.delivery.id, leaseId: 'not-the-lease', tenantId: 'q', webhookId: w.id, status: 'succeeded', dueAt: null,
          attempt: { id: newId('att'), startedAt: t0, durationMs: 5, request: { method: 'POST', url: w.url, headers: {}, body: '{}' }, response: null, errorKind: 'timeout', errorMessage: 'x', succeeded: false },
        },
      ], t0 + 10);
      const done = await store.deliveries.get('q', a.delivery.id);
      assert.equal(done?.delivery.status, 'succeeded');
      assert.equal(done?.delivery.attempts, 1);
      assert.equal(done?.delivery.lastStatusCode, 200);
      assert.equal(done?.attempts.length, 1);
      assert.equal(done?.attempts[0]?.response?.body, 'ok');
      const stale = await store.deliveries.get('q', b.delivery.id);
      assert.equal(stale?.delivery.status, 'delivering', 'a completion with a lost lease is ignored');
      assert.equal(stale?.attempts.length, 0);

      // b's lease expires (its worker died): it is claimed again, with a new lease.
      const reclaimed = await store.deliveries.claim(10, 1000, t0 + 1000, lease);
      assert.deepEqual(reclaimed.map((c) => c.delivery.id).sort(), [b.delivery.id, second[0]!.delivery.id].sort());
      await store.deliveries.release(reclaimed.map((c) => ({ deliveryId: c.delivery.id, leaseId: c.leaseId })), t0 + 1001);
      const released = await store.deliveries.get('q', b.delivery.id);
      assert.equal(released?.delivery.status, 'pending');
      assert.equal(released?.delivery.attempts, 0);
      assert.equal(released?.delivery.dueAt, t0 + 1001);
    });

    it('leases the first deliveries of an ingest as the caller asks, ready to send, and queues the rest', async () => {
      await store.tenants.create({ id: 'lease', name: 'Lease', notifyEmails: [] }, 1);
      const w = await webhook(store, 'lease', ['l.*']);
      const t0 = 3_000_000;
      await drain(t0);
      const asked: number[] = [];
      const leaseId = lease();
      const { results, leased } = await store.events.ingestLeasing('lease', [event('l.a', { n: 1 }), event('l.b', { n: 2 }), event('l.c', { n: 3 })], match, dlv, t0,
        { leaseId, until: t0 + 1000, take: (n) => (asked.push(n), 2) });
      assert.deepEqual(asked, [3], 'asked once, for every new delivery');
      assert.deepEqual(results.map((r) => r.created), [true, true, true]);
      assert.equal(leased.length, 2);
      assert.deepEqual(leased.map((c) => c.event.type), ['l.a', 'l.b']);
      assert.equal(leased[0]?.event.dataJson, '{"n":1}');
      assert.equal(leased[0]?.leaseId, leaseId);
      assert.equal(leased[0]?.webhook?.secret, w.secret, 'the secret opened, ready to sign');
      assert.equal(leased[0]?.delivery.status, 'delivering');
      for (const c of leased) {
        const stored = await store.deliveries.get('lease', c.delivery.id);
        assert.equal(stored?.delivery.status, 'delivering');
        assert.equal(stored?.delivery.dueAt, t0 + 1000, 'due again when the lease ends');
      }
      // Only the third is left for a claim; the leased two complete under the ingest's lease.
      const claimed = await store.deliveries.claim(10, 1000, t0, lease);
      assert.deepEqual(claimed.map((c) => c.event.type), ['l.c']);
      await store.deliveries.complete(leased.map((c) => ({
        deliveryId: c.delivery.id, leaseId: c.leaseId, tenantId: 'lease', webhookId: w.id, status: 'succeeded' as const, dueAt: null,
        attempt: { id: newId('att'), startedAt: t0, durationMs: 1, request: { method: 'POST', url: w.url, headers: {}, body: '{}' }, response: { status: 204, headers: {}, body: '', bodyTruncated: false }, errorKind: null, errorMessage: null, succeeded: true },
      })), t0 + 5);
      assert.equal((await store.deliveries.get('lease', leased[1]!.delivery.id))?.delivery.status, 'succeeded');

      // No webhook matches: no delivery, nothing asked for.
      const again = await store.events.ingestLeasing('lease', [event('nomatch')], match, dlv, t0, { leaseId, until: t0 + 1000, take: (n) => (asked.push(n), n) });
      assert.deepEqual(again.leased, []);
      assert.deepEqual(asked, [3]);
    });

    it('parks deliveries in their webhook\'s lane: claimed from there oldest first, not due to the queue before their deadline', async () => {
      await store.tenants.create({ id: 'lane', name: 'Lane', notifyEmails: [] }, 1);
      const w = await webhook(store, 'lane', ['ln']);
      const other = await webhook(store, 'lane', ['other']);
      const t0 = 4_000_000;
      await drain(t0);
      const ingested = await store.events.ingest('lane', [event('ln'), event('ln'), event('ln'), event('ln'), event('other')], match, dlv, t0);
      const claimed = await store.deliveries.claim(10, 1000, t0, lease);
      assert.equal(claimed.length, 5);
      // Parked in reverse: the lane goes by creation, not by when each was parked.
      const mine = claimed.filter((c) => c.delivery.webhookId === w.id).reverse();
      await store.deliveries.park(mine.map((c) => ({ deliveryId: c.delivery.id, leaseId: c.leaseId, dueAt: t0 + 60_000, webhookId: w.id })), t0 + 1);
      const parked = await store.deliveries.get('lane', mine[0]!.delivery.id);
      assert.deepEqual([parked?.delivery.status, parked?.delivery.dueAt, parked?.delivery.attempts, parked?.delivery.waitingForWebhook], ['pending', t0 + 60_000, 0, true]);
      assert.equal((await store.deliveries.list('lane', { webhookId: other.id, limit: 10 })).data[0]?.waitingForWebhook, false, 'leased, not parked');
      assert.equal((await store.deliveries.claim(10, 1000, t0 + 500, lease)).length, 0, 'the queue leaves a lane alone before its deadline');
      assert.deepEqual(await store.deliveries.claimParked(other.id, 10, 1000, t0 + 2, lease), [], 'another webhook\'s lane is empty');

      const firstTwo = await store.deliveries.claimParked(w.id, 2, 1000, t0 + 2, lease);
      assert.deepEqual(firstTwo.map((c) => c.event.id), ingested.slice(0, 2).map((r) => r.event.id), 'oldest first, whatever the deadline');
      assert.equal(firstTwo[0]?.delivery.status, 'delivering');
      assert.equal((await store.deliveries.get('lane', firstTwo[0]!.delivery.id))?.delivery.waitingForWebhook, false, 'out of the lane once claimed');
      assert.equal(firstTwo[0]?.webhook?.secret, w.secret, 'ready to send');
      assert.equal((await store.deliveries.get('lane', firstTwo[0]!.delivery.id))?.delivery.dueAt, t0 + 1002, 'under a lease like any claim');
      assert.equal((await store.deliveries.claimParked(w.id, 10, 1000, t0 + 2, lease)).length, 2, 'the other two; the leased ones left the lane');
      await store.deliveries.release(firstTwo.map((c) => ({ deliveryId: c.delivery.id, leaseId: c.leaseId })), t0 + 3);
      assert.equal((await store.deliveries.claimParked(w.id, 10, 1000, t0 + 3, lease)).length, 0, 'released without a lane: out of it');
      assert.equal((await store.deliveries.claim(10, 1000, t0 + 3, lease)).length, 2, 'and due to the queue');
    });

    it('renews a lane\'s deadline (never to an earlier one), claims it in creation order, and empties it on demand', async () => {
      await store.tenants.create({ id: 'lane2', name: 'Lane 2', notifyEmails: [] }, 1);
      const w = await webhook(store, 'lane2', ['l2']);
      const t0 = 4_500_000;
      await drain(t0);
      const ingested = await store.events.ingest('lane2', [event('l2'), event('l2'), event('l2')], match, dlv, t0);
      const [a, b, c] = await store.deliveries.claim(10, 1000, t0, lease);
      await store.deliveries.park([{ deliveryId: a!.delivery.id, leaseId: a!.leaseId, dueAt: t0 + 1000, webhookId: w.id }], t0);
      await store.deliveries.renewParked([w.id], t0 + 5000, t0 + 1);
      assert.equal((await store.deliveries.get('lane2', a!.delivery.id))?.delivery.dueAt, t0 + 5000);
      await store.deliveries.renewParked([w.id], t0 + 2000, t0 + 1);
      assert.equal((await store.deliveries.get('lane2', a!.delivery.id))?.delivery.dueAt, t0 + 5000, 'never brought forward');

      // A retry parked as it fell due (its breaker open), and one due later, not parked.
      await store.deliveries.park([{ deliveryId: b!.delivery.id, leaseId: b!.leaseId, dueAt: t0 + 70_000, webhookId: w.id }], t0 + 2);
      await store.deliveries.release([{ deliveryId: c!.delivery.id, leaseId: c!.leaseId, dueAt: t0 + 90_000 }], t0 + 2);
      assert.equal((await store.deliveries.get('lane2', b!.delivery.id))?.delivery.dueAt, t0 + 70_000, 'due at the deadline');
      assert.equal((await store.deliveries.get('lane2', c!.delivery.id))?.delivery.dueAt, t0 + 90_000, 'a later retry keeps its time');
      const lane = await store.deliveries.claimParked(w.id, 10, 1000, t0 + 3, lease);
      assert.deepEqual(lane.map((x) => x.event.id), ingested.slice(0, 2).map((r) => r.event.id), 'the retry joined the lane, in creation order');
      await store.deliveries.park(lane.map((x) => ({ deliveryId: x.delivery.id, leaseId: x.leaseId, dueAt: t0 + 60_000, webhookId: w.id })), t0 + 4);

      await store.deliveries.unpark([w.id], t0 + 5);
      assert.equal((await store.deliveries.claimParked(w.id, 10, 1000, t0 + 5, lease)).length, 0, 'the lane is empty');
      const due = await store.deliveries.claim(10, 1000, t0 + 5, lease);
      assert.deepEqual(due.map((x) => x.event.id), ingested.slice(0, 2).map((r) => r.event.id), 'due at once to the queue');
    });

    it('takes a cancelled or held delivery out of its lane', async () => {
      await store.tenants.create({ id: 'lane3', name: 'Lane 3', notifyEmails: [] }, 1);
      const w = await webhook(store, 'lane3', ['l3']);
      const t0 = 4_700_000;
      await drain(t0);
      await store.events.ingest('lane3', [event('l3'), event('l3')], match, dlv, t0);
      const park = async (now: number) => {
        const claimed = await store.deliveries.claim(10, 1000, now, lease);
        await store.deliveries.park(claimed.map((x) => ({ deliveryId: x.delivery.id, leaseId: x.leaseId, dueAt: now + 60_000, webhookId: w.id })), now);
        return claimed.length;
      };
      assert.equal(await park(t0), 2);
      await store.webhooks.update('lane3', w.id, { enabled: false }, t0 + 1);
      assert.equal((await store.deliveries.claimParked(w.id, 10, 1000, t0 + 2, lease)).length, 0, 'held: out of the lane');
      await store.webhooks.update('lane3', w.id, { enabled: true }, t0 + 3);
      assert.equal(await park(t0 + 3), 2, 'due again on enable');
      assert.equal(await store.deliveries.cancelPending('lane3', w.id, t0 + 4), 2);
      assert.equal((await store.deliveries.claimParked(w.id, 10, 1000, t0 + 5, lease)).length, 0, 'cancelled: out of the lane');
      // Out of the lane's index too, not only filtered out of its claims.
      assert.deepEqual(await rawRows('SELECT id FROM deliveries WHERE parked_for = $1', [w.id]), []);
    });

    it('holds a disabled webhook\'s deliveries and releases them, oldest first, on enable', async () => {
      await store.tenants.create({ id: 'hold', name: 'Hold', notifyEmails: [] }, 1);
      const w = await webhook(store, 'hold', ['h']);
      const t0 = 5_000_000;
      await drain(t0);
      const ingested = await store.events.ingest('hold', [event('h'), event('h'), event('h')], match, dlv, t0);
      await store.webhooks.update('hold', w.id, { enabled: false }, t0);
      const held = (await store.deliveries.list('hold', { limit: 10 })).data;
      assert.deepEqual(held.map((d) => [d.status, d.dueAt]), [['pending', null], ['pending', null], ['pending', null]]);
      await heldUntilEnabled('hold', w.id, t0, ingested.map((r) => r.event.id));
    });

    it('holds at ingest what a webhook disabled by its failure policy matches, counts it, never leases it; a webhook disabled by hand gets nothing', async () => {
      await store.tenants.create({ id: 'held', name: 'Held', notifyEmails: [] }, 1);
      const failing = await webhook(store, 'held', ['hd.*']);
      const byHand = await webhook(store, 'held', ['hd.*']);
      const filtered = await webhook(store, 'held', ['hd.*'], { filters: { shop: ['s1'] } });
      const live = await webhook(store, 'held', ['hd.*']);
      const t0 = 5_200_000;
      await drain(t0);
      await store.webhooks.disable('held', failing.id, '3 failed attempts in a row', t0);
      await store.webhooks.disable('held', filtered.id, '3 failed attempts in a row', t0);
      await store.webhooks.update('held', byHand.id, { enabled: false }, t0);
      const asked: number[] = [];
      const { results, leased } = await store.events.ingestLeasing('held', [event('hd.a', { shop: 's2' }), event('hd.b', { shop: 's2' })], match, dlv, t0 + 1,
        { leaseId: lease(), until: 10 ** 12, take: (n) => (asked.push(n), n) });
      assert.deepEqual(results.map((r) => r.event.deliveriesCount), [2, 2], 'the live webhook\'s and the held one\'s');
      assert.deepEqual(asked, [2], 'only live deliveries are offered for leasing');
      assert.deepEqual(leased.map((c) => c.webhook?.id), [live.id, live.id]);
      const held = (await store.deliveries.list('held', { webhookId: failing.id, limit: 10 })).data;
      assert.deepEqual(held.map((d) => [d.status, d.dueAt, d.held]), [['pending', null, true], ['pending', null, true]]);
      assert.equal((await store.deliveries.list('held', { webhookId: byHand.id, limit: 10 })).data.length, 0, 'disabled by hand: nothing');
      assert.equal((await store.deliveries.list('held', { webhookId: filtered.id, limit: 10 })).data.length, 0, 'its filters apply while held');
      assert.deepEqual((await store.deliveries.list('held', { held: true, limit: 10 })).data.map((d) => d.webhookId), [failing.id, failing.id]);
      assert.deepEqual((await store.deliveries.list('held', { held: false, limit: 10 })).data.map((d) => [d.webhookId, d.held]), [[live.id, false], [live.id, false]]);
      await heldUntilEnabled('held', failing.id, t0, results.map((r) => r.event.id));
    });

    it('pages a tenant\'s events by time received, finds what a webhook failed or never had, and requeues each once', async () => {
      await store.tenants.create({ id: 'recov', name: 'Recover', notifyEmails: [] }, 1);
      const w = await webhook(store, 'recov', ['rv']);
      const other = await webhook(store, 'recov', ['rv']);
      const t0 = 5_300_000;
      await drain(t0);
      const first = await store.events.ingest('recov', [event('rv', { n: 1 }), event('rv', { n: 2 }), event('rv', { n: 3 })], match, dlv, t0);
      const [e1, e2, e3] = first.map((r) => r.event.id) as [string, string, string];
      // w: e1 failed, e2 succeeded, e3 failed then resent (pending); the other webhook's all succeeded.
      const claimed = await store.deliveries.claim(10, 1000, t0, lease);
      assert.equal(claimed.length, 6);
      const failedOf = new Set([e1, e3]);
      await store.deliveries.complete(claimed.map((c) => {
        const ok = c.delivery.webhookId !== w.id || !failedOf.has(c.event.id);
        return {
          deliveryId: c.delivery.id, leaseId: c.leaseId, tenantId: 'recov', webhookId: c.delivery.webhookId, status: ok ? 'succeeded' as const : 'failed' as const, dueAt: null,
          attempt: { id: newId('att'), startedAt: t0, durationMs: 1, request: { method: 'POST' as const, url: w.url, headers: {}, body: '{}' }, response: { status: ok ? 200 : 500, headers: {}, body: '', bodyTruncated: false }, errorKind: null, errorMessage: null, succeeded: ok },
        };
      }), t0 + 1);
      await store.deliveries.create('recov', { id: dlv(), eventId: e3, eventType: 'rv', webhookId: w.id }, t0 + 2);
      await store.webhooks.update('recov', w.id, { enabled: false }, t0 + 3); // by hand: e4 and e5 go to the other webhook only
      const [e4] = (await store.events.ingest('recov', [event('rv', { n: 4 })], match, dlv, t0 + 5)).map((r) => r.event.id);
      const [e5] = (await store.events.ingest('recov', [event('rv', { n: 5 })], match, dlv, t0 + 6)).map((r) => r.event.id);
      const all = [e1, e2, e3, e4!, e5!];

      const page1 = await store.events.received('recov', { since: t0, until: t0 + 7 }, 2);
      assert.deepEqual(page1.map((e) => [e.id, e.type, e.receivedAt]), [[e1, 'rv', t0], [e2, 'rv', t0]]);
      const page2 = await store.events.received('recov', { since: t0, until: t0 + 7, after: { receivedAt: t0, id: e2 } }, 2);
      assert.deepEqual(page2.map((e) => e.id), [e3, e4], 'on from the cursor, within its millisecond and after');
      assert.deepEqual((await store.events.received('recov', { since: t0 + 1, until: t0 + 6 }, 10)).map((e) => e.id), [e4], 'since included, until excluded');
      assert.deepEqual(await store.events.received('globex', { since: t0, until: t0 + 7 }, 10), [], 'the tenant\'s own events only');
      assert.deepEqual((await store.events.getMany('recov', [e5!, e1])).map((e) => e.id).sort(), [e1, e5].sort());
      assert.deepEqual(await store.events.getMany('globex', [e1]), []);

      assert.deepEqual(await store.webhooks.recoverable('recov', w.id, all), { failed: [e1], missing: [e4, e5] });
      assert.deepEqual(await store.webhooks.recoverable('recov', other.id, all), { failed: [], missing: [] });
      const ask = [{ eventId: e1, eventType: 'rv', kind: 'failed' as const }, { eventId: e2, eventType: 'rv', kind: 'missing' as const }, { eventId: e4!, eventType: 'rv', kind: 'missing' as const }];
      assert.equal(await store.webhooks.requeue('globex', w.id, ask, dlv, t0 + 10), undefined, 'another tenant\'s webhook');
      assert.deepEqual(await store.webhooks.requeue('recov', w.id, ask, dlv, t0 + 10), { resent: 1, created: 1 }, 'e2 is not missing: skipped');
      assert.deepEqual(await store.webhooks.requeue('recov', w.id, ask, dlv, t0 + 11), { resent: 0, created: 0 }, 'each once');
      const queued = (await store.deliveries.list('recov', { webhookId: w.id, held: true, limit: 10 })).data;
      assert.deepEqual(queued.map((d) => d.eventId), [e4, e1, e3], 'held while the webhook is disabled, with e3\'s resend (newest first)');
      await store.webhooks.update('recov', w.id, { enabled: true }, t0 + 20);
      const sent = await store.deliveries.claim(10, 1000, t0 + 20, lease);
      assert.deepEqual(sent.filter((c) => c.delivery.webhookId === w.id).map((c) => c.event.id), [e3, e1, e4], 'e3\'s earlier resend, then in the order asked');
    });

    it('claims around the tenants it is told to skip: their rows keep their place, attempts and due time', async () => {
      for (const id of ['flood', 'flood2', 'calm']) await store.tenants.create({ id, name: id, notifyEmails: [] }, 1);
      for (const id of ['flood', 'flood2', 'calm']) await webhook(store, id, ['sk']);
      const t0 = 5_500_000;
      await drain(t0);
      const flood = await store.events.ingest('flood', [event('sk'), event('sk'), event('sk')], match, dlv, t0);
      await store.events.ingest('flood2', [event('sk')], match, dlv, t0 + 1);
      const calm = await store.events.ingest('calm', [event('sk'), event('sk')], match, dlv, t0 + 2);
      await store.events.ingest('calm', [event('sk')], match, dlv, t0 + 50); // due later
      assert.equal(await store.deliveries.nextDueAt(['flood', 'flood2']), t0 + 2, 'the first due row of another tenant');
      const claimed = await store.deliveries.claim(10, 1000, t0 + 10, lease, ['flood', 'flood2']);
      assert.deepEqual(claimed.map((c) => c.event.id), calm.map((r) => r.event.id), 'only the others\' due rows');
      assert.equal(await store.deliveries.nextDueAt(['flood', 'flood2']), t0 + 50, 'skipped rows are not due to a skipping claim');
      assert.equal(await store.deliveries.nextDueAt(), t0, 'but are still due');
      const later = await store.deliveries.claim(10, 1000, t0 + 10, lease, ['flood2']);
      assert.deepEqual(later.map((c) => c.event.id), flood.map((r) => r.event.id), 'in their place, oldest first');
      assert.deepEqual(later.map((c) => c.delivery.attempts), [0, 0, 0]);
      assert.equal((await store.deliveries.claim(10, 1000, t0 + 10, lease)).length, 1, 'flood2\'s, once not skipped');
    });

    it('pages the log newest first and filters it', async () => {
      await store.tenants.create({ id: 'log', name: 'Log', notifyEmails: [] }, 1);
      const w = await webhook(store, 'log', ['*']);
      for (let i = 0; i < 5; i++) await store.events.ingest('log', [event(i % 2 ? 'odd' : 'even')], match, dlv, i);
      const p1 = await store.deliveries.list('log', { limit: 2 });
      const p2 = await store.deliveries.list('log', { limit: 2, before: p1.nextCursor ?? undefined });
      const p3 = await store.deliveries.list('log', { limit: 2, before: p2.nextCursor ?? undefined });
      const ids = [...p1.data, ...p2.data, ...p3.data].map((d) => d.id);
      assert.equal(ids.length, 5);
      assert.deepEqual(ids, [...ids].sort().reverse());
      assert.equal(p3.nextCursor, null);
      assert.equal((await store.deliveries.list('log', { eventType: 'odd', limit: 10 })).data.length, 2);
      assert.equal((await store.deliveries.list('log', { webhookId: w.id, status: 'pending', limit: 10 })).data.length, 5);
      assert.equal((await store.deliveries.list('log', { status: 'failed', limit: 10 })).data.length, 0);
    });

    // keyed false (no ordering key, as the dispatcher marks them): PostgreSQL records a batch of
    // successes in one statement (kysely/completions.ts); the record must come out the same.
    for (const keyed of [undefined, false] as const) it(`writes a clean webhook's record only when it changes: a success within a second of the last one stored leaves its row alone (keyed ${keyed})`, async () => {
      const tenant = `grain-${keyed === false ? 'unkeyed' : 'unknown'}`;
      await store.tenants.create({ id: tenant, name: 'Grain', notifyEmails: [] }, 1);
      const w = await webhook(store, tenant, [`${tenant}.*`]);
      const t0 = 1_700_000_000_000;
      await drain(t0);
      const finish = async (at: number, ok: boolean): Promise<FailureRecord[]> => {
        await store.events.ingest(tenant, [event(`${tenant}.a`)], match, dlv, at);
        const [c] = await store.deliveries.claim(1, 1000, at, lease);
        return store.deliveries.complete([{
          deliveryId: c!.delivery.id, leaseId: c!.leaseId, tenantId: tenant, webhookId: w.id, keyed, status: ok ? 'succeeded' : 'failed', dueAt: null,
          attempt: { id: newId('att'), startedAt: at, durationMs: 1, request: { method: 'POST', url: w.url, headers: {}, body: '{}' }, response: null, errorKind: ok ? null : 'timeout', errorMessage: null, succeeded: ok },
        }], at);
      };
      const record = async () => (await store.webhooks.get(tenant, w.id))!;
      assert.equal((await finish(t0, true)).length, 1, 'the first success is written');
      assert.equal((await record()).lastSuccessAt, t0);
      assert.deepEqual(await finish(t0 + 400, true), [], 'within the grain: nothing changed, nothing written');
      assert.equal((await record()).lastSuccessAt, t0);
      await finish(t0 + 1_500, true);
      assert.equal((await record()).lastSuccessAt, t0 + 1_500, 'older than the grain: written again');
      // A failure always counts, and the success after it is written at once, however soon.
      const [failed] = await finish(t0 + 1_600, false);
      assert.equal(failed?.consecutiveFailures, 1);
      assert.equal((await record()).failingSince, t0 + 1_600);
      const [reset] = await finish(t0 + 1_700, true);
      assert.equal(reset?.consecutiveFailures, 0);
      const after = await record();
      assert.deepEqual([after.consecutiveFailures, after.failingSince, after.lastSuccessAt], [0, null, t0 + 1_700]);
    });

    it('counts a webhook\'s recent attempts and failures', async () => {
      await store.tenants.create({ id: 'rec', name: 'Recent', notifyEmails: [] }, 1);
      const w = await webhook(store, 'rec', ['rec.*']);
      const t0 = 1_600_000_000_000;
      await drain(t0);
      await store.events.ingest('rec', [event('rec.a'), event('rec.b'), event('rec.c'), event('rec.d')], match, dlv, t0);
      const claimed = await store.deliveries.claim(10, 1000, t0, lease);
      assert.equal(claimed.length, 4);
      // Attempts an hour apart: ok, failed, failed, ok (ids made at those times: newId never goes back in time).
      await store.deliveries.complete(claimed.map((c, i) => ({
        deliveryId: c.delivery.id, leaseId: c.leaseId, tenantId: 'rec', webhookId: w.id, status: i % 3 ? 'failed' : 'succeeded', dueAt: null,
        attempt: { id: idFloor('att', t0 + i * 3_600_000), startedAt: t0 + i * 3_600_000, durationMs: 1, request: { method: 'POST', url: w.url, headers: {}, body: '{}' }, response: null, errorKind: i % 3 ? 'timeout' : null, errorMessage: null, succeeded: !(i % 3) },
      })), t0 + 4 * 3_600_000);
      assert.deepEqual(await store.attempts.recentOutcomes('rec', w.id, idFloor('att', t0), 100), { attempts: 4, failures: 2 });
      assert.deepEqual(await store.attempts.recentOutcomes('rec', w.id, idFloor('att', t0 + 2 * 3_600_000), 100), { attempts: 2, failures: 1 });
      assert.deepEqual(await store.attempts.recentOutcomes('rec', w.id, idFloor('att', t0), 3), { attempts: 3, failures: 2 }, 'the latest three');
      assert.deepEqual(await store.attempts.recentOutcomes('acme', w.id, idFloor('att', t0), 100), { attempts: 0, failures: 0 }, 'another tenant sees none');
    });
  });
}
