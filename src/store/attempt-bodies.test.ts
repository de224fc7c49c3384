// A delivery's request body is stored once (migration 0014), on both engines: its attempts keep
// method, URL and headers, and a body of their own only when they sent another; every read gives
// each attempt's request back whole, rows written before 0014 included; pruning leaves nothing.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { ENGINES, makeEngine, rawRows as rawRowsOf, type EngineFixture } from '../../test/helpers/engines.ts';
import { newWebhook } from '../../test/helpers/webhooks.ts';
import { subscriptionMatches } from '../core/matching.ts';
import type { AttemptRequest, DeliveryStatus, Webhook } from '../core/model.ts';
import { newId } from '../ids.ts';
import * as attemptBodies from './migrations/0014-attempt-bodies.ts';
import { openStore } from './open.ts';
import type { ClaimedDelivery, Matcher, NewEvent, Store } from './store.ts';

const match: Matcher = (webhooks, e) => webhooks.filter((w) => subscriptionMatches(w, e.type, e.data));
const event = (type: string): NewEvent => ({
  id: newId('evt'), idempotencyKey: null, type, occurredAt: 1, data: {}, actor: null, resource: null, previous: null, changes: null,
});
const lease = () => newId('lse');
const BODY = JSON.stringify({ type: 'order.paid', data: { id: 'ord_1', note: 'a "quoted" note, é, \u2028', lines: Array.from({ length: 20 }, (_, i) => ({ sku: `sku-${i}`, qty: i })) } });

// Completions whose deliveries have no ordering key (keyed: false, as the dispatcher marks them)
// are recorded in one statement on PostgreSQL, others in a transaction: both must store the same.
const RECORDINGS = [{ keyed: undefined, how: 'in a transaction' }, { keyed: false, how: 'keyed false (one statement on PostgreSQL)' }] as const;

