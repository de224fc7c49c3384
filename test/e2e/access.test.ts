// What the page needs from the API beyond webhooks and deliveries: who a token is, the admin's
// tenant list, sign-in links, a condition's live check and each webhook's recent record.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from '../helpers/engines.ts';
import { startReceiver, type Receiver } from '../helpers/receiver.ts';
import { seed, startRelais, type TestRelais } from '../helpers/relais.ts';
import { waitFor } from '../helpers/wait.ts';
import { flatchrApplicant, flatchrTypes } from '../fixtures/seeds.ts';

interface Problem { status: number; code: string; detail: string; errors?: { field: string; message: string }[] }

for (const engine of ENGINES) {
  describe(`access and page support: ${engine}`, () => {
    let t: TestRelais;
    let receiver: Receiver;
    before(async () => {
      t = await startRelais(engine);
      receiver = await startReceiver((r) => (r.path === '/down' ? { status: 500 } : { status: 200 }));
      for (const type of flatchrTypes) await t.call('POST', '/v1/event-types', type);
      await t.call('POST', '/v1/tenants', { id: 'acme', name: 'Acme' });
      await t.call('POST', '/v1/tenants', { id: 'globex', name: 'Globex' });
    });
    after(async () => {
      await t.close();
      await receiver.close();
    });

    it('tells a token who it is', async () => {
      assert.deepEqual((await t.call('GET', '/v1/me')).body, { role: 'admin', tenant_id: null, expires_at: null });
      const forever = await t.call<{ token: string }>('POST', '/v1/tenants/acme/tokens', {});
      assert.deepEqual((await t.call('GET', '/v1/me', undefined, forever.body.token)).body, { role: 'tenant', tenant_id: 'acme', expires_at: null });
      const short = await t.call<{ token: string; expires_at: string }>('POST', '/v1/tenants/acme/tokens', { expires_in: '1h' });
      assert.equal((await t.call<{ expires_at: string }>('GET', '/v1/me', undefined, short.body.token)).body.expires_at, short.body.expires_at);
      assert.equal((await t.call('GET', '/v1/me', undefined, null)).status, 401);
    });

    it('lists tenants for the admin, a page at a time', async () => {
      const first = await t.call<{ data: { id: string; name: string }[]; next_cursor: string }>('GET', '/v1/tenants?limit=1');
      assert.deepEqual(first.body.data.map((x) => x.id), ['acme']);
      const rest = await t.call<{ data: { id: string }[]; next_cursor: string | null }>('GET', `/v1/tenants?after=${first.body.next_cursor}`);
      assert.deepEqual(rest.body.data.map((x) => x.id), ['globex']);
      assert.equal(rest.body.next_cursor, null);
      assert.equal((await t.call<Problem>('GET', '/v1/tenants?limit=0')).body.errors?.[0]?.field, 'query.limit');
      const token = (await t.call<{ token: string }>('POST', '/v1/tenants/acme/tokens', {})).body.token;
      assert.equal((await t.call('GET', '/v1/tenants', undefined, token)).status, 403);
    });

    it('makes sign-in links that work for one tenant until they expire', async () => {
      const res = await t.call<{ url: string; token: string; expires_at: string }>('POST', '/v1/tenants/acme/page-links');
      assert.equal(res.status, 201);
      assert.match(res.body.token, /^rpl_/);
      assert.equal(res.body.url, `${t.url}/#/signin?link=${res.body.token}`);
      const ttl = Date.parse(res.body.expires_at) - Date.now();
      assert.ok(ttl > 3_590_000 && ttl <= 3_600_000, `default lifetime 1 h, got ${ttl} ms`);
      const link = res.body.token;
      assert.deepEqual((await t.call('GET', '/v1/me', undefined, link)).body, { role: 'tenant', tenant_id: 'acme', expires_at: res.body.expires_at });
      assert.equal((await t.call('GET', '/v1/tenants/acme/webhooks', undefined, link)).status, 200);
      assert.equal((await t.call('GET', '/v1/tenants/globex/webhooks', undefined, link)).status, 404, 'another tenant');
      assert.equal((await t.call('POST', '/v1/tenants/acme/page-links', {}, link)).status, 403, 'a link cannot mint links');

      const forged = `${link.slice(0, -3)}abc`;
      const refused = await t.call<Problem>('GET', '/v1/tenants/acme/webhooks', undefined, forged);
      assert.equal(refused.status, 401);
      assert.equal(refused.body.code, 'RELAIS_ERR_AUTH_MISSING');

      const short = await t.call<{ token: string }>('POST', '/v1/tenants/acme/page-links', { expires_in: '1s' });
      assert.equal((await t.call('GET', '/v1/tenants/acme', undefined, short.body.token)).status, 200);
      await new Promise((r) => setTimeout(r, 1_050));
      const expired = await t.call<Problem>('GET', '/v1/tenants/acme', undefined, short.body.token);
      assert.equal(expired.status, 401);
      assert.equal(expired.body.code, 'RELAIS_ERR_AUTH_EXPIRED');
      assert.match(expired.body.detail, /expired/);
    });

    it('refuses bad link requests with the field named', async () => {
      for (const expiresIn of ['25h', '0', 'soon']) {
        const res = await t.call<Problem>('POST', '/v1/tenants/acme/page-links', { expires_in: expiresIn });
        assert.equal(res.status, 422, expiresIn);
        assert.equal(res.body.errors?.[0]?.field, 'expires_in');
      }
      assert.equal((await t.call('POST', '/v1/tenants/nobody/page-links', {})).status, 404);
    });

    it('checks a condition\'s syntax and decides it on the type\'s example', async () => {
      const check = (body: unknown) => t.call<{ valid: boolean; error: { message: string; position: number | null } | null; example: { event_type: string; matches: boolean | null; error: string | null } | null }>('POST', '/v1/conditions/check', body);
      const column = flatchrApplicant.applicant.column_id;
      assert.deepEqual((await check({ condition: `data.applicant.column_id == "${column}"`, event_type: 'drag_applicant' })).body,
        { valid: true, error: null, example: { event_type: 'drag_applicant', matches: true, error: null } });
      assert.equal((await check({ condition: 'data.applicant.score > 10', event_type: 'drag_applicant' })).body.example?.matches, false);
      const missing = (await check({ condition: 'data.nothing.here == 1', event_type: 'drag_applicant' })).body.example;
      assert.equal(missing?.matches, null);
      assert.ok(missing?.error);
      const broken = (await check({ condition: 'data.applicant.score >' })).body;
      assert.equal(broken.valid, false);
      assert.equal(typeof broken.error?.position, 'number');
      assert.equal(broken.example, null);
      assert.equal((await check({ condition: 'true', event_type: 'nope' })).status, 422);
      assert.equal((await check({ condition: '' })).status, 422);
    });

    it('gives each webhook read its recent attempts and failures', async () => {
      await seed(t, `${receiver.url}/down`, { tenant: 'rec', type: 'rec.event', webhook: { retry: { mode: 'none' } } });
      const hooks = await t.call<{ data: { id: string; health: { recent?: { attempts: number; failures: number } } }[] }>('GET', '/v1/tenants/rec/webhooks');
      const id = hooks.body.data[0]!.id;
      assert.deepEqual(hooks.body.data[0]!.health.recent, { attempts: 0, failures: 0 });
      await t.call('POST', '/v1/tenants/rec/events', { type: 'rec.event', data: {} });
      await t.call('POST', '/v1/tenants/rec/events', { type: 'rec.event', data: {} });
      const recent = await waitFor('two failed attempts', async () => {
        const r = (await t.call<{ health: { recent: { attempts: number; failures: number } } }>('GET', `/v1/tenants/rec/webhooks/${id}`)).body.health.recent;
        return r.attempts === 2 && r;
      });
      assert.deepEqual(recent, { attempts: 2, failures: 2 });
      const patched = await t.call<{ health: { recent: unknown } }>('PATCH', `/v1/tenants/rec/webhooks/${id}`, { description: 'x' });
      assert.deepEqual(patched.body.health.recent, { attempts: 2, failures: 2 });
    });
  });
}
