// The per-webhook and per-tenant settings the seed products' receivers depend on, end to end on
// both engines: Frappe's signature with any-text secrets (and its rotation), header rows, a
// webhook that never disables nor holds (HireHop), the tenant's export key, Creads' three events
// and imported ids, Flatchr's body order.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { ENGINES } from '../helpers/engines.ts';
import type { Received } from '../helpers/receiver.ts';
import { relaisWithReceiver } from '../helpers/relais.ts';
import { waitFor } from '../helpers/wait.ts';

/** What a Frappe receiver computes: base64(HMAC-SHA256(secret as UTF-8, raw body)). */
const frappeSignature = (secret: string, body: string): string => createHmac('sha256', Buffer.from(secret, 'utf8')).update(body, 'utf8').digest('base64');

for (const engine of ENGINES) {
  describe(`product settings: ${engine}`, () => {
    // Two failures in a row disable a webhook whose policy allows it: the opt-out must still hold.
    const suite = relaisWithReceiver(engine, { RELAIS_DISABLE_AFTER_FAILURES: '2', RELAIS_DISABLE_AFTER: '0s', RELAIS_SECRET_OVERLAP: '1h' });
    const at = (path: string): Received[] => suite.receiver.received.filter((r) => r.path === path);
    async function setUp(tenant: string, types: string[]): Promise<void> {
      assert.equal((await suite.t.call('POST', '/v1/tenants', { id: tenant, name: tenant })).status, 201);
      for (const name of types) assert.ok([200, 201].includes((await suite.t.call('POST', '/v1/event-types', { name })).status));
    }
    async function webhook(tenant: string, body: Record<string, unknown>): Promise<{ id: string; secret: string; [k: string]: unknown }> {
      const res = await suite.t.call<{ id: string; secret: string }>('POST', `/v1/tenants/${tenant}/webhooks`, body);
      assert.equal(res.status, 201, JSON.stringify(res.body));
      return res.body;
    }
    const send = (tenant: string, event: Record<string, unknown>) => suite.t.call<{ deliveries: number }>('POST', `/v1/tenants/${tenant}/events`, event);

    it('signs as Frappe does with a secret of any text, honours header rows, and rotates to the new secret only', async () => {
      await setUp('dokos-sig', ['sales_order.on_update']);
      const refused = await suite.t.call<{ errors: { field: string; message: string }[] }>('POST', '/v1/tenants/dokos-sig/webhooks', {
        url: `${suite.receiver.url}/x`, events: ['sales_order.on_update'], secret: 'mon secret Dokos',
      });
      assert.equal(refused.status, 422, 'a Standard Webhooks secret must be whsec_');
      assert.equal(refused.body.errors[0]!.field, 'secret');
      assert.match(refused.body.errors[0]!.message, /frappe/);
      for (const name of ['Host', 'X-Frappe-Webhook-Signature', 'Webhook-Signature']) {
        const res = await suite.t.call<{ errors: { field: string }[] }>('POST', '/v1/tenants/dokos-sig/webhooks', {
          url: `${suite.receiver.url}/x`, events: ['sales_order.on_update'], headers: { [name]: 'x' },
        });
        assert.equal(res.status, 422, name);
        assert.equal(res.body.errors[0]!.field, `headers.${name}`);
      }

      const secret = 'mon secret Dokos ✓ 1';
      const hook = await webhook('dokos-sig', {
        url: `${suite.receiver.url}/frappe`, events: ['sales_order.on_update'], signature_scheme: 'frappe', secret,
        headers: { 'Content-Type': 'application/json; charset=utf-8', 'User-Agent': 'Dokos-Webhooks' },
        format: 'form', form_fields: [{ key: 'order', field: 'name' }, { key: 'total', field: 'grand_total' }, 'status'], content_type: 'application/json',
      });
      assert.equal(hook.secret, secret, 'kept as given');
      assert.equal(hook.signature_scheme, 'frappe');
      assert.equal((await send('dokos-sig', { type: 'sales_order.on_update', data: { name: 'SO-1', grand_total: 12.5, status: 'Ouvert é' } })).status, 202);
      const [first] = await waitFor('the Frappe request', () => at('/frappe').length === 1 && at('/frappe'));
      assert.equal(first!.body, '{"order": "SO-1", "total": 12.5, "status": "Ouvert \\u00e9"}', 'Frappe\'s JSON object, as json.dumps writes it');
      assert.equal(first!.headers['x-frappe-webhook-signature'], frappeSignature(secret, first!.body));
      assert.equal(first!.headers['content-type'], 'application/json; charset=utf-8', 'the header row wins');
      assert.equal(first!.headers['user-agent'], 'Dokos-Webhooks');
      assert.ok(first!.headers['webhook-id'], 'the Standard Webhooks id is still there to de-duplicate on');

      const rotated = await suite.t.call<{ secret: string }>('POST', `/v1/tenants/dokos-sig/webhooks/${hook.id}/rotate-secret`, { secret: 'le nouveau secret' });
      assert.equal(rotated.status, 200, JSON.stringify(rotated.body));
      await send('dokos-sig', { type: 'sales_order.on_update', data: { name: 'SO-2', grand_total: 1, status: 'x' } });
      const second = await waitFor('the request after rotation', () => at('/frappe')[1]);
      assert.equal(second.headers['x-frappe-webhook-signature'], frappeSignature('le nouveau secret', second.body), 'one value: the new secret\'s');
      assert.equal(String(second.headers['webhook-signature']).split(' ').length, 2, 'the Standard header carries both during the overlap');

      const back = await suite.t.call<{ errors: { field: string }[] }>('PATCH', `/v1/tenants/dokos-sig/webhooks/${hook.id}`, { signature_scheme: 'standard' });
      assert.equal(back.status, 422, 'a text secret cannot sign Standard Webhooks');
      assert.equal(back.body.errors[0]!.field, 'secret');
    });

    it('auto_disable false: a failing receiver gets every event once, is never disabled, and nothing waits behind it', async () => {
      await setUp('hirehop', ['job.status.updated']);
      suite.receiver.respond = (req) => (req.path.startsWith('/down') ? { status: 500 } : req.path.startsWith('/gone') ? { status: 410 } : { status: 200 });
      const never = await webhook('hirehop', { url: `${suite.receiver.url}/down-never`, events: ['job.*'], format: 'audit', retry: { mode: 'none' }, auto_disable: false });
      const gone = await webhook('hirehop', { url: `${suite.receiver.url}/gone`, events: ['job.*'], format: 'audit', retry: { mode: 'none' }, auto_disable: false });
      assert.equal(never.auto_disable, false);
      // Past the circuit breaker's threshold (5): a breaker would hold the later ones for seconds.
      for (let i = 0; i < 8; i++) {
        assert.equal((await send('hirehop', { type: 'job.status.updated', data: { job: i } })).status, 202);
        // One at a time: each event's failure is recorded before the next is accepted.
        await waitFor(`event ${i} tried`, () => at('/down-never').length === i + 1 && at('/gone').length === i + 1);
      }
      assert.deepEqual(at('/down-never').map((r) => (JSON.parse(r.body) as { data: { job: number } }).data.job), [0, 1, 2, 3, 4, 5, 6, 7]);
      // Eight failures in a row, past the breaker's threshold (5), and these two are the only
      // failing webhooks so far in this process: no circuit opened.
      const metrics = await (await fetch(`${suite.t.url}/metrics`)).text();
      assert.match(metrics, /^relais_webhook_breakers\{state="open"\} 0$/m, 'no circuit opened for the webhooks that never hold');
      assert.match(metrics, /^relais_webhook_breakers\{state="half_open"\} 0$/m);
      const read = async (id: string) => (await suite.t.call<{ enabled: boolean; health: { consecutive_failures: number } }>('GET', `/v1/tenants/hirehop/webhooks/${id}`)).body;
      assert.equal((await read(never.id)).enabled, true);
      assert.equal((await read(never.id)).health.consecutive_failures, 8, 'its record is kept all the same');
      assert.equal((await read(gone.id)).enabled, true, 'a 410 does not disable it either');
      const held = await suite.t.call<{ data: { status: string }[] }>('GET', `/v1/tenants/hirehop/deliveries?webhook=${never.id}`);
      assert.ok(held.body.data.every((d) => d.status === 'failed'), 'every delivery made its one attempt: none pending');

      // The usual policy, on the same receiver and events: disabled after two failures (this
      // suite's RELAIS_DISABLE_AFTER_FAILURES), its later events held. The two go one at a time,
      // as above: sent back to back, more went out before the disable was written (a race the
      // policy allows: deliveries under way when it lands are sent).
      const usual = await webhook('hirehop', { url: `${suite.receiver.url}/down-usual`, events: ['job.*'], format: 'audit', retry: { mode: 'none' } });
      for (let i = 8; i < 10; i++) {
        assert.equal((await send('hirehop', { type: 'job.status.updated', data: { job: i } })).status, 202);
        await waitFor(`event ${i} tried`, () => at('/down-usual').length === i - 7);
      }
      await waitFor('the usual policy disabling its webhook', async () => !(await read(usual.id)).enabled);
      for (let i = 10; i < 16; i++) assert.equal((await send('hirehop', { type: 'job.status.updated', data: { job: i } })).status, 202);
      const later = await suite.t.call<{ data: { held: boolean }[] }>('GET', `/v1/tenants/hirehop/deliveries?webhook=${usual.id}&held=true`);
      assert.equal(later.body.data.length, 6, 'the later events are held');
      assert.equal(at('/down-usual').length, 2, 'and not sent');
      suite.receiver.respond = () => ({ status: 200 });
    });

    it('the tenant\'s export key goes out from audit webhooks that have none of their own', async () => {
      await setUp('42', ['invoice.status.updated']);
      const patched = await suite.t.call<{ export_key: string }>('PATCH', '/v1/tenants/42', { export_key: '22u43mrjwe7u' });
      assert.equal(patched.status, 200, JSON.stringify(patched.body));
      assert.equal(patched.body.export_key, '22u43mrjwe7u');
      const unchanged = await suite.t.call<{ export_key: string }>('PATCH', '/v1/tenants/42', {});
      assert.deepEqual([unchanged.status, unchanged.body.export_key], [200, '22u43mrjwe7u'], 'an empty patch changes nothing');
      await webhook('42', { url: `${suite.receiver.url}/company-key`, events: ['invoice.*'], format: 'audit' });
      await webhook('42', { url: `${suite.receiver.url}/own-key`, events: ['invoice.*'], format: 'audit', export_key: 'own' });
      await send('42', { type: 'invoice.status.updated', data: { id: 7 } });
      const [company] = await waitFor('the company key request', () => at('/company-key').length === 1 && at('/company-key'));
      const [own] = await waitFor('the own key request', () => at('/own-key').length === 1 && at('/own-key'));
      assert.equal((JSON.parse(company!.body) as { export_key: string }).export_key, '22u43mrjwe7u');
      assert.equal((JSON.parse(own!.body) as { export_key: string }).export_key, 'own');
      assert.equal((JSON.parse(company!.body) as { company_id: number }).company_id, 42);
    });

    it('Creads: imported webhook ids, Relais\' webhook events as resource.created|updated|deleted, the product\'s own resource.* events', async () => {
      await setUp('creads', ['resource.updated', 'project.archived']);
      const listener = await webhook('creads', { id: 'hook-listener-1', url: `${suite.receiver.url}/creads`, events: ['*'], format: 'resource' });
      assert.equal(listener.id, 'hook-listener-1', 'the product\'s own id is kept');
      const taken = await suite.t.call<{ errors: { field: string }[] }>('POST', '/v1/tenants/creads/webhooks', { id: 'hook-listener-1', url: `${suite.receiver.url}/y`, events: ['*'] });
      assert.equal(taken.status, 409);
      assert.equal(taken.body.errors[0]!.field, 'id');

      suite.receiver.respond = (req) => (req.path === '/failing' ? { status: 500 } : { status: 200 });
      const failing = await webhook('creads', { id: 'hook-failing', url: `${suite.receiver.url}/failing`, events: ['project.archived'], retry: { mode: 'none' } });
      await send('creads', { type: 'project.archived', data: { gid: 'p1' } });
      await send('creads', { type: 'project.archived', data: { gid: 'p2' } });
      await send('creads', { type: 'resource.updated', data: { url: 'https://creads.test/hooks/9' }, resource: { type: 'webhook', id: 'legacy-9' } });
      await waitFor('the failing webhook disabled', async () => !(await suite.t.call<{ enabled: boolean }>('GET', `/v1/tenants/creads/webhooks/${failing.id}`)).body.enabled);
      await suite.t.call('DELETE', `/v1/tenants/creads/webhooks/${failing.id}`);

      const events = (): { event: string; resource_type: string; resource_gid: string; resource?: { enabled?: boolean } }[] =>
        at('/creads').map((r) => JSON.parse(r.body) as never);
      await waitFor('the disabled and deleted notices', () => events().some((e) => e.resource_gid === 'hook-failing' && e.event === 'resource.deleted'));
      const about = events().filter((e) => e.resource_gid === 'hook-failing');
      assert.deepEqual(about.map((e) => e.event), ['resource.created', 'resource.updated', 'resource.deleted'], 'disabled is an update');
      assert.ok(about.every((e) => e.resource_type === 'webhook'));
      assert.equal(about[1]!.resource!.enabled, false, 'sent in its new state');
      assert.ok(events().every((e) => ['resource.created', 'resource.updated', 'resource.deleted'].includes(e.event)), 'only the three events Creads\' receivers know');
      assert.ok(events().some((e) => e.event === 'resource.updated' && e.resource_type === 'project' && e.resource_gid === 'p1'), 'project.archived is an update');
      assert.ok(events().some((e) => e.event === 'resource.updated' && e.resource_type === 'webhook' && e.resource_gid === 'legacy-9'), 'the product\'s own webhook resources');
      suite.receiver.respond = () => ({ status: 200 });
    });

    it('Flatchr: the simple body is data, event, company_id in that order, signed', async () => {
      await setUp('60', ['new_applicant']);
      const hook = await webhook('60', { url: `${suite.receiver.url}/flatchr`, events: ['new_applicant'], format: 'simple' });
      await send('60', { type: 'new_applicant', data: { applicant: { id: 'a1' } } });
      const [got] = await waitFor('the Flatchr request', () => at('/flatchr').length === 1 && at('/flatchr'));
      assert.equal(got!.body, '{"data":{"applicant":{"id":"a1"}},"event":"new_applicant","company_id":60}');
      new StandardWebhook(hook.secret).verify(got!.body, {
        'webhook-id': String(got!.headers['webhook-id']), 'webhook-timestamp': String(got!.headers['webhook-timestamp']), 'webhook-signature': String(got!.headers['webhook-signature']),
      });
    });
  });
}
