// Event type schemas are bounded: a pattern that backtracks for minutes on a regex engine runs
// on RE2 (linear), so the hostile event is answered at once and /healthz meanwhile; patterns RE2
// cannot run and schemas whose branches multiply are refused at registration, naming where.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { ENGINES } from '../helpers/engines.ts';
import { relaisWithReceiver } from '../helpers/relais.ts';
import { probeHealthz } from '../helpers/healthz.ts';

interface Problem { errors: { field: string; message: string }[] }

const REDOS = { type: 'object', properties: { name: { type: 'string', pattern: '^(a+)+$' } } };
/** The longest text a pattern is tested on, and the most RE2 work per value it allows. */
const HEAVY = { type: 'object', properties: { name: { type: 'string', pattern: '^(a+)+$' }, items: { type: 'array', maxItems: 1_000, items: { type: 'string', pattern: '^(\\w+\\s?)*$' } } } };

for (const engine of ENGINES) {
  describe(`schema bounds: ${engine}`, () => {
    const suite = relaisWithReceiver(engine);
    before(async () => {
      await suite.t.call('POST', '/v1/tenants', { id: 'shop', name: 'Shop' });
    });
    const register = (name: string, schema: unknown) => suite.t.call<Problem>('POST', '/v1/event-types', { name, schema });
    const send = (type: string, data: unknown) => suite.t.call<Problem>('POST', '/v1/tenants/shop/events', { type, data });

    it('answers a catastrophic-backtracking pattern at once, and /healthz meanwhile', async (t) => {
      assert.equal((await register('order.named', REDOS)).status, 201);
      assert.equal((await register('order.heavy', HEAVY)).status, 201);
      // 28 characters held the API 10–16 s, 40 characters over 100 s.
      for (const length of [28, 40, 9_999]) {
        const started = performance.now();
        const res = await send('order.named', { name: `${'a'.repeat(length)}!` });
        assert.equal(res.status, 422, JSON.stringify(res.body));
        assert.equal(res.body.errors[0]?.field, 'data.name');
        assert.ok(performance.now() - started < 2_000, `${length} characters answered at once`);
      }
      assert.ok([200, 201, 202].includes((await send('order.named', { name: 'a'.repeat(40) })).status), 'a matching name is taken');

      // The worst a schema may ask: 10,000 characters on the ReDoS pattern and 1,000 long items
      // on another, sent 10 times while a second client asks /healthz every 5 ms.
      const heavy = { name: `${'a'.repeat(9_999)}!`, items: Array.from({ length: 1_000 }, () => `${'word '.repeat(40)}!`) };
      const probe = probeHealthz(suite.t.url);
      const started = performance.now();
      for (let i = 0; i < 10; i++) {
        const res = await send('order.heavy', heavy);
        assert.equal(res.status, 422);
        assert.deepEqual(new Set(res.body.errors.map((e) => e.field.replace(/\[\d+\]/, '[]'))), new Set(['data.name', 'data.items[]']));
      }
      const perEventMs = (performance.now() - started) / 10;
      const { worst: slowest, summary } = await probe.stop();
      t.diagnostic(`${engine}: /healthz while the worst schema case runs: ${summary}; ${perEventMs.toFixed(1)} ms per event`);
      assert.ok(slowest < 2_000, 'the API did not freeze');
    });

    it('refuses at registration a pattern RE2 cannot run, naming the field', async () => {
      const res = await register('order.backref', { type: 'object', properties: { name: { type: 'string', pattern: '^(a+)\\1$' } } });
      assert.equal(res.status, 422, JSON.stringify(res.body));
      assert.equal(res.body.errors[0]?.field, 'schema.properties.name.pattern');
      assert.match(res.body.errors[0]!.message, /RE2/);
      const keys = await register('order.lookaround', { type: 'object', patternProperties: { '^(?!x-)': { type: 'string' } } });
      assert.equal(keys.status, 422);
      assert.equal(keys.body.errors[0]?.field, 'schema.patternProperties["^(?!x-)"]');
    });

    it('refuses at registration branches that multiply on one value, and $ref loops', async () => {
      const defs: Record<string, unknown> = { d22: { type: 'string' } };
      for (let i = 0; i < 22; i++) defs[`d${i}`] = { anyOf: [{ $ref: `#/$defs/d${i + 1}` }, { $ref: `#/$defs/d${i + 1}` }] };
      const started = performance.now();
      const res = await register('order.fanout', { $defs: defs, $ref: '#/$defs/d0' });
      assert.equal(res.status, 422);
      assert.equal(res.body.errors[0]?.field, 'schema');
      assert.ok(performance.now() - started < 2_000, 'answered at once');
      const loop = await register('order.loop', { $defs: { a: { anyOf: [{ $ref: '#/$defs/a' }] } }, $ref: '#/$defs/a' });
      assert.equal(loop.status, 422);
      assert.equal(loop.body.errors[0]?.field, 'schema.$defs.a.anyOf[0].$ref');
    });
  });
}
