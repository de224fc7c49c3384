// Conditions are bounded: one too costly to ever run is refused at save and at check (naming
// `condition`), one that passes the estimate but is costly on a given event is stopped by its
// run-time budget and recorded as that webhook's "condition failed" reason, /healthz answering
// meanwhile; a variable the event does not have is refused; matches() cannot backtrack.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { ENGINES } from '../helpers/engines.ts';
import { relaisWithReceiver } from '../helpers/relais.ts';
import { probeHealthz } from '../helpers/healthz.ts';
import { waitFor } from '../helpers/wait.ts';

interface Problem { status: number; errors: { field: string; message: string }[] }
interface Check { valid: boolean; error: { message: string; position: number | null } | null; example: { matches: boolean | null; error: string | null } | null }

const list = (n: number): string => `[${Array.from({ length: n }, (_, i) => i).join(',')}]`;
/** 50^10 steps if it ran: it froze the whole API. */
const NESTED_EXISTS = Array.from({ length: 10 }, (_, i) => `${list(50)}.exists(x${i}, `).join('') + 'false' + ')'.repeat(10);
/** 10^8 elements if it ran: it took the heap down. */
const FOUR_MAPS = `${list(100)}.map(a, ${list(100)}.map(b, ${list(100)}.map(c, ${list(100)}.map(d, a + b + c + d)))).size() > 0`;
/** Within the estimate (≈600,000 units), but 600,000 steps on an event with 10,000 items. */
const COSTLY_AT_RUN_TIME = '[1,2,3,4,5,6,7,8,9,10].exists(a, data.items.exists(x, x.id == -1))';
const BIG = { items: Array.from({ length: 10_000 }, (_, id) => ({ id })) };

