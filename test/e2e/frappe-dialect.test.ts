// Dokos (seed 002, Frappe) moves its webhooks to Relais unchanged: a template in Frappe's
// spelling (doc, its json and len filters, a missing field printed as None) and a condition on
// `doc` deliver, through a real Relais and a real receiver, the bytes Frappe would send, signed
// as Frappe signs them; a condition naming a variable there is not is refused at save, naming it.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { before, describe, it } from 'node:test';
import { ENGINES } from '../helpers/engines.ts';
import { relaisWithReceiver } from '../helpers/relais.ts';
import { waitFor } from '../helpers/wait.ts';

interface Problem { status: number; errors: { field: string; message: string }[] }
interface Check { valid: boolean; error: { message: string; position: number | null } | null; example: { matches: boolean | null } | null }

const order = { name: 'SO-2024-0001', customer: 'Société Générale', status: 'Open', items: [{ qty: 4, item_code: 'CHAIR', rate: 12.5 }] };
const TEMPLATE = '{"name": "{{ doc.name }}", "customer": {{ doc.customer | json }}, "items": {{ doc.items | json }}, "n": {{ doc.items | len }}, "missing": "{{ doc.nope }}"}';
/** What Frappe sends for this template: as_json's sorted keys, json.dumps's spacing and \uXXXX, Python's None. */
const EXPECTED = '{"name": "SO-2024-0001", "customer": "Soci\\u00e9t\\u00e9 G\\u00e9n\\u00e9rale", "items": [{"item_code": "CHAIR", "qty": 4, "rate": 12.5}], "n": 1, "missing": "None"}';
const SECRET = 'dokos webhook secret';

for (const engine of ENGINES) {
  describe(`Frappe's templates and conditions: ${engine}`, () => {
    const suite = relaisWithReceiver(engine);
    const base = '/v1/tenants/dokos/webhooks';
    before(async () => {
      await suite.t.call('POST', '/v1/tenants', { id: 'dokos', name: 'Dokos' });
      await suite.t.call('POST', '/v1/event-types', { name: 'sales_order.on_update', example: order });
    });
    const send = async (data: unknown) =>
      (await suite.t.call<{ deliveries: number }>('POST', '/v1/tenants/dokos/events', { type: 'sales_order.on_update', data })).body.deliveries;

    it('delivers a Frappe template\'s bytes, only for documents its doc condition selects', async () => {
      const res = await suite.t.call<{ id: string }>('POST', base, {
        url: `${suite.receiver.url}/frappe`, events: ['sales_order.on_update'], condition: 'doc.status == "Open"',
        format: 'template', template_dialect: 'frappe', template: TEMPLATE, signature_scheme: 'frappe', secret: SECRET,
      });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      assert.equal(await send({ ...order, status: 'Closed', name: 'SO-CLOSED' }), 0, 'the condition does not hold');
      assert.equal(await send(order), 1);

      const [got] = await waitFor('the Frappe request', () => suite.receiver.received.some((r) => r.path === '/frappe') && suite.receiver.received.filter((r) => r.path === '/frappe'));
      assert.equal(got!.body, EXPECTED);
      assert.equal(got!.headers['content-type'], 'application/json');
      assert.equal(got!.headers['x-frappe-webhook-signature'], createHmac('sha256', SECRET).update(got!.body).digest('base64'), 'signed as Frappe signs');
      const preview = await suite.t.call<{ request: { body: string } }>('POST', `${base}/${res.body.id}/preview`, {});
      assert.equal(preview.body.request.body, EXPECTED, 'the preview renders the same bytes');
      await new Promise((r) => setTimeout(r, 150));
      assert.equal(suite.receiver.received.filter((r) => r.path === '/frappe').length, 1, 'nothing for the closed order');
    });

    it('renders the default dialect as before: a missing value is empty', async () => {
      const draft = await suite.t.call<{ request: { body: string }; error: string | null }>('POST', `${base}/preview`, {
        webhook: { url: 'https://example.com/h', events: ['sales_order.on_update'], format: 'template', template: TEMPLATE },
      });
      assert.equal(draft.body.error, null);
      assert.equal(draft.body.request.body, EXPECTED.replace('"None"', '""'));
    });

    it('sends a JSON template as Frappe does, json.dumps of what it rendered: Python\'s spacing and escapes, keys in their order, numbers as Python reads them', async () => {
      const compact = '{"name":"{{ doc.name }}","10":"ten","note":"été","total":1250.0,"big":12345678901234567890,"e":1e3,"d":1.50,"s":0.00001,"z":-0,"nz":-0.0,"lines":[1,2]}';
      const frappe = await suite.t.call<{ request: { body: string } }>('POST', `${base}/preview`, {
        webhook: { url: 'https://example.com/h', events: ['sales_order.on_update'], format: 'template', template_dialect: 'frappe', template: compact },
      });
      assert.equal(frappe.body.request.body, '{"name": "SO-2024-0001", "10": "ten", "note": "\\u00e9t\\u00e9", "total": 1250.0, "big": 12345678901234567890, "e": 1000.0, "d": 1.5, "s": 1e-05, "z": 0, "nz": -0.0, "lines": [1, 2]}');
      const jinja = await suite.t.call<{ request: { body: string } }>('POST', `${base}/preview`, {
        webhook: { url: 'https://example.com/h', events: ['sales_order.on_update'], format: 'template', template: compact },
      });
      assert.equal(jinja.body.request.body, compact.replace('{{ doc.name }}', 'SO-2024-0001'), 'the default dialect sends the text as rendered');
    });

    it('refuses at save a condition naming an unknown variable, saying which and which there are', async () => {
      const res = await suite.t.call<Problem>('POST', base, { url: `${suite.receiver.url}/x`, events: ['sales_order.on_update'], condition: 'nope.status == "Open"' });
      assert.equal(res.status, 422);
      assert.equal(res.body.errors[0]?.field, 'condition');
      assert.match(res.body.errors[0]!.message, /^Unknown variable: nope; the event's variables are tenant, data, doc \(the same as data\), previous, changes, actor, resource \(at position 0\)$/);
      const checked = await suite.t.call<Check>('POST', '/v1/conditions/check', { condition: 'doc.status == "Open"', event_type: 'sales_order.on_update' });
      assert.equal(checked.body.valid, true, JSON.stringify(checked.body));
      assert.equal(checked.body.example?.matches, true);
    });
  });
}
