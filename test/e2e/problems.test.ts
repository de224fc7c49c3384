// Bad input gets a 4xx RFC 9457 problem detail that names the field — never a 500 — and the
// same schemas that validate it describe it in /openapi.json.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from '../helpers/engines.ts';
import { seed, startRelais, type TestRelais } from '../helpers/relais.ts';

interface Problem { type: string; title: string; status: number; detail: string; code: string; errors?: { field: string; message: string }[] }

const URL_OK = 'http://127.0.0.1:9/hook';

for (const engine of ENGINES) {
  describe(`problem details: ${engine}`, () => {
    let t: TestRelais;
    before(async () => {
      t = await startRelais(engine);
      await seed(t, URL_OK, { tenant: 'acme', type: 'order.paid' });
      await t.call('POST', '/v1/event-types', { name: 'order.shipped', filters: [{ field: 'carrier', label: 'Carrier' }] });
    });
    after(() => t.close());

    /** Sends the request and checks it is a problem detail with that status naming that field. */
    async function expectProblem(method: string, path: string, body: unknown, status: number, field?: string | RegExp): Promise<Problem> {
      const res = await t.call<Problem>(method, path, body);
      const what = `${method} ${path} ${JSON.stringify(body)}`;
      assert.equal(res.status, status, `${what}: ${JSON.stringify(res.body)}`);
      assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/, what);
      for (const key of ['type', 'title', 'detail', 'code'] as const) assert.equal(typeof res.body[key], 'string', `${what}: ${key}`);
      assert.equal(res.body.status, status);
      if (field !== undefined) {
        const fields = (res.body.errors ?? []).map((e) => e.field);
        assert.ok(fields.some((f) => (typeof field === 'string' ? f === field : field.test(f))), `${what}: expected field ${String(field)} in ${JSON.stringify(fields)}`);
      }
      return res.body;
    }

    const webhook = (extra: Record<string, unknown>) => ({ url: URL_OK, events: ['order.paid'], ...extra });
    const hooks = '/v1/tenants/acme/webhooks';

    it('names the field of a bad webhook', async () => {
      await expectProblem('POST', hooks, '{"url": ', 400, 'body');
      await expectProblem('POST', hooks, webhook({ url: 'not a url' }), 422, 'url');
      await expectProblem('POST', hooks, webhook({ url: 'ftp://example.com/x' }), 422, 'url');
      await expectProblem('POST', hooks, webhook({ url: 'http://user:pw@example.com/x' }), 422, 'url');
      await expectProblem('POST', hooks, webhook({ events: [] }), 422, 'events');
      await expectProblem('POST', hooks, webhook({ events: ['order.paid', 'bad pattern!'] }), 422, 'events[1]');
      await expectProblem('POST', hooks, webhook({ events: ['order.refunded'] }), 422, 'events[0]');
      await expectProblem('POST', hooks, webhook({ bogus: 1 }), 422, 'bogus');
      await expectProblem('POST', hooks, webhook({ retry: { mode: 'none', extra: 1 } }), 422, 'retry.extra');
      await expectProblem('POST', hooks, webhook({ method: 'TRACE' }), 422, 'method');
      await expectProblem('POST', hooks, webhook({ headers: { 'Content-Length': '5' } }), 422, 'headers.Content-Length');
      await expectProblem('POST', hooks, webhook({ headers: { 'webhook-signature': 'x' } }), 422, 'headers.webhook-signature');
      await expectProblem('POST', hooks, webhook({ headers: { 'X-Ok': 'line\r\nbreak' } }), 422, 'headers.X-Ok');
      await expectProblem('POST', hooks, webhook({ secret: 'nope' }), 422, 'secret');
      // Issue 18's settings: each bound names its field.
      await expectProblem('POST', hooks, webhook({ timeout: '500ms' }), 422, 'timeout');
      await expectProblem('POST', hooks, webhook({ timeout: '31s' }), 422, 'timeout');
      await expectProblem('POST', hooks, webhook({ signature_scheme: 'frappe', secret: '' }), 422, 'secret');
      await expectProblem('POST', hooks, webhook({ signature_scheme: 'frappe', secret: 'x'.repeat(513) }), 422, 'secret');
      assert.equal((await t.call('POST', hooks, webhook({ signature_scheme: 'frappe', secret: 'x'.repeat(512), timeout: '30s' }))).status, 201, 'the bounds themselves are accepted');
      await expectProblem('POST', hooks, webhook({ headers: { Connection: 'close' } }), 422, 'headers.Connection');
      await expectProblem('POST', hooks, webhook({ headers: { 'Transfer-Encoding': 'chunked' } }), 422, 'headers.Transfer-Encoding');
      await expectProblem('POST', hooks, webhook({ headers: { Host: 'example.org' } }), 422, 'headers.Host');
      await expectProblem('POST', hooks, webhook({ headers: { 'X-Frappe-Webhook-Signature': 'x' } }), 422, 'headers.X-Frappe-Webhook-Signature');
      await expectProblem('POST', hooks, webhook({ retry: { mode: 'custom' } }), 422, /^retry/);
      await expectProblem('POST', hooks, webhook({ retry: { mode: 'custom', schedule: ['0', 'soon'] } }), 422, 'retry.schedule[1]');
      await expectProblem('POST', hooks, webhook({ events: ['order.shipped'], filters: { weight: [1] } }), 422, 'filters.weight');
      assert.equal((await t.call('POST', hooks, webhook({ events: ['order.shipped'], filters: { carrier: ['ups'] } }))).status, 201, 'a declared filter field is accepted');
      await expectProblem('PATCH', `${hooks}/wh_missing`, { enabled: false }, 404);
      await expectProblem('PATCH', `${hooks}/wh_missing`, { enabled: 'yes' }, 422, 'enabled');
    });

    it('names the field of a bad event', async () => {
      const events = '/v1/tenants/acme/events';
      await expectProblem('POST', events, { type: 'order.refunded', data: {} }, 422, 'type');
      await expectProblem('POST', events, { type: 'webhook.created', data: {} }, 422, 'type');
      await expectProblem('POST', events, { type: 'order.paid' }, 422, 'data');
      await expectProblem('POST', events, { type: 'order.paid', data: {}, occurred_at: 'yesterday' }, 422, 'occurred_at');
      await expectProblem('POST', events, { type: 'order.paid', data: {}, resource: { type: 'order' } }, 422, 'resource.id');
      await expectProblem('POST', `${events}/batch`, { events: [] }, 422, 'events');
      await expectProblem('POST', `${events}/batch`, { events: [{ type: 'order.paid', data: {} }, { type: 'nope', data: {} }] }, 422, 'events[1].type');
      await expectProblem('POST', `${events}/batch`, { events: [{ type: 'order.paid', data: {} }, { data: {} }] }, 422, 'events[1].type');
      const after = await t.call<{ data: unknown[] }>('GET', '/v1/tenants/acme/deliveries');
      assert.equal(after.body.data.length, 0, 'a refused batch stores nothing');
    });

    it('names the field of bad tenants, tokens, event types and queries', async () => {
      await expectProblem('POST', '/v1/tenants', { id: 'a/b', name: 'x' }, 422, 'id');
      await expectProblem('POST', '/v1/tenants', { id: 'a b', name: 'x' }, 422, 'id');
      await expectProblem('POST', '/v1/tenants', { name: '' }, 422, 'name');
      await expectProblem('POST', '/v1/tenants', { name: 'x', notify_emails: ['not-an-email'] }, 422, 'notify_emails[0]');
      await expectProblem('POST', '/v1/tenants', { id: 'acme', name: 'again' }, 409, 'id');
      await expectProblem('POST', '/v1/tenants/acme/tokens', { expires_in: 'forever' }, 422, 'expires_in');
      await expectProblem('POST', '/v1/event-types', { name: 'has space' }, 422, 'name');
      await expectProblem('POST', '/v1/event-types', { name: 'webhook.mine' }, 422, 'name');
      await expectProblem('POST', '/v1/event-types', { name: 'x.y', filters: [{ field: 'a..b', label: 'A' }] }, 422, 'filters[0].field');
      await expectProblem('POST', '/v1/event-types', { name: 'x.y', schema: { type: 'nonsense' } }, 422, 'schema');
      await expectProblem('POST', '/v1/event-types', { name: 'x.y', schema: { type: 'object', required: ['id'] }, example: { name: 'no id' } }, 422, 'example.id');
      assert.equal((await t.call('POST', '/v1/event-types', { name: 'x.y', schema: { type: 'object', required: ['id'] }, example: { id: 1 } })).status, 201);
      await expectProblem('GET', '/v1/tenants/acme/deliveries?status=bogus', undefined, 422, 'query.status');
      await expectProblem('GET', '/v1/tenants/acme/deliveries?limit=0', undefined, 422, 'query.limit');
      await expectProblem('GET', '/v1/tenants/acme/deliveries/dlv_missing', undefined, 404);
      await expectProblem('GET', '/v1/nowhere', undefined, 404);
    });

    it('bounds input: nesting, NUL, numbers, durations, URLs and header values, on this engine', async () => {
      const events = '/v1/tenants/acme/events';
      const deep = (n: number) => `{"type":"order.paid","data":${'['.repeat(n)}${']'.repeat(n)}}`;
      await expectProblem('POST', events, deep(10_000), 422, /^data/);
      assert.equal((await t.call('POST', events, deep(60))).status, 202, 'nesting within the bound is accepted');
      await expectProblem('POST', events, { type: 'order.paid', data: { note: 'a\u0000b' } }, 422, 'data.note');
      await expectProblem('POST', events, { type: 'order.paid', data: {}, id: 'a\u0000b' }, 422, 'id');
      await expectProblem('POST', events, '{"type":"order.paid","data":{"n":1e309}}', 422, 'data.n');
      await expectProblem('POST', '/v1/tenants', { name: 'a\u0000b' }, 422, 'name');
      await expectProblem('GET', '/v1/tenants/acme/deliveries?webhook=a%00b', undefined, 422, 'query.webhook');
      await expectProblem('POST', '/v1/tenants/acme/webhooks/wh_a%00b/test', undefined, 422, 'params.webhook');
      await expectProblem('POST', '/v1/tenants/acme/tokens', { expires_in: '0' }, 422, 'expires_in');
      await expectProblem('POST', '/v1/tenants/acme/tokens', { expires_in: '99999999999999999999d' }, 422, 'expires_in');
      await expectProblem('POST', '/v1/tenants/acme/tokens', { expires_in: '1826d' }, 422, 'expires_in');
      assert.equal((await t.call('POST', '/v1/tenants/acme/tokens', { expires_in: '1825d' })).status, 201);
      await expectProblem('POST', hooks, webhook({ url: 'http:///nohost' }), 422, 'url');
      await expectProblem('POST', hooks, webhook({ url: 'http://example.com/a\r\nb' }), 422, 'url');
      await expectProblem('POST', hooks, webhook({ headers: { 'X-Emoji': '\u{1F600}' } }), 422, 'headers.X-Emoji');
      await expectProblem('POST', hooks, webhook({ retry: { mode: 'custom', schedule: ['0', '99999999999999999999d'] } }), 422, 'retry.schedule[1]');
      await expectProblem('POST', hooks, webhook({ retry: { mode: 'custom', schedule: ['31d'] } }), 422, 'retry.schedule[0]');
      const saved = await t.call<{ retry: { schedule: string[] }; headers: Record<string, string> }>('POST', hooks,
        webhook({ retry: { mode: 'custom', schedule: ['0', '1.5s', '30d'] }, headers: { 'X-Latin': 'caf\u00e9' } }));
      assert.equal(saved.status, 201);
      assert.deepEqual(saved.body.retry.schedule, ['0ms', '1500ms', '30d']);
      assert.equal(saved.body.headers['X-Latin'], 'caf\u00e9');
    });

    it('answers 409 naming the id when an idempotency id comes back with another type or data', async () => {
      const events = '/v1/tenants/acme/events';
      const first = await t.call<{ id: string; duplicate: boolean }>('POST', events, { id: 'order-7', type: 'order.paid', data: { a: 1, b: { c: [1, 2] } } });
      assert.deepEqual([first.status, first.body.duplicate], [202, false]);
      const again = await t.call<{ id: string; duplicate: boolean }>('POST', events, { data: { b: { c: [1, 2] }, a: 1 }, type: 'order.paid', id: 'order-7' });
      assert.deepEqual([again.status, again.body.id, again.body.duplicate], [202, first.body.id, true], 'same content, keys in another order: a duplicate');
      await expectProblem('POST', events, { id: 'order-7', type: 'order.paid', data: { a: 2, b: { c: [1, 2] } } }, 409, 'id');
      await expectProblem('POST', events, { id: 'order-7', type: 'order.shipped', data: { a: 1, b: { c: [1, 2] } } }, 409, 'id');
      const before = (await t.call<{ data: unknown[] }>('GET', '/v1/tenants/acme/deliveries?limit=200')).body.data.length;
      await expectProblem('POST', `${events}/batch`, { events: [{ id: 'order-8', type: 'order.paid', data: {} }, { id: 'order-7', type: 'order.paid', data: { a: 3 } }] }, 409, 'events[1].id');
      await expectProblem('POST', `${events}/batch`, { events: [{ id: 'order-9', type: 'order.paid', data: { a: 1 } }, { id: 'order-9', type: 'order.paid', data: { a: 2 } }] }, 409, 'events[1].id');
      const after = (await t.call<{ data: unknown[] }>('GET', '/v1/tenants/acme/deliveries?limit=200')).body.data.length;
      assert.equal(after, before, 'a batch refused for a reused id stores nothing');
      const batch = await t.call<{ events: { id: string; duplicate: boolean }[] }>('POST', `${events}/batch`, { events: [{ id: 'order-7', type: 'order.paid', data: { b: { c: [1, 2] }, a: 1 } }] });
      assert.deepEqual([batch.status, batch.body.events[0]?.id, batch.body.events[0]?.duplicate], [202, first.body.id, true]);
    });

    it('serves the OpenAPI document built from the same schemas, a docs page and a health check', async () => {
      const doc = (await t.call<{ openapi: string; paths: Record<string, Record<string, unknown>>; components: { schemas: Record<string, unknown> } }>('GET', '/openapi.json', undefined, null)).body;
      assert.match(doc.openapi, /^3\.1/);
      for (const path of ['/v1/tenants', '/v1/tenants/{tenant}', '/v1/tenants/{tenant}/tokens', '/v1/event-types', '/v1/tenants/{tenant}/webhooks',
        '/v1/tenants/{tenant}/webhooks/{webhook}', '/v1/tenants/{tenant}/events', '/v1/tenants/{tenant}/events/batch',
        '/v1/tenants/{tenant}/deliveries', '/v1/tenants/{tenant}/deliveries/{delivery}']) {
        assert.ok(doc.paths[path], `path ${path}`);
      }
      assert.deepEqual(Object.keys(doc.paths['/v1/tenants/{tenant}/webhooks/{webhook}']!).sort(), ['delete', 'get', 'patch']);
      for (const name of ['WebhookIn', 'WebhookOut', 'EventIn', 'DeliveryDetail', 'Problem']) assert.ok(doc.components.schemas[name], `schema ${name}`);
      const webhookIn = doc.components.schemas.WebhookIn as { required?: string[]; properties: Record<string, unknown> };
      assert.deepEqual(webhookIn.required?.sort(), ['events', 'url']);
      assert.ok(webhookIn.properties.retry);

      const docs = await fetch(`${t.url}/docs`);
      assert.equal(docs.status, 200);
      assert.match(await docs.text(), /<html/i);
      const health = await t.call<{ status: string; engine: string; dependencies: Record<string, { status: string }> }>('GET', '/healthz', undefined, null);
      assert.deepEqual([health.status, health.body.status, health.body.engine], [200, 'ok', engine]);
      assert.equal(health.body.dependencies.database?.status, 'up');
      assert.equal(health.body.dependencies.dispatcher?.status, 'up');
    });
  });
}
