// Tenant isolation on every tenant route: a tenant token sees its own tenant only, and asking
// for another's data answers 404 — exactly as if it did not exist — so ids cannot be probed.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from '../helpers/engines.ts';
import { startReceiver, type Receiver } from '../helpers/receiver.ts';
import { ADMIN_TOKEN, seed, startRelais, type TestRelais } from '../helpers/relais.ts';
import { waitFor } from '../helpers/wait.ts';

interface Ids { token: string; webhook: string; delivery: string }

for (const engine of ENGINES) {
  describe(`tenant isolation: ${engine}`, () => {
    let t: TestRelais;
    let receiver: Receiver;
    const tenants: Record<'alpha' | 'beta', Ids> = {} as Record<'alpha' | 'beta', Ids>;

    before(async () => {
      t = await startRelais(engine);
      receiver = await startReceiver();
      for (const name of ['alpha', 'beta'] as const) {
        const { webhook } = await seed(t, `${receiver.url}/${name}`, { tenant: name, type: 'iso.event' });
        const { body } = await t.call<{ token: string }>('POST', `/v1/tenants/${name}/tokens`, {});
        await t.call('POST', `/v1/tenants/${name}/events`, { type: 'iso.event', data: { who: name } });
        // Wait for it to settle, so that later snapshots of the tenant compare like with like.
        const delivery = await waitFor('a delivered delivery', async () => {
          const d = (await t.call<{ data: { id: string; status: string }[] }>('GET', `/v1/tenants/${name}/deliveries`)).body.data[0];
          return d?.status === 'succeeded' ? d.id : undefined;
        });
        tenants[name] = { token: body.token, webhook: webhook.id, delivery };
      }
    });
    after(async () => {
      await t.close();
      await receiver.close();
    });

    /** Every tenant route, aimed at `target`'s path with `webhook` and `delivery` ids. */
    function routes(target: string, webhook: string, delivery: string): [string, string, unknown?][] {
      const base = `/v1/tenants/${target}`;
      return [
        ['GET', base],
        ['GET', `${base}/webhooks`],
        ['GET', `${base}/notices`],
        ['POST', `${base}/webhooks`, { url: 'http://127.0.0.1:9/x', events: ['iso.event'] }],
        ['GET', `${base}/webhooks/${webhook}`],
        ['GET', `${base}/webhooks/${webhook}/secret`],
        ['PATCH', `${base}/webhooks/${webhook}`, { url: 'http://127.0.0.1:9/hijacked' }],
        ['POST', `${base}/webhooks/${webhook}/preview`, {}],
        ['POST', `${base}/webhooks/preview`, { webhook: { url: 'http://127.0.0.1:9/x', events: ['iso.event'] } }],
        ['POST', `${base}/webhooks/${webhook}/rotate-secret`, {}],
        ['POST', `${base}/webhooks/${webhook}/test`, {}],
        ['POST', `${base}/webhooks/${webhook}/cancel-pending`, {}],
        ['POST', `${base}/webhooks/${webhook}/recover`, { since: '2020-01-01T00:00:00Z', missing: true }],
        ['POST', `${base}/deliveries/${delivery}/resend`, {}],
        ['DELETE', `${base}/webhooks/${webhook}`],
        ['POST', `${base}/events`, { type: 'iso.event', data: {} }],
        ['POST', `${base}/events/batch`, { events: [{ type: 'iso.event', data: {} }] }],
        ['GET', `${base}/deliveries`],
        ['GET', `${base}/deliveries/${delivery}`],
      ];
    }

    async function betaSnapshot(): Promise<string> {
      const webhooks = (await t.call('GET', '/v1/tenants/beta/webhooks')).body;
      const deliveries = (await t.call('GET', '/v1/tenants/beta/deliveries')).body;
      return JSON.stringify({ webhooks, deliveries });
    }

    it('answers 404 to every route aimed at another tenant, and changes nothing there', async () => {
      const before = await betaSnapshot();
      for (const [method, path, body] of routes('beta', tenants.beta.webhook, tenants.beta.delivery)) {
        const res = await t.call<{ status: number; code: string }>(method, path, body, tenants.alpha.token);
        assert.equal(res.status, 404, `${method} ${path}`);
        assert.equal(res.body.code, 'RELAIS_ERR_NOT_FOUND', `${method} ${path}`);
      }
      assert.equal(await betaSnapshot(), before);
    });

    it('answers 404 before looking at the body, so invalid input cannot probe another tenant', async () => {
      for (const [method, path] of routes('beta', tenants.beta.webhook, tenants.beta.delivery).filter(([, , body]) => body !== undefined)) {
        assert.equal((await t.call(method, path, { nonsense: true }, tenants.alpha.token)).status, 404, `${method} ${path}`);
        assert.equal((await t.call(method, path, '{"broken', tenants.alpha.token)).status, 404, `${method} ${path} (malformed JSON)`);
      }
    });

    it('answers 404 to another tenant\'s webhook and delivery ids on its own path', async () => {
      const before = await betaSnapshot();
      const crossIds = routes('alpha', tenants.beta.webhook, tenants.beta.delivery)
        .filter(([, path]) => path.includes(tenants.beta.webhook) || path.includes(tenants.beta.delivery));
      assert.equal(crossIds.length, 11);
      for (const [method, path, body] of crossIds) {
        assert.equal((await t.call(method, path, body, tenants.alpha.token)).status, 404, `${method} ${path}`);
        assert.equal((await t.call(method, path, body)).status, 404, `admin: ${method} ${path}`);
      }
      assert.equal(await betaSnapshot(), before);
    });

    it('lets a tenant token do everything on its own tenant', async () => {
      const token = tenants.alpha.token;
      assert.equal((await t.call('GET', '/v1/tenants/alpha', undefined, token)).status, 200);
      assert.equal((await t.call('GET', '/v1/event-types', undefined, token)).status, 200);
      const created = await t.call<{ id: string }>('POST', '/v1/tenants/alpha/webhooks', { url: `${receiver.url}/alpha2`, events: ['iso.*'] }, token);
      assert.equal(created.status, 201);
      assert.equal((await t.call('PATCH', `/v1/tenants/alpha/webhooks/${created.body.id}`, { description: 'mine' }, token)).status, 200);
      assert.equal((await t.call('POST', '/v1/tenants/alpha/events', { type: 'iso.event', data: {} }, token)).status, 202);
      assert.equal((await t.call('GET', `/v1/tenants/alpha/deliveries/${tenants.alpha.delivery}`, undefined, token)).status, 200);
      assert.equal((await t.call('DELETE', `/v1/tenants/alpha/webhooks/${created.body.id}`, undefined, token)).status, 204);
    });

    it('keeps admin routes for the admin token', async () => {
      const token = tenants.alpha.token;
      for (const [path, body] of [['/v1/tenants', { name: 'x' }], ['/v1/event-types', { name: 'x.y' }], ['/v1/tenants/alpha/tokens', {}]] as const) {
        const res = await t.call<{ code: string }>('POST', path, body, token);
        assert.equal(res.status, 403, path);
        assert.equal(res.body.code, 'RELAIS_ERR_AUTH_FORBIDDEN');
      }
    });

    it('refuses missing, wrong and expired tokens', async () => {
      assert.equal((await t.call('GET', '/v1/tenants/alpha/webhooks', undefined, null)).status, 401);
      assert.equal((await t.call('GET', '/v1/tenants/alpha/webhooks', undefined, 'rls_tnt_forged')).status, 401);
      assert.equal((await t.call('GET', '/v1/event-types', undefined, null)).status, 401);
      const short = await t.call<{ token: string; expires_at: string }>('POST', '/v1/tenants/alpha/tokens', { expires_in: '1s' });
      assert.ok(Date.parse(short.body.expires_at) > Date.now());
      assert.equal((await t.call('GET', '/v1/tenants/alpha', undefined, short.body.token)).status, 200);
      await new Promise((r) => setTimeout(r, 1_100));
      assert.equal((await t.call('GET', '/v1/tenants/alpha', undefined, short.body.token)).status, 401);
    });

    it('mints a tenant token with or without a body, and none for a tenant that does not exist', async () => {
      const res = await fetch(`${t.url}/v1/tenants/alpha/tokens`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
      assert.equal(res.status, 201);
      const { token, expires_at: expiresAt } = (await res.json()) as { token: string; expires_at: string | null };
      assert.equal(expiresAt, null);
      assert.equal((await t.call('GET', '/v1/tenants/alpha', undefined, token)).status, 200);
      assert.equal((await t.call('POST', '/v1/tenants/nobody/tokens', {})).status, 404);
    });

    it('answers 404 to the admin for a tenant that does not exist', async () => {
      assert.equal((await t.call('GET', '/v1/tenants/nobody')).status, 404);
      assert.equal((await t.call('GET', '/v1/tenants/nobody/deliveries')).status, 404);
      assert.equal((await t.call('POST', '/v1/tenants/nobody/events', { type: 'iso.event', data: {} })).status, 404);
    });
  });
}
