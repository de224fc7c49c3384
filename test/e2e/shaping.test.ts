// Conditions and templates: what they select and render, how bad ones are refused at save
// time, and how hostile ones are contained while the server keeps serving.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from '../helpers/engines.ts';
import { relaisWithReceiver } from '../helpers/relais.ts';
import { waitFor } from '../helpers/wait.ts';
import { sign } from '../../src/core/signing.ts';

interface Preview { request: { method: string; url: string; headers: Record<string, string>; body: string }; event: { type: string }; error: string | null }
interface Problem { status: number; errors: { field: string; message: string }[] }

const HOSTILE: [string, string, RegExp][] = [
  ['an endless loop', '{% for i in range(100000000) %}{% for j in range(100000000) %}{{ i }}{% endfor %}{% endfor %}', /longer than 1000 ms|more than \d+ (MB|bytes)/],
  ['a huge output', '{% for i in range(50000000) %}xxxxxxxxxxxxxxxxxxxx{% endfor %}', /longer than 1000 ms|more than \d+ (MB|bytes)/],
  ['a reach for process through the prototype chain', '{{ doc.constructor.constructor("return process")().exit(1) }}', /template failed/],
];

for (const engine of ENGINES) {
  describe(`conditions and templates: ${engine}`, () => {
    const suite = relaisWithReceiver(engine);
    const base = '/v1/tenants/shop/webhooks';
    before(async () => {
      await suite.t.call('POST', '/v1/tenants', { id: 'shop', name: 'Shop' });
      await suite.t.call('POST', '/v1/event-types', { name: 'order.updated', example: { id: 9, status: 'Open', amount: 120, tags: ['vip'] } });
    });

    const send = async (data: unknown, extra: Record<string, unknown> = {}) =>
      (await suite.t.call<{ deliveries: number }>('POST', '/v1/tenants/shop/events', { type: 'order.updated', data, ...extra })).body.deliveries;

    it('delivers only when the condition holds, and skips with a logged reason when it errors', async () => {
      const res = await suite.t.call<{ id: string }>('POST', base, {
        url: `${suite.receiver.url}/cond`, events: ['order.updated'],
        condition: 'data.status == "Open" && data.amount > 100 && "vip" in data.tags && has(changes.status) && changes.status.to == "Open"',
      });
      assert.equal(res.status, 201);
      const previous = { id: 9, status: 'Draft', amount: 120, tags: ['vip'] };
      assert.equal(await send({ id: 9, status: 'Open', amount: 120, tags: ['vip'] }, { previous }), 1);
      assert.equal(await send({ id: 9, status: 'Open', amount: 50, tags: ['vip'] }, { previous }), 0, 'amount too small');
      assert.equal(await send({ id: 9, status: 'Closed', amount: 120, tags: ['vip'] }, { previous }), 0, 'wrong status');
      assert.equal(await send({ id: 9, status: 'Open', amount: 120, tags: ['vip'] }, { previous: { ...previous, status: 'Open' } }), 0, 'status did not change');
      assert.equal(await send({ id: 9, status: 'Open', tags: ['vip'] }, { previous }), 0, 'a missing field is a run-time error');
      const logged = suite.t.logs.map((l) => JSON.parse(l) as { msg: string; webhook?: string; reason?: string })
        .find((l) => l.msg.startsWith('condition failed') && l.webhook === res.body.id);
      assert.match(logged?.reason ?? '', /amount/);
      await waitFor('the one delivery', () => suite.receiver.received.filter((r) => r.path === '/cond').length === 1);
    });

    it('sends GET with no body and DELETE with one, both signed', async () => {
      await suite.t.call('POST', '/v1/event-types', { name: 'order.methods' });
      const get = await suite.t.call<{ secret: string }>('POST', base, { url: `${suite.receiver.url}/get?x=1`, events: ['order.methods'], method: 'GET' });
      await suite.t.call('POST', base, { url: `${suite.receiver.url}/delete`, events: ['order.methods'], method: 'DELETE' });
      await send({ id: 1 }, { type: 'order.methods' });
      const [g] = await waitFor('the GET', () => suite.receiver.received.filter((r) => r.path === '/get?x=1').length === 1 && suite.receiver.received.filter((r) => r.path === '/get?x=1'));
      assert.equal(g!.method, 'GET');
      assert.equal(g!.body, '');
      assert.equal(g!.headers['content-type'], undefined);
      const signature = sign({ secret: get.body.secret, msgId: String(g!.headers['webhook-id']), timestampS: Number(g!.headers['webhook-timestamp']), body: '' });
      assert.equal(g!.headers['webhook-signature'], signature, 'signed over the empty body');
      const d = await waitFor('the DELETE', () => suite.receiver.received.find((r) => r.path === '/delete'));
      assert.equal(d.method, 'DELETE');
      assert.equal((JSON.parse(d.body) as { type: string }).type, 'order.methods');
    });

    it('refuses a bad condition, template or format choice at save time, naming the field', async () => {
      const expect422 = async (body: Record<string, unknown>, field: string, message: RegExp) => {
        const res = await suite.t.call<Problem>('POST', base, { url: `${suite.receiver.url}/x`, events: ['order.updated'], ...body });
        assert.equal(res.status, 422, JSON.stringify(res.body));
        const error = res.body.errors.find((e) => e.field === field);
        assert.ok(error, `${field} in ${JSON.stringify(res.body.errors)}`);
        assert.match(error.message, message);
      };
      await expect422({ condition: 'data.status == ' }, 'condition', /syntax error at position 15/);
      await expect422({ condition: 'data.status === "x"' }, 'condition', /syntax error at position \d+/);
      await expect422({ format: 'template' }, 'template', /needs a template/);
      await expect422({ format: 'template', template: '{{ doc.name' }, 'template', /template syntax error/);
      await expect422({ format: 'form' }, 'form_fields', /needs the fields/);
      await expect422({ format: 'xml' }, 'format', /./);
      await expect422({ form_fields: ['a..b'], format: 'form' }, 'form_fields[0]', /dotted path/);
      await expect422({ content_type: 'not a type', format: 'template', template: '{}' }, 'content_type', /media type/);
      const ok = await suite.t.call<{ id: string }>('POST', base, { url: `${suite.receiver.url}/x`, events: ['order.updated'], condition: 'data.amount > 1' });
      const patch = await suite.t.call<Problem>('PATCH', `${base}/${ok.body.id}`, { condition: 'data.amount >' });
      assert.equal(patch.status, 422);
      assert.equal(patch.body.errors[0]?.field, 'condition');
      assert.equal((await suite.t.call<Problem>('PATCH', `${base}/${ok.body.id}`, { format: 'template' })).body.errors[0]?.field, 'template');
    });

    it('previews the exact request of a saved webhook and of a draft, against the type\'s example', async () => {
      const saved = await suite.t.call<{ id: string }>('POST', base, {
        url: `${suite.receiver.url}/pv`, events: ['order.updated'], method: 'PATCH', headers: { 'X-Api-Key': 'k' },
        format: 'template', template: '{"n": {{ doc.id }}, "s": {{ doc.status | tojson }}}',
      });
      const one = await suite.t.call<Preview>('POST', `${base}/${saved.body.id}/preview`, {});
      assert.equal(one.status, 200);
      assert.equal(one.body.request.method, 'PATCH');
      assert.equal(one.body.request.body, '{"n": 9, "s": "Open"}');
      assert.equal(one.body.request.headers['x-api-key'], '[redacted]');
      assert.match(one.body.request.headers['webhook-signature'] ?? '', /^v1,/);
      const given = await suite.t.call<Preview>('POST', `${base}/${saved.body.id}/preview`, { event: { type: 'order.updated', data: { id: 1, status: 'X' } } });
      assert.equal(given.body.request.body, '{"n": 1, "s": "X"}');

      const draft = await suite.t.call<Preview>('POST', `${base}/preview`, { webhook: { url: 'https://example.com/h', events: ['order.updated'], format: 'form', form_fields: ['id', 'status'] } });
      assert.equal(draft.status, 200, JSON.stringify(draft.body));
      assert.equal(draft.body.request.body, 'id=9&status=Open');
      assert.equal(draft.body.request.headers['content-type'], 'application/x-www-form-urlencoded');
      const badDraft = await suite.t.call<Problem>('POST', `${base}/preview`, { webhook: { url: 'https://example.com/h', events: ['order.updated'], condition: '(' } });
      assert.equal(badDraft.status, 422);
      const notJson = await suite.t.call<Preview>('POST', `${base}/preview`, { webhook: { url: 'https://example.com/h', events: ['order.updated'], format: 'template', template: '{"s": {{ doc.status }}}' } });
      assert.match(notJson.body.error ?? '', /did not render valid JSON/);
      assert.equal((await suite.t.call('POST', `${base}/wh_nope/preview`, {})).status, 404);
    });

    for (const [what, template, error] of HOSTILE) {
      it(`stops ${what} with a clear error and keeps serving`, async () => {
        const draft = await suite.t.call<Preview>('POST', `${base}/preview`, { webhook: { url: 'https://example.com/h', events: ['order.updated'], format: 'template', template } });
        assert.equal(draft.status, 200, JSON.stringify(draft.body));
        assert.match(draft.body.error ?? '', error);
        assert.equal(draft.body.request.body, '');
        assert.equal((await suite.t.call('GET', '/healthz', undefined, null)).status, 200, 'the server still answers');
        assert.equal(({} as Record<string, unknown>).polluted, undefined);
      });
    }

    it('gives templates no way into the prototype chain', async () => {
      const template = '{"p": "{{ doc.__proto__ }}{{ doc.constructor }}{{ data[\'__proto__\'] }}{{ doc.toString }}"}';
      const res = await suite.t.call<Preview>('POST', `${base}/preview`, { webhook: { url: 'https://example.com/h', events: ['order.updated'], format: 'template', template } });
      assert.equal(res.body.error, null);
      assert.equal(res.body.request.body, '{"p": ""}', 'each reach renders as nothing');
    });

    it('records a failing template on the delivery, sends nothing, and does not retry it', async () => {
      await suite.t.call('POST', '/v1/event-types', { name: 'order.hostile' });
      await suite.t.call('POST', base, { url: `${suite.receiver.url}/hostile`, events: ['order.hostile'], format: 'template', template: HOSTILE[0]![1] });
      assert.equal(await send({ id: 666 }, { type: 'order.hostile' }), 1);
      const detail = await waitFor('the failed delivery', async () => {
        const list = await suite.t.call<{ data: { id: string; status: string; webhook_id: string }[] }>('GET', '/v1/tenants/shop/deliveries?status=failed');
        const d = list.body.data[0];
        return d && (await suite.t.call<{ attempts: { error: { kind: string; message: string } | null }[] }>('GET', `/v1/tenants/shop/deliveries/${d.id}`)).body;
      }, 15_000);
      assert.equal(detail.attempts.length, 1);
      assert.equal(detail.attempts[0]?.error?.kind, 'template');
      assert.ok(!suite.receiver.received.some((r) => r.path === '/hostile'));
    });
  });
}