for (const engine of ENGINES) {
  describe(`condition bounds: ${engine}`, () => {
    const suite = relaisWithReceiver(engine);
    const base = '/v1/tenants/shop/webhooks';
    before(async () => {
      await suite.t.call('POST', '/v1/tenants', { id: 'shop', name: 'Shop' });
      await suite.t.call('POST', '/v1/event-types', { name: 'order.updated', example: { id: 9, name: 'aaa' } });
      await suite.t.call('POST', '/v1/event-types', { name: 'order.bulk', example: BIG });
    });
    const create = (condition: string, path = '/x', events = ['order.updated']) =>
      suite.t.call<Problem & { id: string }>('POST', base, { url: `${suite.receiver.url}${path}`, events, condition });
    const check = (condition: string, eventType?: string) =>
      suite.t.call<Check>('POST', '/v1/conditions/check', { condition, ...(eventType ? { event_type: eventType } : {}) });
    const send = async (type: string, data: unknown) =>
      (await suite.t.call<{ deliveries: number }>('POST', '/v1/tenants/shop/events', { type, data })).body.deliveries;
    const failures = (webhook: string) => suite.t.logs.map((l) => JSON.parse(l) as { msg: string; webhook?: string; reason?: string })
      .filter((l) => l.msg.startsWith('condition failed') && l.webhook === webhook);

    it('refuses ten nested exists and four nested maps at save (POST, PATCH, preview) and at check', async () => {
      const ok = await create('data.id > 1');
      assert.equal(ok.status, 201);
      for (const condition of [NESTED_EXISTS, FOUR_MAPS]) {
        const started = performance.now();
        const res = await create(condition);
        assert.equal(res.status, 422, JSON.stringify(res.body));
        assert.equal(res.body.errors[0]?.field, 'condition');
        assert.match(res.body.errors[0]!.message, /too costly: up to .* steps .*\(at position \d+\)/);
        const patch = await suite.t.call<Problem>('PATCH', `${base}/${ok.body.id}`, { condition });
        assert.equal(patch.status, 422);
        assert.equal(patch.body.errors[0]?.field, 'condition');
        const draft = await suite.t.call<Problem>('POST', `${base}/preview`, { webhook: { url: 'https://example.com/h', events: ['order.updated'], condition } });
        assert.equal(draft.status, 422);
        assert.equal(draft.body.errors[0]?.field, 'condition');
        const checked = await check(condition, 'order.updated');
        assert.equal(checked.status, 200);
        assert.equal(checked.body.valid, false);
        assert.match(checked.body.error?.message ?? '', /too costly/);
        assert.equal(typeof checked.body.error?.position, 'number');
        assert.equal(checked.body.example, null);
        assert.ok(performance.now() - started < 5_000, 'answered at once');
      }
    });

    it('fails, without running, a costly condition stored before the budget existed', async () => {
      const res = await create('data.id > 1', '/stored');
      await suite.t.relais.store.webhooks.update('shop', res.body.id, { condition: NESTED_EXISTS }, Date.now());
      assert.equal(await send('order.updated', { id: 0 }), 0, 'the other webhook\'s `data.id > 1` is false too');
      assert.match(failures(res.body.id)[0]?.reason ?? '', /too costly/);
    });

    it('refuses a variable the event does not have, at save and at check', async () => {
      const res = await create('nope.status == "Open"');
      assert.equal(res.status, 422);
      assert.equal(res.body.errors[0]?.field, 'condition');
      assert.match(res.body.errors[0]!.message, /Unknown variable: nope; the event's variables are .* \(at position 0\)/);
      const checked = await check('data.ok && nope.status == "Open"');
      assert.equal(checked.body.valid, false);
      assert.match(checked.body.error?.message ?? '', /Unknown variable: nope/);
      assert.equal(checked.body.error?.position, 11);
    });

    it('stops at run time a condition that passed the estimate, records why, and /healthz answers meanwhile', async (t) => {
      const res = await create(COSTLY_AT_RUN_TIME, '/costly', ['order.bulk']);
      assert.equal(res.status, 201, JSON.stringify(res.body));
      const checked = await check(COSTLY_AT_RUN_TIME, 'order.bulk');
      assert.equal(checked.body.valid, true);
      assert.match(checked.body.example?.error ?? '', /stopped: the condition went over its run-time budget/);

      // Ingest the big event 20 times while a second client asks /healthz every 5 ms: first of a
      // type no condition looks at (what a 10,000-item event costs by itself), then this one.
      const measure = async (type: string) => {
        const probe = probeHealthz(suite.t.url);
        const started = performance.now();
        const deliveries: number[] = [];
        for (let i = 0; i < 20; i++) deliveries.push(await send(type, BIG));
        const ingestMs = (performance.now() - started) / 20;
        const { worst, summary } = await probe.stop();
        return { deliveries, worst, line: `${summary}; ${ingestMs.toFixed(1)} ms per event` };
      };
      await suite.t.call('POST', '/v1/event-types', { name: 'order.plain' });
      const plain = await measure('order.plain');
      const costly = await measure('order.bulk');
      t.diagnostic(`${engine}: /healthz while 20 events of 10,000 items are ingested: with no condition ${plain.line}; with the costly condition ${costly.line}`);
      const { deliveries, worst } = costly;
      assert.deepEqual(deliveries, Array(20).fill(0));
      const reasons = failures(res.body.id);
      assert.equal(reasons.length, 20);
      assert.match(reasons[0]!.reason ?? '', /stopped: the condition went over its run-time budget of 100,000 steps on this event/);
      assert.ok(worst < 2_000, `did not freeze (${worst} ms)`);

      assert.equal(await send('order.bulk', { items: [{ id: -1 }] }), 1, 'a small event still decides and is delivered');
      await waitFor('the delivery', () => suite.receiver.received.some((r) => r.path === '/costly'));
    });

    it('runs matches() in linear time: a backtracking pattern does not freeze; a bad one is refused', async () => {
      const res = await create('data.name.matches("^(a+)+$")', '/redos');
      assert.equal(res.status, 201, JSON.stringify(res.body));
      const started = performance.now();
      assert.equal(await send('order.updated', { name: `${'a'.repeat(40)}!` }), 0, '2^40 steps with a backtracking engine');
      assert.ok(performance.now() - started < 5_000, 'did not freeze');
      assert.equal(await send('order.updated', { name: 'aaaa' }), 1);
      const bad = await create('data.name.matches("(?=a)")');
      assert.equal(bad.status, 422);
      assert.equal(bad.body.errors[0]?.field, 'condition');
      assert.match(bad.body.errors[0]!.message, /invalid regular expression .*\(at position 18\)/);
    });
  });
}
