// The v1 API contract end to end, on both engines:
//  1. tenant isolation on every tenant route: another tenant's path answers 404 (never 403), ids do
//     not cross tenants on one's own path, nothing of the other tenant changes; admin-only routes
//     answer 403 to a tenant token; missing, wrong and expired tokens answer 401;
//  2. bad input answers a 4xx RFC 9457 problem detail naming the offending field, never a 500;
//     plus /openapi.json, /docs and /healthz.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from '../helpers/engines.ts';
import { startReceiver, type Receiver } from '../helpers/receiver.ts';
import { ADMIN_TOKEN, startRelais, type TestRelais } from '../helpers/relais.ts';
import { waitFor } from '../helpers/wait.ts';

interface Problem { type: string; title: string; status: number; detail: string; code: string; errors?: { field: string; message: string }[] }
interface Res<T = unknown> { status: number; body: T; headers: Headers }
interface Page { data: { id: string; webhook_id: string }[] }
interface Webhook { id: string; url: string; events: string[]; secret?: string }
interface Tenant { token: string; webhook: string; delivery: string }
type Call = [method: string, path: string, body?: unknown];

const TYPE = 'thing.happened';

/** Asserts an RFC 9457 problem detail with this status and, when given, an error on this field. */
function assertProblem(res: Res, status: number, field?: string | RegExp, label = ''): Problem {
  const body = res.body as Problem;
  const shown = `${label} ${res.status} ${JSON.stringify(res.body)}`.trim();
  assert.equal(res.status, status, shown);
  assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/, shown);
  for (const key of ['type', 'title', 'detail', 'code'] as const) assert.equal(typeof body[key], 'string', `${key}: ${shown}`);
  assert.equal(body.status, status, shown);
  if (field !== undefined) {
    assert.ok(Array.isArray(body.errors), `errors[]: ${shown}`);
    const names = body.errors.map((e) => e.field);
    assert.ok(names.some((n) => (typeof field === 'string' ? n === field : field.test(n))), `expected field ${String(field)}, got ${JSON.stringify(names)}`);
    for (const e of body.errors) assert.equal(typeof e.message, 'string');
  }
  return body;
}