for (const engineName of ENGINES) for (const { keyed, how } of RECORDINGS) {
  describe(`attempt bodies: ${engineName}, ${how}`, () => {
    let fixture: EngineFixture;
    let store: Store;
    let hook: Webhook;
    const t0 = Date.now();

    before(async () => {
      fixture = await makeEngine(engineName);
      store = openStore({ ...fixture, encryptionKey: 'attempt-bodies-test-key' });
      await store.migrate();
      await store.tenants.create({ id: 'acme', name: 'Acme', notifyEmails: [] }, 1);
      hook = await store.webhooks.create(newWebhook('acme', ['order.*']), t0);
    });
    after(async () => {
      await store?.close();
      await fixture?.dispose();
    });
    const rawRows = <T>(query: string, params: unknown[]): Promise<T[]> => rawRowsOf<T>(fixture, query, params);
    const storedRequests = async (deliveryId: string) =>
      (await rawRows<{ request: string }>('SELECT request FROM attempts WHERE delivery_id = $1 ORDER BY id', [deliveryId])).map((r) => JSON.parse(r.request) as Partial<AttemptRequest>);
    const storedBody = async (deliveryId: string) =>
      (await rawRows<{ request_body: string | null }>('SELECT request_body FROM deliveries WHERE id = $1', [deliveryId]))[0]?.request_body;

    const request = (body: string, n = 0): AttemptRequest => ({
      method: 'POST', url: `${hook.url}?n=${n}`, headers: { 'content-type': 'application/json', 'webhook-id': `msg_${n}`, 'x-api-key': '[redacted]' }, body,
    });

    /** A new delivery of a new event, claimed. */
    async function claimNew(): Promise<ClaimedDelivery> {
      const [stored] = await store.events.ingest('acme', [event('order.paid')], match, () => newId('dlv'), t0);
      const claimed = await store.deliveries.claim(100, 60_000, t0, lease);
      const mine = claimed.find((c) => c.event.id === stored!.event.id);
      assert.ok(mine, 'claimed');
      return mine;
    }
    /** Records one attempt of `claimed` and, unless it ends, claims it again. */
    async function attempt(claimed: ClaimedDelivery, req: AttemptRequest, status: DeliveryStatus, at: number): Promise<ClaimedDelivery> {
      const ok = status === 'succeeded';
      await store.deliveries.complete([{
        deliveryId: claimed.delivery.id, leaseId: claimed.leaseId, tenantId: 'acme', webhookId: hook.id, keyed, status, dueAt: status === 'pending' ? at : null,
        attempt: { id: newId('att'), startedAt: at, durationMs: 2, request: req, response: { status: ok ? 200 : 500, headers: {}, body: '', bodyTruncated: false }, errorKind: null, errorMessage: null, succeeded: ok },
      }], at);
      if (status !== 'pending') return claimed;
      const again = await store.deliveries.claim(100, 60_000, at, lease);
      const mine = again.find((c) => c.delivery.id === claimed.delivery.id);
      assert.ok(mine, 'claimed again');
      return mine;
    }

    it('stores the body once: the attempts of a delivery keep method, URL and headers, not a copy', async () => {
      let c = await claimNew();
      const sent: AttemptRequest[] = [];
      for (let i = 0; i < 5; i++) {
        sent.push(request(BODY, i));
        c = await attempt(c, sent.at(-1)!, 'pending', t0 + i);
      }
      sent.push(request(BODY, 5));
      await attempt(c, sent.at(-1)!, 'succeeded', t0 + 5);

      assert.equal(await storedBody(c.delivery.id), BODY, 'the delivery stores the body');
      const raw = await storedRequests(c.delivery.id);
      assert.equal(raw.length, 6);
      for (const [i, r] of raw.entries()) {
        assert.equal(r.body, undefined, 'no copy of the body on the attempt');
        assert.deepEqual(r, { method: 'POST', url: sent[i]!.url, headers: sent[i]!.headers }, 'method, URL and headers (redacted as given) stay');
      }

      const read = await store.deliveries.get('acme', c.delivery.id);
      assert.deepEqual(read?.attempts.map((a) => a.request), sent, 'each attempt reads back whole');
      assert.deepEqual(Object.keys(read!.attempts[0]!.request), ['method', 'url', 'headers', 'body'], 'in the order it always had');
      const latest = await store.attempts.latestForWebhook('acme', hook.id, 3);
      assert.deepEqual(latest.map((a) => a.request), sent.slice(3).reverse(), 'the notices\' read too');
    });

    it('keeps a body that changed between attempts on that attempt alone', async () => {
      let c = await claimNew();
      const edited = BODY.replace('ord_1', 'ord_1 (edited template)');
      const sent = [request(BODY, 0), request(edited, 1), request(BODY, 2), request(edited, 3)];
      for (const [i, r] of sent.entries()) c = await attempt(c, r, i === sent.length - 1 ? 'failed' : 'pending', t0 + 10 + i);

      assert.equal(await storedBody(c.delivery.id), BODY, 'the first body sent is the delivery\'s');
      assert.deepEqual((await storedRequests(c.delivery.id)).map((r) => r.body), [undefined, edited, undefined, edited]);
      const read = await store.deliveries.get('acme', c.delivery.id);
      assert.deepEqual(read?.attempts.map((a) => a.request), sent);
      assert.deepEqual((await store.attempts.latestForWebhook('acme', hook.id, 4)).map((a) => a.request), [...sent].reverse());
    });

    it('stores no empty body: an attempt that sent none (a template that failed) keeps its own, the next body sent is stored', async () => {
      let c = await claimNew();
      const sent = [request('', 0), request(BODY, 1), request(BODY, 2)];
      for (const [i, r] of sent.entries()) c = await attempt(c, r, i === sent.length - 1 ? 'succeeded' : 'pending', t0 + 20 + i);
      assert.equal(await storedBody(c.delivery.id), BODY);
      assert.deepEqual((await storedRequests(c.delivery.id)).map((r) => r.body), ['', undefined, undefined]);
      assert.deepEqual((await store.deliveries.get('acme', c.delivery.id))?.attempts.map((a) => a.request), sent);
    });

    it('records a batch of completions of several deliveries, first attempts and retries, in one call', async () => {
      const a = await claimNew();
      const b = await claimNew();
      const retried = await attempt(b, request(BODY, 0), 'pending', t0 + 30);
      const other = BODY.replace('ord_1', 'ord_2');
      const at = t0 + 31;
      const completion = (c: ClaimedDelivery, req: AttemptRequest) => ({
        deliveryId: c.delivery.id, leaseId: c.leaseId, tenantId: 'acme', webhookId: hook.id, keyed, status: 'succeeded' as const, dueAt: null,
        attempt: { id: newId('att'), startedAt: at, durationMs: 1, request: req, response: null, errorKind: null, errorMessage: null, succeeded: true },
      });
      await store.deliveries.complete([completion(a, request(other, 1)), completion(retried, request(BODY, 1))], at);
      assert.equal(await storedBody(a.delivery.id), other);
      assert.equal(await storedBody(b.delivery.id), BODY);
      assert.deepEqual((await storedRequests(a.delivery.id)).map((r) => r.body), [undefined]);
      assert.deepEqual((await storedRequests(b.delivery.id)).map((r) => r.body), [undefined, undefined]);
      assert.equal((await store.deliveries.get('acme', a.delivery.id))?.attempts[0]?.request.body, other);
      assert.deepEqual((await store.deliveries.get('acme', b.delivery.id))?.attempts.map((x) => x.request.body), [BODY, BODY]);
    });

    // PostgreSQL only: a batch's rows go to it as JSON (raw-values.ts rowList), whose parser would
    // refuse the escape JSON.stringify writes for a lone surrogate (a template may cut a string
    // inside a surrogate pair). SQLite stores the bytes V8 writes for it, as it always has.
    it('stores text that is not well-formed as a text parameter would: a lone surrogate becomes U+FFFD, the rest as sent', { skip: engineName !== 'postgres' }, async () => {
      const c = await claimNew();
      const body = `{"note":"cut \ud83d here","path":"C:\\\\tmp\\\\x","quote":"\\"q\\""}`;
      const at = t0 + 35;
      await store.deliveries.complete([{
        deliveryId: c.delivery.id, leaseId: c.leaseId, tenantId: 'acme', webhookId: hook.id, keyed, status: 'succeeded', dueAt: null,
        attempt: { id: newId('att'), startedAt: at, durationMs: 1, request: request(body, 0), response: { status: 200, headers: { 'x-note': 'half \udc00' }, body: 'ok \ud800', bodyTruncated: false },
          errorKind: null, errorMessage: null, succeeded: true },
      }], at);
      assert.equal(await storedBody(c.delivery.id), body.toWellFormed());
      const [read] = (await store.deliveries.get('acme', c.delivery.id))!.attempts;
      assert.equal(read?.request.body, body.toWellFormed());
      assert.equal(read?.request.body.includes('\ufffd'), true);
      // The response is stored as JSON text, which keeps a lone surrogate as its escape.
      assert.deepEqual(read?.response, { status: 200, headers: { 'x-note': 'half \udc00' }, body: 'ok \ud800', bodyTruncated: false });
    });

    it('reads attempts written before 0014 (each with its body) and records new ones after them', async () => {
      let c = await claimNew();
      const old = request(BODY.replace('ord_1', 'ord_old'), 0);
      // An attempt as written before 0014: its whole request, and no body on the delivery.
      await rawRows('INSERT INTO attempts (id, delivery_id, tenant_id, webhook_id, started_at, duration_ms, request, response, error_kind, error_message, succeeded) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)',
        [newId('att'), c.delivery.id, 'acme', hook.id, t0 + 40, 1, JSON.stringify(old), null, 'timeout', 'x', 0]);
      assert.equal(await storedBody(c.delivery.id), null);
      c = await attempt(c, request(BODY, 1), 'pending', t0 + 41);
      await attempt(c, request(BODY, 2), 'succeeded', t0 + 42);
      assert.equal(await storedBody(c.delivery.id), BODY);
      assert.deepEqual((await storedRequests(c.delivery.id)).map((r) => r.body), [old.body, undefined, undefined]);
      assert.deepEqual((await store.deliveries.get('acme', c.delivery.id))?.attempts.map((a) => a.request), [old, request(BODY, 1), request(BODY, 2)]);
    });

    it('prunes a delivery with its body and its attempts', async () => {
      let c = await claimNew();
      c = await attempt(c, request(BODY, 0), 'pending', t0 + 50);
      await attempt(c, request(BODY, 1), 'succeeded', t0 + 51);
      const id = c.delivery.id;
      while ((await store.prune(Date.now() + 3_600_000, 500)).deliveries > 0);
      assert.equal(await store.deliveries.get('acme', id), undefined);
      assert.deepEqual(await rawRows('SELECT id FROM deliveries WHERE id = $1', [id]), []);
      assert.deepEqual(await rawRows('SELECT id FROM attempts WHERE delivery_id = $1', [id]), []);
    });

    it('migrating down gives each attempt its body back', async () => {
      let c = await claimNew();
      const edited = BODY.replace('ord_1', 'ord_9');
      const sent = [request(BODY, 0), request(edited, 1), request(BODY, 2)];
      for (const [i, r] of sent.entries()) c = await attempt(c, r, i === sent.length - 1 ? 'succeeded' : 'pending', t0 + 60 + i);
      await store.close();
      // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run on any schema
      const db = new Kysely<any>({
        dialect: fixture.databaseUrl
          ? new PostgresDialect({ pool: new pg.Pool({ connectionString: fixture.databaseUrl, max: 1 }) })
          : new SqliteDialect({ database: new BetterSqlite3(fixture.sqlitePath) }),
      });
      try {
        await attemptBodies.down(db);
        assert.deepEqual((await storedRequests(c.delivery.id)), sent, 'whole requests again');
        const columns = fixture.databaseUrl
          ? await rawRows<{ name: string }>(`SELECT column_name AS name FROM information_schema.columns WHERE table_name = 'deliveries'`, [])
          : await rawRows<{ name: string }>(`SELECT name FROM pragma_table_info('deliveries')`, []);
        assert.equal(columns.some((r) => r.name === 'request_body'), false);
        await attemptBodies.up(db);
      } finally {
        await db.destroy();
        store = openStore({ ...fixture, encryptionKey: 'attempt-bodies-test-key' });
      }
      assert.deepEqual((await store.deliveries.get('acme', c.delivery.id))?.attempts.map((a) => a.request), sent, 'and read as before');
    });
  });
}
