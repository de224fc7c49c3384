// The SDK against a real Relais (each engine) and a real loopback receiver, as a product's backend
// and a receiver use it: tenants, tokens, sign-in links, the catalog, webhooks, events with
// idempotency ids (single and batch), deliveries verified by the receiver with the SDK's own
// verifier, the log listed, paged, exported as NDJSON, resent and recovered, and refusals
// surfacing as RelaisApiError naming the field.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Relais, RelaisApiError, verifyWebhook, type Delivery, type DeliveryDetail } from '../src/index.ts';
import { ENGINES } from '../../test/helpers/engines.ts';
import type { Received } from '../../test/helpers/receiver.ts';
import { ADMIN_TOKEN, relaisWithReceiver } from '../../test/helpers/relais.ts';
import { waitFor } from '../../test/helpers/wait.ts';

const TENANT = 'acme';
const TYPE = 'order.paid';

interface Envelope { type: string; timestamp: string; data: { order: number } }

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

async function rejection(promise: Promise<unknown>): Promise<RelaisApiError> {
  const err = await promise.then(() => undefined, (e: unknown) => e);
  assert.ok(err instanceof RelaisApiError, `expected a RelaisApiError, got ${String(err)}`);
  return err;
}

for (const engine of ENGINES) {
  describe(`the SDK against Relais: ${engine}`, () => {
    const suite = relaisWithReceiver(engine);
    let admin: Relais;
    /** A tenant token's client. */
    let scoped: Relais;
    let webhookId: string;
    let secret: string;
    const hooked = (path: string) => suite.receiver.received.filter((r) => r.path === path);
    const received = (path: string, n: number): Promise<Received[]> => waitFor(`${n} request(s) at ${path}`, () => hooked(path).length >= n && hooked(path));

    it('creates a tenant, reads, changes and lists it', async () => {
      admin = new Relais({ baseUrl: suite.t.url, token: ADMIN_TOKEN });
      const created = await admin.tenants.create({ id: TENANT, name: 'Acme' });
      assert.equal(created.id, TENANT);
      await admin.tenants.create({ id: 'globex', name: 'Globex' });
      assert.equal((await admin.tenants.update(TENANT, { name: 'Acme Inc.' })).name, 'Acme Inc.');
      assert.equal((await admin.tenants.get(TENANT)).name, 'Acme Inc.');
      assert.deepEqual((await admin.tenants.list({ limit: 1 })).data.map((t) => t.id), ['acme']);
      assert.deepEqual((await collect(admin.tenants.all({ limit: 1 }))).map((t) => t.id), ['acme', 'globex'], 'every page');
      assert.equal((await admin.me()).role, 'admin');
    });

    it('issues a tenant token that sees its own tenant only, lists it, and a sign-in link', async () => {
      const token = await admin.tokens.create(TENANT, { name: 'sdk-test' });
      scoped = new Relais({ baseUrl: suite.t.url, token: token.token });
      assert.deepEqual(await scoped.me(), { role: 'tenant', tenant_id: TENANT, expires_at: null });
      assert.equal((await scoped.tenants.get(TENANT)).id, TENANT);
      assert.equal((await rejection(scoped.tenants.get('globex'))).status, 404);
      assert.equal((await rejection(scoped.tenants.create({ name: 'nope' }))).status, 403);
      const listed = await admin.tokens.list(TENANT);
      assert.deepEqual(listed.map((t) => [t.id, t.name]), [[token.id, 'sdk-test']]);
      const link = await admin.links.signIn(TENANT, { expires_in: '10m' });
      assert.match(link.url, /#\/signin\?link=/);
      assert.ok(link.url.endsWith(link.token));
    });

    it('upserts event types and imports many', async () => {
      assert.equal((await admin.eventTypes.upsert({ name: TYPE, example: { order: 1 } })).created, true);
      assert.equal((await admin.eventTypes.upsert({ name: TYPE, description: 'An order was paid', example: { order: 1 } })).created, false);
      const imported = await admin.eventTypes.importMany([{ name: 'order.refunded' }, { name: TYPE, example: { order: 2 } }]);
      assert.deepEqual(imported, { created: ['order.refunded'], updated: [TYPE] });
      const names = (await scoped.eventTypes.list()).map((t) => t.name);
      assert.ok(names.includes(TYPE) && names.includes('order.refunded'), names.join(', '));
      assert.deepEqual((await admin.eventTypes.get(TYPE)).example, { order: 2 });
    });

    it('creates, reads, disables, enables and changes a webhook (tenant token)', async () => {
      const created = await scoped.webhooks.create(TENANT, { url: `${suite.receiver.url}/hook`, events: [TYPE] });
      webhookId = created.id;
      secret = created.secret;
      assert.match(secret, /^whsec_/);
      assert.equal(await scoped.webhooks.secret(TENANT, webhookId), secret);
      assert.deepEqual((await scoped.webhooks.list(TENANT)).map((w) => w.id), [webhookId]);
      assert.equal((await scoped.webhooks.disable(TENANT, webhookId)).enabled, false);
      assert.equal((await scoped.webhooks.enable(TENANT, webhookId)).enabled, true);
      assert.equal((await scoped.webhooks.update(TENANT, webhookId, { description: 'orders' })).description, 'orders');
      assert.equal((await scoped.webhooks.get(TENANT, webhookId)).description, 'orders');
    });

    it('surfaces a 422 as a RelaisApiError naming the field', async () => {
      const err = await rejection(scoped.webhooks.create(TENANT, { url: 'not a url', events: [TYPE] }));
      assert.equal(err.status, 422);
      assert.match(err.code ?? '', /^RELAIS_ERR_/);
      assert.ok(err.errors.some((e) => e.field === 'url'), JSON.stringify(err.errors));
      assert.ok(err.fieldError('url'));
      assert.match(err.message, /422/);
      const unknownType = await rejection(scoped.events.send(TENANT, { type: 'no.such.type', data: {} }));
      assert.equal(unknownType.status, 422);
      assert.ok(unknownType.errors.some((e) => e.field === 'type'), JSON.stringify(unknownType.errors));
    });

    it('sends an event twice with one idempotency id: one event, one delivery, verified by the receiver', async () => {
      const first = await admin.events.send(TENANT, { type: TYPE, data: { order: 42 }, id: 'order-42-paid' });
      const again = await admin.events.send(TENANT, { type: TYPE, data: { order: 42 }, id: 'order-42-paid' });
      assert.deepEqual([first.duplicate, first.deliveries, first.idempotency_id], [false, 1, 'order-42-paid']);
      assert.deepEqual([again.duplicate, again.id], [true, first.id]);
      const conflict = await rejection(admin.events.send(TENANT, { type: TYPE, data: { order: 43 }, id: 'order-42-paid' }));
      assert.equal(conflict.status, 409);
      assert.ok(conflict.errors.some((e) => e.field === 'id'));

      const [got] = await received('/hook', 1);
      const payload = verifyWebhook<Envelope>({ secret, headers: got!.headers, body: got!.body });
      assert.deepEqual([payload.type, payload.data], [TYPE, { order: 42 }]);
      assert.throws(() => verifyWebhook({ secret: `whsec_${Buffer.alloc(32).toString('base64')}`, headers: got!.headers, body: got!.body }), /matches/);
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(hooked('/hook').length, 1, 'one delivery for the event sent twice');
    });

    it('sends a batch, and the same batch again stores nothing new', async () => {
      const events = [1, 2, 3].map((n) => ({ type: TYPE, data: { order: 100 + n } }));
      const sent = await admin.events.sendBatch(TENANT, events);
      assert.equal(sent.length, 3);
      assert.ok(sent.every((s) => !s.duplicate && s.deliveries === 1));
      const again = await admin.events.sendBatch(TENANT, events.map((e, i) => ({ ...e, id: sent[i]!.idempotency_id })));
      assert.ok(again.every((s) => s.duplicate));
      assert.deepEqual(again.map((s) => s.id), sent.map((s) => s.id));
      await received('/hook', 4);
    });

    it('lists the log, filtered by time, and iterates it page by page', async () => {
      await waitFor('4 deliveries succeeded', async () => (await admin.deliveries.list(TENANT, { status: 'succeeded' })).data.length === 4);
      const page = await scoped.deliveries.list(TENANT, { webhook: webhookId, limit: 3 });
      assert.equal(page.data.length, 3);
      assert.notEqual(page.next_cursor, null);
      const all: Delivery[] = await collect(scoped.deliveries.all(TENANT, { webhook: webhookId }, 1));
      assert.equal(all.length, 4);
      assert.equal(new Set(all.map((d) => d.id)).size, 4);
      const oldest = all.at(-1)!;
      assert.deepEqual((await collect(admin.deliveries.all(TENANT, { until: oldest.created_at }))).length, 0, 'until is exclusive');
      assert.deepEqual((await collect(admin.deliveries.all(TENANT, { since: oldest.created_at, event_type: TYPE }))).length, 4, 'since is inclusive');
      assert.deepEqual((await collect(admin.deliveries.all(TENANT, { since: new Date(Date.now() + 60_000).toISOString() }))).length, 0);
      const detail: DeliveryDetail = await scoped.deliveries.get(TENANT, oldest.id);
      assert.equal(detail.status, 'succeeded');
      assert.equal(detail.attempts.length, 1);
      assert.deepEqual(detail.event.data, { order: 42 });
    });

    it('exports the log as NDJSON: every delivery with its event and attempts', async () => {
      const exported = await collect(scoped.deliveries.export(TENANT, { webhook: webhookId }));
      const listed = await collect(scoped.deliveries.all(TENANT, { webhook: webhookId }));
      assert.deepEqual(exported.map((d) => d.id), listed.map((d) => d.id));
      assert.ok(exported.every((d) => d.attempts.length >= 1 && d.event.type === TYPE));
      const lines = await collect(scoped.deliveries.exportLines(TENANT, { since: listed.at(-1)!.created_at }));
      assert.equal(lines.length, 4);
      assert.equal(JSON.parse(lines[0]!).id, exported[0]!.id);
      assert.deepEqual(await collect(scoped.deliveries.export(TENANT, { until: '2000-01-01T00:00:00Z' })), []);
      const bad = await rejection(collect(scoped.deliveries.export(TENANT, { since: 'yesterday' })));
      assert.equal(bad.status, 422);
      assert.ok(bad.errors.some((e) => e.field.includes('since')), JSON.stringify(bad.errors));
      assert.equal((await rejection(collect(scoped.deliveries.export('globex')))).status, 404);
    });

    it('resends a delivery: a new delivery of the same event, signed again', async () => {
      const [latest] = (await admin.deliveries.list(TENANT, { webhook: webhookId, limit: 1 })).data;
      const resent = await admin.deliveries.resend(TENANT, latest!.id);
      assert.notEqual(resent.id, latest!.id);
      assert.equal(resent.event_id, latest!.event_id);
      const got = (await received('/hook', 5))[4]!;
      assert.equal(verifyWebhook<Envelope>({ secret, headers: got.headers, body: got.body }).type, TYPE);
    });

    it('rotates the secret: both signatures sent, either secret verifies', async () => {
      const rotated = await scoped.webhooks.rotateSecret(TENANT, webhookId);
      assert.notEqual(rotated.secret, secret);
      assert.ok(rotated.previous_secret_expires_at);
      await admin.events.send(TENANT, { type: TYPE, data: { order: 7 } });
      const got = (await received('/hook', 6))[5]!;
      assert.equal(String(got.headers['webhook-signature']).split(' ').length, 2);
      for (const key of [secret, rotated.secret, [rotated.secret, secret]]) {
        assert.deepEqual(verifyWebhook<Envelope>({ secret: key, headers: got.headers, body: got.body }).data, { order: 7 });
      }
      secret = rotated.secret;
    });

    it('recovers the deliveries a failing receiver missed', async () => {
      const failing = await scoped.webhooks.create(TENANT, { url: `${suite.receiver.url}/down`, events: [TYPE], retry: { mode: 'none' }, auto_disable: false });
      const since = new Date(Date.now() - 1_000).toISOString();
      const answer = suite.receiver.respond;
      suite.receiver.respond = (req, i) => (req.path === '/down' ? { status: 500 } : answer(req, i));
      try {
        await admin.events.send(TENANT, { type: TYPE, data: { order: 500 } });
        await waitFor('the failed delivery', async () => (await admin.deliveries.list(TENANT, { webhook: failing.id, status: 'failed' })).data.length === 1);
      } finally {
        suite.receiver.respond = answer;
      }
      const recovered = await scoped.webhooks.recover(TENANT, failing.id, { since });
      assert.equal(recovered.count, 1);
      assert.equal(recovered.next_since, null);
      const got = (await received('/down', 2))[1]!;
      assert.deepEqual(verifyWebhook<Envelope>({ secret: failing.secret, headers: got.headers, body: got.body }).data, { order: 500 });
    });

    it('signs a Frappe webhook as Frappe does: verified with scheme frappe, and standard with the same secret', async () => {
      const frappeSecret = 'frappe-shared-secret';
      await scoped.webhooks.create(TENANT, { url: `${suite.receiver.url}/frappe`, events: [TYPE], signature_scheme: 'frappe', secret: frappeSecret });
      await admin.events.send(TENANT, { type: TYPE, data: { order: 9 } });
      const [got] = await received('/frappe', 1);
      assert.deepEqual(verifyWebhook<Envelope>({ scheme: 'frappe', secret: frappeSecret, headers: got!.headers, body: got!.body }).data, { order: 9 });
      assert.deepEqual(verifyWebhook<Envelope>({ scheme: 'standard', secret: frappeSecret, headers: got!.headers, body: got!.body }).data, { order: 9 });
      assert.throws(() => verifyWebhook({ scheme: 'frappe', secret: 'another', headers: got!.headers, body: got!.body }), /does not match/);
    });

    it('revokes a token and deletes a webhook', async () => {
      const [info] = await admin.tokens.list(TENANT);
      await admin.tokens.revoke(TENANT, info!.id);
      assert.equal((await rejection(scoped.tenants.get(TENANT))).status, 401);
      await admin.webhooks.delete(TENANT, webhookId);
      const gone = await rejection(admin.webhooks.get(TENANT, webhookId));
      assert.equal(gone.status, 404);
      assert.equal(gone.problem?.status, 404);
    });
  });
}