for (const engine of ENGINES) {
  describe(`API contract: ${engine}`, () => {
    let t: TestRelais;
    let receiver: Receiver;
    const ten: Record<'alpha' | 'beta', Tenant> = { alpha: { token: '', webhook: '', delivery: '' }, beta: { token: '', webhook: '', delivery: '' } };
    const as = (token: string | null) => <T = unknown>(method: string, path: string, body?: unknown): Promise<Res<T>> => t.call<T>(method, path, body, token);
    const admin = as(ADMIN_TOKEN);
    const hook = (): { url: string; events: string[] } => ({ url: `${receiver.url}/new`, events: [TYPE] });
    const betaState = async () => ({
      webhook: (await admin('GET', `/v1/tenants/beta/webhooks/${ten.beta.webhook}`)).body,
      webhooks: (await admin<Page>('GET', '/v1/tenants/beta/webhooks')).body.data.length,
      deliveries: (await admin<Page>('GET', '/v1/tenants/beta/deliveries')).body.data.map((d) => d.id),
      secret: (await admin('GET', `/v1/tenants/beta/webhooks/${ten.beta.webhook}/secret`)).body,
    });

    before(async () => {
      t = await startRelais(engine);
      receiver = await startReceiver();
      assert.equal((await admin('POST', '/v1/event-types', { name: TYPE, filters: [{ field: 'color', label: 'Color' }] })).status, 201);
      for (const name of ['alpha', 'beta'] as const) {
        assert.equal((await admin('POST', '/v1/tenants', { id: name, name })).status, 201);
        const token = (await admin<{ token: string }>('POST', `/v1/tenants/${name}/tokens`, {})).body.token;
        const wh = await admin<Webhook>('POST', `/v1/tenants/${name}/webhooks`, { url: `${receiver.url}/${name}`, events: [TYPE] });
        assert.equal(wh.status, 201, JSON.stringify(wh.body));
        assert.equal((await admin('POST', `/v1/tenants/${name}/events`, { type: TYPE, data: { color: name } })).status, 202);
        const delivery = await waitFor(`${name}'s delivery`, async () => (await admin<Page>('GET', `/v1/tenants/${name}/deliveries`)).body.data[0]?.id);
        ten[name] = { token, webhook: wh.body.id, delivery };
      }
    });
    after(async () => {
      await t.close();
      await receiver.close();
    });

    /** Every tenant route, aimed at `tenant`'s path with these webhook and delivery ids. */
    function tenantRoutes(tenant: string, webhook: string, delivery: string): Call[] {
      const base = `/v1/tenants/${tenant}`;
      return [
        ['GET', base],
        ['GET', `${base}/webhooks`],
        ['POST', `${base}/webhooks`, hook()],
        ['GET', `${base}/webhooks/${webhook}`],
        ['PATCH', `${base}/webhooks/${webhook}`, { url: `${receiver.url}/hijacked`, enabled: false }],
        ['GET', `${base}/webhooks/${webhook}/secret`],
        ['DELETE', `${base}/webhooks/${webhook}`],
        ['POST', `${base}/events`, { type: TYPE, data: { color: 'x' } }],
        ['POST', `${base}/events/batch`, { events: [{ type: TYPE, data: {} }] }],
        ['GET', `${base}/deliveries`],
        ['GET', `${base}/deliveries/${delivery}`],
      ];
    }

    describe('tenant isolation', () => {
      it('answers 404, not 403, to every route of another tenant, and changes nothing there', async () => {
        const beforeState = await betaState();
        const alpha = as(ten.alpha.token);
        for (const [method, path, body] of tenantRoutes('beta', ten.beta.webhook, ten.beta.delivery)) {
          assertProblem(await alpha(method, path, body), 404, undefined, `${method} ${path} with alpha's token:`);
        }
        assert.deepEqual(await betaState(), beforeState, 'beta\'s webhook, secret and deliveries are as they were');
        assert.equal(receiver.received.filter((r) => r.path === '/beta').length, 1, 'no new delivery to beta');
      });

      it('answers 404 to another tenant\'s webhook and delivery ids on one\'s own path', async () => {
        const beforeState = await betaState();
        const alpha = as(ten.alpha.token);
        const crossing = tenantRoutes('alpha', ten.beta.webhook, ten.beta.delivery).filter(([, path]) => /\/(webhooks|deliveries)\/./.test(path));
        assert.equal(crossing.length, 5);
        for (const [method, path, body] of crossing) {
          assertProblem(await alpha(method, path, body), 404, undefined, `${method} ${path} with alpha's token:`);
        }
        const filtered = await alpha<Page>('GET', `/v1/tenants/alpha/deliveries?webhook=${ten.beta.webhook}`);
        assert.deepEqual([filtered.status, filtered.body.data], [200, []], 'filtering on beta\'s webhook shows nothing');
        assert.deepEqual(await betaState(), beforeState);
      });

      it('keeps admin-only routes for the admin token: 403 to a tenant token', async () => {
        const alpha = as(ten.alpha.token);
        const calls: Call[] = [
          ['POST', '/v1/tenants', { id: 'gamma', name: 'gamma' }],
          ['POST', '/v1/event-types', { name: 'sneaky.type' }],
          ['POST', '/v1/tenants/alpha/tokens', {}],
        ];
        for (const [method, path, body] of calls) assertProblem(await alpha(method, path, body), 403, undefined, `${method} ${path}:`);
        assertProblem(await admin('GET', '/v1/tenants/gamma'), 404);
      });

      it('answers 401 to a missing, wrong or expired token', async () => {
        assertProblem(await as(null)('GET', '/v1/tenants/alpha/webhooks'), 401);
        assertProblem(await as('rls_tnt_not-a-real-token')('GET', '/v1/tenants/alpha/webhooks'), 401);
        assertProblem(await as(null)('GET', '/v1/event-types'), 401);
        const minted = await admin<{ token: string; expires_at: string | null }>('POST', '/v1/tenants/alpha/tokens', { expires_in: '1s' });
        assert.equal(minted.status, 201);
        assert.ok(minted.body.expires_at && Date.parse(minted.body.expires_at) > Date.now());
        assert.equal((await as(minted.body.token)('GET', '/v1/tenants/alpha')).status, 200, 'valid until it expires');
        await new Promise((r) => setTimeout(r, 1_200));
        assertProblem(await as(minted.body.token)('GET', '/v1/tenants/alpha'), 401);
      });

      it('mints a tenant token with no request body at all (the body is optional)', async () => {
        const minted = await admin<{ token: string; expires_at: string | null }>('POST', '/v1/tenants/alpha/tokens');
        assert.equal(minted.status, 201, JSON.stringify(minted.body));
        assert.equal(minted.body.expires_at, null);
        assert.equal((await as(minted.body.token)('GET', '/v1/tenants/alpha')).status, 200);
      });

      it('lets a tenant token do everything on its own tenant', async () => {
        const alpha = as(ten.alpha.token);
        assert.equal((await alpha<{ id: string }>('GET', '/v1/tenants/alpha')).body.id, 'alpha');
        assert.ok((await alpha<{ data: { name: string }[] }>('GET', '/v1/event-types')).body.data.some((e) => e.name === TYPE));
        const created = await alpha<Webhook>('POST', '/v1/tenants/alpha/webhooks', { ...hook(), url: `${receiver.url}/alpha-2`, filters: { color: ['blue'] } });
        assert.equal(created.status, 201, JSON.stringify(created.body));
        const list = await alpha<Page>('GET', '/v1/tenants/alpha/webhooks');
        assert.deepEqual(list.body.data.map((w) => w.id).sort(), [ten.alpha.webhook, created.body.id].sort());
        assert.equal((await alpha('GET', `/v1/tenants/alpha/webhooks/${created.body.id}`)).status, 200);
        assert.equal((await alpha<{ secret: string }>('GET', `/v1/tenants/alpha/webhooks/${created.body.id}/secret`)).body.secret, created.body.secret);
        assert.equal((await alpha('PATCH', `/v1/tenants/alpha/webhooks/${created.body.id}`, { description: 'mine' })).status, 200);
        const sent = await alpha<{ deliveries: number }>('POST', '/v1/tenants/alpha/events', { type: TYPE, data: { color: 'blue' } });
        assert.deepEqual([sent.status, sent.body.deliveries], [202, 2]);
        const batch = await alpha('POST', '/v1/tenants/alpha/events/batch', { events: [{ type: TYPE, data: { color: 'red' } }] });
        assert.equal(batch.status, 202);
        const mine = await alpha<Page>('GET', `/v1/tenants/alpha/deliveries?webhook=${created.body.id}`);
        assert.equal(mine.body.data.length, 1);
        assert.equal((await alpha('GET', `/v1/tenants/alpha/deliveries/${mine.body.data[0]!.id}`)).status, 200);
        assert.equal((await alpha('DELETE', `/v1/tenants/alpha/webhooks/${created.body.id}`)).status, 204);
      });

      it('answers 404 to the admin for a tenant that does not exist', async () => {
        for (const [method, path, body] of tenantRoutes('nobody', ten.alpha.webhook, ten.alpha.delivery)) {
          assertProblem(await admin(method, path, body), 404, undefined, `admin ${method} ${path}:`);
        }
        assertProblem(await admin('POST', '/v1/tenants/nobody/tokens', {}), 404, undefined, 'admin POST /v1/tenants/nobody/tokens:');
      });
    });

    describe('problem details', () => {
      const w = '/v1/tenants/alpha/webhooks';
      // [what, method, path, body, status, field]
      const cases: [string, string, string, unknown, number, string | RegExp][] = [
        ['malformed JSON', 'POST', w, '{"url": ', 400, 'body'],
        ['url not a URL', 'POST', w, { url: 'not a url', events: [TYPE] }, 422, 'url'],
        ['url not http(s)', 'POST', w, { url: 'ftp://x', events: [TYPE] }, 422, 'url'],
        ['no events', 'POST', w, { url: 'http://127.0.0.1:1/x', events: [] }, 422, 'events'],
        ['bad event pattern', 'POST', w, { url: 'http://127.0.0.1:1/x', events: ['bad pattern!'] }, 422, 'events[0]'],
        ['unknown event type', 'POST', w, { url: 'http://127.0.0.1:1/x', events: ['no.such.type'] }, 422, 'events[0]'],
        ['unknown top-level key', 'POST', w, { url: 'http://127.0.0.1:1/x', events: [TYPE], bogus: 1 }, 422, 'bogus'],
        ['method TRACE', 'POST', w, { url: 'http://127.0.0.1:1/x', events: [TYPE], method: 'TRACE' }, 422, 'method'],
        ['reserved header Content-Length', 'POST', w, { url: 'http://127.0.0.1:1/x', events: [TYPE], headers: { 'Content-Length': '5' } }, 422, 'headers.Content-Length'],
        ['reserved header webhook-signature', 'POST', w, { url: 'http://127.0.0.1:1/x', events: [TYPE], headers: { 'webhook-signature': 'x' } }, 422, 'headers.webhook-signature'],
        ['bad secret', 'POST', w, { url: 'http://127.0.0.1:1/x', events: [TYPE], secret: 'nope' }, 422, 'secret'],
        ['custom retry without schedule', 'POST', w, { url: 'http://127.0.0.1:1/x', events: [TYPE], retry: { mode: 'custom' } }, 422, 'retry.schedule'],
        ['filter on an undeclared field', 'POST', w, { url: 'http://127.0.0.1:1/x', events: [TYPE], filters: { size: [1] } }, 422, 'filters.size'],
        ['PATCH with a bad url', 'PATCH', `${w}/{alpha-webhook}`, { url: 'not a url' }, 422, 'url'],
        ['event of unknown type', 'POST', '/v1/tenants/alpha/events', { type: 'no.such.type', data: {} }, 422, 'type'],
        ['event without data', 'POST', '/v1/tenants/alpha/events', { type: TYPE }, 422, 'data'],
        ['event occurred_at not a date', 'POST', '/v1/tenants/alpha/events', { type: TYPE, data: {}, occurred_at: 'yesterday' }, 422, 'occurred_at'],
        ['empty batch', 'POST', '/v1/tenants/alpha/events/batch', { events: [] }, 422, 'events'],
        ['batch with a bad 2nd event', 'POST', '/v1/tenants/alpha/events/batch', { events: [{ type: TYPE, data: {} }, { type: 'no.such.type', data: {} }] }, 422, 'events[1].type'],
        ['batch with a malformed 2nd event', 'POST', '/v1/tenants/alpha/events/batch', { events: [{ type: TYPE, data: {} }, { type: 'bad type!', data: {} }] }, 422, 'events[1].type'],
        ['tenant id with a slash', 'POST', '/v1/tenants', { id: 'a/b', name: 'x' }, 422, 'id'],
        ['tenant id with a space', 'POST', '/v1/tenants', { id: 'a b', name: 'x' }, 422, 'id'],
        ['duplicate tenant id', 'POST', '/v1/tenants', { id: 'alpha', name: 'again' }, 409, 'id'],
        ['bad token lifetime', 'POST', '/v1/tenants/alpha/tokens', { expires_in: 'soon' }, 422, 'expires_in'],
        ['deliveries ?status=bogus', 'GET', '/v1/tenants/alpha/deliveries?status=bogus', undefined, 422, 'query.status'],
        ['deliveries ?limit=0', 'GET', '/v1/tenants/alpha/deliveries?limit=0', undefined, 422, 'query.limit'],
      ];
      for (const [what, method, path, body, status, field] of cases) {
        it(`${what} → ${status} naming ${String(field)}`, async () => {
          const admin_only = path === '/v1/tenants' || path.endsWith('/tokens');
          const caller = admin_only ? admin : as(ten.alpha.token);
          const res = await caller(method, path.replace('{alpha-webhook}', ten.alpha.webhook), body);
          assertProblem(res, status, field);
        });
      }

      it('answers an unknown route with a 404 problem', async () => {
        assertProblem(await admin('GET', '/v1/nothing-here'), 404);
        assertProblem(await admin('POST', '/v1/tenants/alpha/webhooks/x/y/z', {}), 404);
      });

      it('stored nothing from the refused requests', async () => {
        const hooks = await admin<{ data: Webhook[] }>('GET', w);
        assert.deepEqual(hooks.body.data.map((h) => h.id), [ten.alpha.webhook]);
        assert.equal((await admin<{ url: string }>('GET', `${w}/${ten.alpha.webhook}`)).body.url, `${receiver.url}/alpha`);
      });
    });

    describe('documents', () => {
      it('serves a valid OpenAPI 3.1 document with the contract paths and schemas', async () => {
        const res = await as(null)<{ openapi: string; info: { title: string }; paths: Record<string, Record<string, unknown>>; components: { schemas: Record<string, unknown> } }>('GET', '/openapi.json');
        assert.equal(res.status, 200);
        assert.match(res.body.openapi, /^3\.1\./);
        assert.equal(typeof res.body.info.title, 'string');
        const paths = ['/v1/tenants', '/v1/tenants/{tenant}/webhooks', '/v1/tenants/{tenant}/events', '/v1/tenants/{tenant}/deliveries/{delivery}', '/v1/event-types'];
        for (const p of paths) assert.ok(res.body.paths[p], `path ${p}: ${Object.keys(res.body.paths).join(', ')}`);
        assert.ok(res.body.paths['/v1/tenants/{tenant}/webhooks']?.post);
        for (const s of ['WebhookIn', 'EventIn', 'Problem']) assert.ok(res.body.components.schemas[s], `schema ${s}`);
      });

      it('serves the docs page and a health check', async () => {
        const docs = await fetch(`${t.url}/docs`);
        assert.equal(docs.status, 200);
        assert.match(docs.headers.get('content-type') ?? '', /text\/html/);
        assert.match(await docs.text(), /<html/i);
        const health = await as(null)('GET', '/healthz');
        assert.deepEqual([health.status, health.body], [200, { status: 'ok', engine }]);
      });
    });
  });
}
