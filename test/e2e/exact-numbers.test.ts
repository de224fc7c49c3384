// Numbers as sent (issue 18): a producer's JSON numbers — big integers, 1250.0, 1e3, -0.0 —
// reach the receiver byte for byte in every JSON envelope, through single and batch ingest, a
// retry and a resend, on both engines; schemas, filters and conditions see plain numbers.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ENGINES } from '../helpers/engines.ts';
import type { Received } from '../helpers/receiver.ts';
import { relaisWithReceiver } from '../helpers/relais.ts';
import { waitFor } from '../helpers/wait.ts';

// D1 goes alone (with an ordering key: PostgreSQL's ingest transaction), D2 and D3 in a batch (its one statement).
const D1 = '{"id":98765432109876543210,"n":12345678901234567890,"f":1250.0,"e":1e3,"neg":-0.0,"s":"x"}';
const C1 = '{"f":{"from":1.50,"to":1250.0}}';
const D2 = '{"id":12345678901234567891,"n":12345678901234567890,"f":1250.0,"e":1e3,"neg":-0.0,"s":"y"}';
const D3 = '{"id":7,"n":1,"f":2.50,"e":-1E-3,"neg":0,"s":"z"}';

for (const engine of ENGINES) {
  describe(`numbers as sent: ${engine}`, () => {
    const suite = relaisWithReceiver(engine);
    const at = (path: string): Received[] => suite.receiver.received.filter((r) => r.path === path);
    const bodies = (path: string): string[] => at(path).map((r) => r.body);

    it('reach every JSON format exactly, through single and batch ingest, a retry and a resend; filters and conditions see numbers', async () => {
      const { t } = suite;
      // Every delivery to /retry fails its first attempt: the retry must carry the same bytes.
      const failedOnce = new Set<string>();
      suite.receiver.respond = (req) => {
        const id = String(req.headers['webhook-id']);
        if (req.path !== '/retry' || failedOnce.has(id)) return { status: 200 };
        failedOnce.add(id);
        return { status: 503 };
      };
      assert.equal((await t.call('POST', '/v1/tenants', { id: 'acme', name: 'Acme' })).status, 201);
      assert.equal((await t.call('POST', '/v1/event-types', {
        name: 'order.created', filters: [{ field: 'f', label: 'Amount' }],
        schema: { type: 'object', required: ['f'], properties: { f: { type: 'number', minimum: 1 }, n: { type: 'integer' }, neg: { type: 'number', maximum: 0 } } },
      })).status, 201);
      const hooks: Record<string, string> = {};
      const webhook = async (path: string, extra: Record<string, unknown>): Promise<void> => {
        const res = await t.call<{ id: string }>('POST', '/v1/tenants/acme/webhooks', { url: `${suite.receiver.url}${path}`, events: ['order.created'], ...extra });
        assert.equal(res.status, 201, JSON.stringify(res.body));
        hooks[path] = res.body.id;
      };
      for (const format of ['standard', 'simple', 'audit', 'resource']) await webhook(`/${format}`, { format });
      await webhook('/cond', { condition: 'data.f == 1250.0 && data.n > 1000.0 && data.e == 1000.0' });
      await webhook('/filter', { filters: { f: [1250] } });
      await webhook('/retry', {});
      await webhook('/keyed', { ordering: 'key' });

      const single = await t.call<{ id: string; deliveries: number }>('POST', '/v1/tenants/acme/events',
        `{"type":"order.created","id":"exact-1","ordering_key":"k1","data":${D1},"previous":{"f":1.50},"changes":${C1}}`);
      assert.equal(single.status, 202, JSON.stringify(single.body));
      assert.equal(single.body.deliveries, 8);
      const batch = await t.call<{ events: { deliveries: number }[] }>('POST', '/v1/tenants/acme/events/batch',
        `{"events":[{"type":"order.created","data":${D2}},{"type":"order.created","data":${D3}}]}`);
      assert.equal(batch.status, 202, JSON.stringify(batch.body));
      assert.deepEqual(batch.body.events.map((e) => e.deliveries), [8, 6], 'the condition and the filter see 2.50 as a number, not 1250');

      const all = [D1, D2, D3];
      const expected: Record<string, number> = { '/standard': 3, '/simple': 3, '/audit': 3, '/resource': 3, '/cond': 2, '/filter': 2, '/retry': 6, '/keyed': 3 };
      await waitFor('every delivery', () => Object.entries(expected).every(([path, n]) => at(path).length === n));

      const sent = (body: string, data: string) => body.includes(`"data":${data}`);
      for (const path of ['/standard', '/simple', '/cond', '/filter', '/retry', '/keyed']) {
        for (const body of bodies(path)) assert.ok(all.some((d) => sent(body, d)), `${path}: ${body}`);
      }
      for (const d of all) {
        assert.equal(bodies('/standard').filter((b) => sent(b, d)).length, 1, `standard: ${d}`);
        assert.equal(bodies('/simple').filter((b) => sent(b, d)).length, 1, `simple: ${d}`);
        assert.equal(bodies('/retry').filter((b) => sent(b, d)).length, 2, `the retry carries the same bytes: ${d}`);
      }
      assert.ok(bodies('/standard').some((b) => b.endsWith(`"data":${D1}}`)));
      assert.deepEqual(bodies('/cond').map((b) => all.find((d) => sent(b, d))).sort(), [D1, D2].sort());
      assert.deepEqual(bodies('/filter').map((b) => all.find((d) => sent(b, d))).sort(), [D1, D2].sort());

      // audit: the producer's changes as written; computed ones when none were given.
      assert.ok(bodies('/audit').some((b) => b.endsWith(`"data":${D1},"changes":${C1}}`)), bodies('/audit').join('\n'));
      assert.ok(bodies('/audit').some((b) => b.endsWith(`"data":${D2},"changes":{}}`)));
      assert.ok(bodies('/audit').some((b) => b.endsWith(`"data":${D3},"changes":{}}`)));
      // resource: the gid taken from data's big integer id is exact too.
      const resources = bodies('/resource');
      assert.ok(resources.includes(`{"event":"resource.created","resource_type":"order","resource_gid":98765432109876543210,"resource":${D1}}`), resources.join('\n'));
      assert.ok(resources.includes(`{"event":"resource.created","resource_type":"order","resource_gid":12345678901234567891,"resource":${D2}}`));
      assert.ok(resources.includes(`{"event":"resource.created","resource_type":"order","resource_gid":7,"resource":${D3}}`));

      // A resend reads the stored event again.
      const deliveries = await t.call<{ data: { id: string; event_id: string }[] }>('GET', `/v1/tenants/acme/deliveries?webhook=${hooks['/audit']}`);
      const first = deliveries.body.data.find((d) => d.event_id === single.body.id);
      assert.ok(first);
      assert.equal((await t.call('POST', `/v1/tenants/acme/deliveries/${first.id}/resend`)).status, 202);
      const [, , , again] = await waitFor('the resent delivery', () => at('/audit').length === 4 && at('/audit'));
      assert.ok(again!.body.endsWith(`"data":${D1},"changes":${C1}}`), again!.body);
    });

    it('reach form bodies exactly too, urlencoded and as Frappe\'s JSON object', async () => {
      const { t } = suite;
      assert.equal((await t.call('POST', '/v1/event-types', { name: 'invoice.sent' })).status, 201);
      const fields = ['n', { key: 'amount', field: 'f' }, 's', 'o'];
      for (const [path, extra] of [['/form', {}], ['/form-json', { content_type: 'application/json' }]] as const) {
        const res = await t.call('POST', '/v1/tenants/acme/webhooks', { url: `${suite.receiver.url}${path}`, events: ['invoice.sent'], format: 'form', form_fields: fields, ...extra });
        assert.equal(res.status, 201, JSON.stringify(res.body));
      }
      assert.equal((await t.call('POST', '/v1/tenants/acme/events', '{"type":"invoice.sent","data":{"n":12345678901234567890,"f":1250.0,"s":"a b","o":{"x":1.10}}}')).status, 202);
      const [urlencoded] = await waitFor('the form request', () => at('/form').length === 1 && at('/form'));
      const [json] = await waitFor('the JSON form request', () => at('/form-json').length === 1 && at('/form-json'));
      assert.equal(urlencoded!.body, 'n=12345678901234567890&amount=1250.0&s=a+b&o=%7B%22x%22%3A1.10%7D');
      assert.equal(json!.body, '{"n": 12345678901234567890, "amount": 1250.0, "s": "a b", "o": {"x": 1.10}}');
    });

    it('computes audit changes on the numbers as written, and gives templates numbers (Frappe\'s as Python reads them)', async () => {
      const { t } = suite;
      assert.equal((await t.call('POST', '/v1/event-types', { name: 'stock.updated' })).status, 201);
      const hook = async (path: string, extra: Record<string, unknown>): Promise<void> => {
        const res = await t.call('POST', '/v1/tenants/acme/webhooks', { url: `${suite.receiver.url}${path}`, events: ['stock.updated'], ...extra });
        assert.equal(res.status, 201, JSON.stringify(res.body));
      };
      await hook('/audit-computed', { format: 'audit' });
      await hook('/tpl', { format: 'template', template: '{"twice": {{ data.f * 2 }}, "more": {{ (data.n > 1000) | tojson }}}' });
      await hook('/frappe-tpl', {
        format: 'template', template_dialect: 'frappe',
        template: '{"total": {{ doc.f }}, "n": {{ doc.n }}, "items": {{ doc.items | json }}, "e": {{ doc.e }}, "whole": {{ doc.w }}, "none": "{{ doc.x }}"}',
      });
      const data = '{"f":1250.0,"n":12345678901234567891,"same":1000.0,"items":[{"rate":180.0,"qty":2}],"e":1e3,"w":7,"x":null}';
      const previous = '{"f":1.50,"n":12345678901234567890,"same":1000.0,"items":[{"rate":180.0,"qty":2}],"e":1e3,"w":7,"x":null}';
      assert.equal((await t.call('POST', '/v1/tenants/acme/events', `{"type":"stock.updated","data":${data},"previous":${previous}}`)).status, 202);
      const [audited] = await waitFor('the audit request', () => at('/audit-computed').length === 1 && at('/audit-computed'));
      // Parsed as doubles, the two n are one number and 1000.0 is 1000: the change to n would vanish.
      assert.ok(audited!.body.endsWith(`"data":${data},"changes":{"f":{"from":1.50,"to":1250.0},"n":{"from":12345678901234567890,"to":12345678901234567891}}}`), audited!.body);
      const [templated] = await waitFor('the template request', () => at('/tpl').length === 1 && at('/tpl'));
      assert.equal(templated!.body, '{"twice": 2500, "more": true}');
      // What Frappe sends for this document: json.dumps(json.loads(rendered)), floats as floats, ints exact.
      const [frappe] = await waitFor('the Frappe template request', () => at('/frappe-tpl').length === 1 && at('/frappe-tpl'));
      assert.equal(frappe!.body, '{"total": 1250.0, "n": 12345678901234567891, "items": [{"qty": 2, "rate": 180.0}], "e": 1000.0, "whole": 7, "none": "None"}');
    });

    it('keeps idempotency and the event type\'s schema working on the numbers\' values', async () => {
      const { t } = suite;
      const repeat = await t.call<{ duplicate: boolean }>('POST', '/v1/tenants/acme/events', `{"type":"order.created","id":"exact-1","data":${D1}}`);
      assert.deepEqual([repeat.status, repeat.body.duplicate], [202, true], 'the same event again: a duplicate');
      const other = await t.call('POST', '/v1/tenants/acme/events', `{"type":"order.created","id":"exact-1","data":${D1.replace('1250.0', '1251.0')}}`);
      assert.equal(other.status, 409);
      const refused = await t.call<{ errors: { field: string }[] }>('POST', '/v1/tenants/acme/events', '{"type":"order.created","data":{"f":0.0,"neg":1.0}}');
      assert.equal(refused.status, 422);
      assert.deepEqual(refused.body.errors.map((e) => e.field).sort(), ['data.f', 'data.neg']);
    });
  });
}
