// PostgreSQL's single-event ingest in one statement (postgres/ingest-statement.ts): counted on
// the wire by the bench's proxy, the event, its deliveries and the NOTIFY to other processes in
// one round trip after the webhooks' read; a repeated key, a held delivery and an ordering key
// still answered as the transaction answers them.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { startPgWireCounter, type PgWireCounter } from '../../bench/pg-wire.ts';
import { makeEngine, type EngineFixture } from '../../test/helpers/engines.ts';
import { newWebhook } from '../../test/helpers/webhooks.ts';
import type { Webhook } from '../core/model.ts';
import { newId } from '../ids.ts';
import { openStore } from './open.ts';
import type { NewEvent, Store } from './store.ts';

const TENANT = 'one-statement';
const event = (extra: Partial<NewEvent> = {}): NewEvent => ({
  id: newId('evt'), idempotencyKey: null, type: 'invoice.paid', occurredAt: Date.now(), data: { total: 12 }, actor: null, resource: null, previous: null, changes: null, ...extra,
});
const all = (webhooks: readonly Webhook[], e: NewEvent): Webhook[] => webhooks.filter((w) => w.events.includes(e.type));

describe('ingest in one statement on PostgreSQL', () => {
  let fixture: EngineFixture;
  let wire: PgWireCounter;
  let store: Store;
  let listener: pg.Client;
  const heard: string[] = [];
  const hooks: Webhook[] = [];

  before(async () => {
    fixture = await makeEngine('postgres');
    wire = await startPgWireCounter(fixture.databaseUrl!);
    store = openStore({ databaseUrl: wire.url, sqlitePath: '', encryptionKey: 'one-statement-key', processId: 'ingesting-process' });
    await store.migrate();
    await store.tenants.create({ id: TENANT, name: 'One statement', notifyEmails: [] }, Date.now());
    for (let i = 0; i < 2; i++) hooks.push(await store.webhooks.create(newWebhook(TENANT, ['invoice.paid']), Date.now()));
    listener = new pg.Client({ connectionString: fixture.databaseUrl });
    await listener.connect();
    listener.on('notification', (n) => heard.push(`${n.channel}:${n.payload}`));
    await listener.query('LISTEN relais_due');
  });
  after(async () => {
    await listener.end();
    await store.close();
    await wire.close();
    await fixture.dispose();
  });

  type Row = { webhook_id: string; status: string; due_at: string | null; blocked: number };
  const rowsOf = async (eventId: string): Promise<Row[]> =>
    (await listener.query<Row>('SELECT webhook_id, status, due_at, blocked FROM deliveries WHERE event_id = $1 ORDER BY id', [eventId])).rows;

  const roundTrips = async (work: () => Promise<unknown>): Promise<{ trips: number; statements: string[] }> => {
    await store.ping(); // a connection open already: the count is the ingest's alone
    wire.take();
    const before = wire.totals().roundTrips;
    await work();
    return { trips: wire.totals().roundTrips - before, statements: wire.take() };
  };

  it('stores a single event and its deliveries in 2 round trips, and tells other processes in the same statement', async () => {
    heard.length = 0;
    const e = event();
    let out: Awaited<ReturnType<Store['events']['ingestLeasing']>> | undefined;
    const { trips, statements } = await roundTrips(async () => {
      out = await store.events.ingestLeasing(TENANT, [e], all, () => newId('dlv'), Date.now());
    });
    assert.equal(trips, 2, `round trips: ${statements.join(' | ')}`);
    assert.ok(!statements.some((s) => /^(begin|commit)/i.test(s)), 'no transaction of its own');
    assert.equal(out!.othersWoken, true);
    assert.equal(out!.results[0]!.created, true);
    assert.equal(out!.results[0]!.event.deliveriesCount, 2);
    assert.equal(out!.results[0]!.event.dataJson, '{"total":12}');
    const page = await rowsOf(e.id);
    assert.deepEqual(page.map((d) => d.webhook_id).sort(), hooks.map((h) => h.id).sort());
    assert.ok(page.every((d) => d.status === 'pending' && d.due_at !== null));
    await waitForNotice(heard, 'relais_due:ingesting-process');
  });

  it('a repeated key stores nothing more and answers with the stored event', async () => {
    const first = await store.events.ingestLeasing(TENANT, [event({ idempotencyKey: 'inv-7' })], all, () => newId('dlv'), Date.now());
    const again = await store.events.ingestLeasing(TENANT, [event({ idempotencyKey: 'inv-7', data: { total: 99 } })], all, () => newId('dlv'), Date.now());
    assert.equal(again.results[0]!.created, false);
    assert.equal(again.results[0]!.event.id, first.results[0]!.event.id);
    assert.equal(again.results[0]!.event.dataJson, '{"total":12}', 'the stored data, not the repeat\'s');
    const page = await rowsOf(first.results[0]!.event.id);
    assert.equal(page.length, 2, 'the repeat made no delivery');
    // In one batch: the second use of a key answers with the first, no delivery of its own.
    const [a, b] = (await store.events.ingestLeasing(TENANT, [event({ idempotencyKey: 'inv-8' }), event({ idempotencyKey: 'inv-8' })], all, () => newId('dlv'), Date.now())).results;
    assert.equal(b!.event.id, a!.event.id);
    assert.equal(b!.created, false);
  });

  it('leases what the dispatcher has room for, and only deliveries it stored', async () => {
    let taken = 0;
    const lease = { leaseId: newId('lse'), until: Date.now() + 10_000, take: (n: number) => (taken = Math.min(n, 1)) };
    const out = await store.events.ingestLeasing(TENANT, [event()], all, () => newId('dlv'), Date.now(), lease);
    assert.equal(taken, 1);
    assert.equal(out.leased.length, 1);
    assert.equal(out.leased[0]!.leaseId, lease.leaseId);
    assert.ok(out.leased[0]!.webhook?.secret, 'a leased delivery carries its webhook, secret opened, ready to send');
    const page = await rowsOf(out.results[0]!.event.id);
    assert.deepEqual(page.map((d) => d.status).sort(), ['delivering', 'pending']);
    // Its key stored already: nothing leased, so nothing handed over that is not in the store.
    await store.events.ingestLeasing(TENANT, [event({ idempotencyKey: 'inv-9' })], all, () => newId('dlv'), Date.now());
    const repeat = await store.events.ingestLeasing(TENANT, [event({ idempotencyKey: 'inv-9' })], all, () => newId('dlv'), Date.now(), { ...lease, take: (n) => n });
    assert.equal(repeat.leased.length, 0);
  });

  it('holds for a webhook disabled by its failure policy, and blocks behind a live delivery of the same key (the transaction)', async () => {
    const held = await store.webhooks.create(newWebhook(TENANT, ['held.only']), Date.now());
    await store.webhooks.disable(TENANT, held.id, 'failing', Date.now());
    const out = await store.events.ingestLeasing(TENANT, [event({ type: 'held.only' })], all, () => newId('dlv'), Date.now());
    const [delivery] = await rowsOf(out.results[0]!.event.id);
    assert.equal(delivery?.webhook_id, held.id);
    assert.equal(delivery?.due_at, null, 'held: no due time until its webhook is enabled');

    const keyed = await store.webhooks.create(newWebhook(TENANT, ['keyed.only'], { ordering: 'key' }), Date.now());
    const first = await store.events.ingestLeasing(TENANT, [event({ type: 'keyed.only', orderingKey: 'order-1' })], all, () => newId('dlv'), Date.now());
    const second = await store.events.ingestLeasing(TENANT, [event({ type: 'keyed.only', orderingKey: 'order-1' })], all, () => newId('dlv'), Date.now());
    const [one] = await rowsOf(first.results[0]!.event.id);
    const [two] = await rowsOf(second.results[0]!.event.id);
    assert.equal(one?.webhook_id, keyed.id);
    assert.ok(one?.due_at !== null, 'the first of its key goes');
    assert.equal(two?.due_at, null, 'the second waits for it');
  });

  it('stores a fan-out too large for one statement in the chunked transaction', async () => {
    const batch = Array.from({ length: 2_600 }, () => event()); // × 2 webhooks: 5,200 deliveries
    let out: Awaited<ReturnType<Store['events']['ingestLeasing']>> | undefined;
    const { statements } = await roundTrips(async () => {
      out = await store.events.ingestLeasing(TENANT, batch, all, () => newId('dlv'), Date.now());
    });
    assert.ok(statements.some((s) => /^begin/i.test(s)), 'a transaction of its own');
    assert.equal(out!.results.filter((r) => r.created).length, 2_600);
    const { rows } = await listener.query<{ n: number }>('SELECT count(*)::int AS n FROM deliveries WHERE event_id = ANY($1)', [batch.map((e) => e.id)]);
    assert.equal(rows[0]!.n, 5_200);
  });

  it('sends text as the driver would: a lone surrogate becomes U+FFFD rather than failing the statement', async () => {
    const out = await store.events.ingestLeasing(TENANT, [event({ idempotencyKey: 'lone-\ud800' })], all, () => newId('dlv'), Date.now());
    assert.equal(out.results[0]!.created, true);
    assert.equal(out.results[0]!.event.idempotencyKey, 'lone-\ufffd');
  });
});

async function waitForNotice(heard: string[], expected: string): Promise<void> {
  for (let i = 0; i < 100 && !heard.includes(expected); i++) await new Promise((r) => setTimeout(r, 20));
  assert.ok(heard.includes(expected), `NOTIFY ${expected} heard (heard: ${heard.join(', ')})`);
}
