// Each seed product's webhooks, end to end: its example event in, the exact JSON (or form) its
// receivers expect out, signed, with the page's own choices (filters, conditions, methods,
// headers, formats).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { ENGINES } from '../helpers/engines.ts';
import type { Received } from '../helpers/receiver.ts';
import { relaisWithReceiver } from '../helpers/relais.ts';
import { waitFor } from '../helpers/wait.ts';
import { creadsProject, dokosSalesOrder, flatchrApplicant, flatchrTypes, hirehopInvoice, hirehopPrevious } from '../fixtures/seeds.ts';

for (const engine of ENGINES) {
  describe(`seed products: ${engine}`, () => {
    const suite = relaisWithReceiver(engine);

    const at = (path: string): Received[] => suite.receiver.received.filter((r) => r.path === path);
    async function webhook(tenant: string, body: Record<string, unknown>): Promise<{ id: string; secret: string }> {
      const res = await suite.t.call<{ id: string; secret: string }>('POST', `/v1/tenants/${tenant}/webhooks`, body);
      assert.equal(res.status, 201, JSON.stringify(res.body));
      return res.body;
    }
    async function send(tenant: string, event: Record<string, unknown>): Promise<number> {
      const res = await suite.t.call<{ deliveries: number }>('POST', `/v1/tenants/${tenant}/events`, event);
      assert.equal(res.status, 202, JSON.stringify(res.body));
      return res.body.deliveries;
    }
    const verify = (secret: string, r: Received): unknown => new StandardWebhook(secret).verify(r.body, {
      'webhook-id': String(r.headers['webhook-id']), 'webhook-timestamp': String(r.headers['webhook-timestamp']), 'webhook-signature': String(r.headers['webhook-signature']),
    });

    it('001 Flatchr: {data, event, company_id}, filtered on the job offer and the pipeline column', async () => {
      await suite.t.call('POST', '/v1/tenants', { id: '60', name: "L'entreprise" });
      for (const type of flatchrTypes) assert.ok([200, 201].includes((await suite.t.call('POST', '/v1/event-types', type)).status));
      const hook = await webhook('60', {
        url: `${suite.receiver.url}/flatchr`, events: ['drag_applicant'], format: 'simple',
        filters: { 'applicant.vacancy_id': ['0LEZBvp5WKnMoVmg'], 'applicant.column_id': ['a4JL2lpEQKpwBXKe'] },
      });
      assert.equal(await send('60', { type: 'drag_applicant', data: flatchrApplicant }), 1);
      const elsewhere = { ...flatchrApplicant, applicant: { ...flatchrApplicant.applicant, column_id: 'OtherColumn' } };
      assert.equal(await send('60', { type: 'drag_applicant', data: elsewhere }), 0, 'another column does not match');
      assert.equal(await send('60', { type: 'new_applicant', data: flatchrApplicant }), 0, 'another event does not match');

      const [got] = await waitFor('the Flatchr request', () => at('/flatchr').length === 1 && at('/flatchr'));
      assert.deepEqual(JSON.parse(got!.body), { event: 'drag_applicant', data: flatchrApplicant, company_id: 60 });
      assert.deepEqual(Object.keys(JSON.parse(got!.body) as object), ['data', 'event', 'company_id'], 'Flatchr\'s documented order');
      assert.deepEqual(verify(hook.secret, got!), { event: 'drag_applicant', data: flatchrApplicant, company_id: 60 });
      await new Promise((r) => setTimeout(r, 150));
      assert.equal(at('/flatchr').length, 1);

      const broken = await suite.t.call<{ errors: { field: string }[] }>('POST', '/v1/tenants/60/events', { type: 'drag_applicant', data: { applicant: { vacancy_id: 7 }, candidate: {} } });
      assert.equal(broken.status, 422);
      assert.deepEqual(broken.body.errors.map((e) => e.field).sort(), ['data.applicant.column_id', 'data.applicant.vacancy_id']);
    });

    it('002 Dokos: PUT with an API key header, a condition, a Jinja JSON body; and a form body', async () => {
      await suite.t.call('POST', '/v1/tenants', { id: 'dokos', name: 'Dokos' });
      await suite.t.call('POST', '/v1/event-types', { name: 'sales_order.on_update', example: dokosSalesOrder });
      const json = await webhook('dokos', {
        url: `${suite.receiver.url}/dokos-json`, events: ['sales_order.on_update'], method: 'PUT', headers: { 'X-Api-Key': 'dokos-key-1' },
        condition: 'data.status == "Open" && data.grand_total > 1000.0',
        format: 'template', template: '{"order": "{{ doc.name }}", "customer": {{ doc.customer | tojson }}, "total": {{ doc.grand_total }}, "lines": {{ doc["items"] | length }}}',
      });
      await webhook('dokos', { url: `${suite.receiver.url}/dokos-form`, events: ['sales_order.*'], format: 'form', form_fields: ['name', 'customer', 'grand_total', 'items'] });

      assert.equal(await send('dokos', { type: 'sales_order.on_update', data: dokosSalesOrder }), 2);
      assert.equal(await send('dokos', { type: 'sales_order.on_update', data: { ...dokosSalesOrder, status: 'Draft' } }), 1, 'the condition fails: only the form webhook');
      assert.equal(await send('dokos', { type: 'sales_order.on_update', data: { ...dokosSalesOrder, grand_total: 10 } }), 1);

      const [put] = await waitFor('the JSON request', () => at('/dokos-json').length >= 1 && at('/dokos-json'));
      assert.equal(put!.method, 'PUT');
      assert.equal(put!.headers['x-api-key'], 'dokos-key-1');
      assert.equal(put!.headers['content-type'], 'application/json');
      assert.deepEqual(verify(json.secret, put!), { order: 'SO-2024-0001', customer: "Société Générale d'Équipement", total: 1250.5, lines: 1 });

      const forms = await waitFor('three form requests', () => at('/dokos-form').length === 3 && at('/dokos-form'));
      assert.equal(forms[0]!.headers['content-type'], 'application/x-www-form-urlencoded');
      const fields = Object.fromEntries(new URLSearchParams(forms[0]!.body));
      assert.deepEqual(fields, { name: 'SO-2024-0001', customer: "Société Générale d'Équipement", grand_total: '1250.5', items: '[{"item_code":"CHAIR","qty":4}]' });
      assert.equal(at('/dokos-json').length, 1);
    });

    it('003 HireHop: the audit envelope, changes computed from the previous state, export key', async () => {
      await suite.t.call('POST', '/v1/tenants', { id: '1', name: 'HireHop company' });
      await suite.t.call('POST', '/v1/event-types', { name: 'invoice.status.updated' });
      await webhook('1', { url: `${suite.receiver.url}/hirehop`, events: ['invoice.*'], format: 'audit', export_key: '22u43mrjwe7u', retry: { mode: 'none' } });
      await send('1', {
        type: 'invoice.status.updated', occurred_at: '2022-03-29T07:50:42Z', data: hirehopInvoice, previous: hirehopPrevious,
        actor: { id: 1, name: 'John Smith', email: 'john@email.com' },
      });
      const [got] = await waitFor('the HireHop request', () => at('/hirehop').length === 1 && at('/hirehop'));
      assert.deepEqual(JSON.parse(got!.body), {
        time: '2022-03-29 07:50:42', user_id: 1, user_name: 'John Smith', user_email: 'john@email.com', company_id: 1,
        export_key: '22u43mrjwe7u', event: 'invoice.status.updated', data: hirehopInvoice, changes: { status: { from: 'vieille', to: 'nouveau' } },
      });
      await send('1', { type: 'invoice.status.updated', data: hirehopInvoice, changes: { status: { from: 'a', to: 'b' } } });
      const second = await waitFor('the second request', () => at('/hirehop')[1]);
      const body = JSON.parse(second.body) as { changes: unknown; user_id: unknown };
      assert.deepEqual(body.changes, { status: { from: 'a', to: 'b' } }, 'the producer\'s own changes win');
      assert.equal(body.user_id, null);
    });

    it('004 Creads: {event, resource_type, resource_gid, resource}, no resource on delete', async () => {
      await suite.t.call('POST', '/v1/tenants', { id: 'creads-org', name: 'Creads org' });
      for (const action of ['created', 'updated', 'deleted']) await suite.t.call('POST', '/v1/event-types', { name: `project.${action}` });
      await webhook('creads-org', { url: `${suite.receiver.url}/creads`, events: ['project.*'], format: 'resource' });
      await send('creads-org', { type: 'project.created', data: creadsProject, resource: { type: 'project', id: 'prj_4f2a' } });
      await send('creads-org', { type: 'project.deleted', data: creadsProject, resource: { type: 'project', id: 'prj_4f2a' } });
      const got = await waitFor('two Creads requests', () => at('/creads').length === 2 && at('/creads'));
      const bodies = got.map((r) => JSON.parse(r.body) as { event: string }).sort((a, b) => a.event.localeCompare(b.event));
      assert.deepEqual(bodies, [
        { event: 'resource.created', resource_type: 'project', resource_gid: 'prj_4f2a', resource: creadsProject },
        { event: 'resource.deleted', resource_type: 'project', resource_gid: 'prj_4f2a' },
      ]);
    });
  });
}
