// `relais import` as a user runs it, on both engines: event types, tenants and existing webhooks
// from one file, ids and secrets kept, checked like the API checks them; a second run skips
// what exists; an invalid entry anywhere writes nothing and exits 1, naming entry and field.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ENGINES, makeEngine, type EngineFixture } from '../helpers/engines.ts';
import { relaisImport } from '../helpers/guides.ts';
import { startRelais, type TestRelais } from '../helpers/relais.ts';

const FRAPPE_SECRET = 'le secret du partenaire ✓';
const STANDARD_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

const file = (exportKey = 'key-1') => ({
  event_types: [
    { name: 'order.paid', description: 'An order was paid', schema: { type: 'object', required: ['id'], properties: { id: { type: 'integer' } } }, example: { id: 1 } },
    { name: 'order.refunded' },
  ],
  tenants: [{ id: 'shop-1', name: 'Shop one', export_key: exportKey }],
  webhooks: [
    { tenant: 'shop-1', id: 'HOOK-0001', url: 'https://erp.example/hooks/orders', events: ['order.paid'], signature_scheme: 'frappe', secret: FRAPPE_SECRET },
    { tenant: 'shop-1', id: 'legacy:42', url: 'https://crm.example/in', events: ['order.*'], secret: STANDARD_SECRET, format: 'audit', retry: { mode: 'none' }, auto_disable: false },
  ],
});

/** Rejects with what `relais import` wrote to stderr and its exit code. */
async function refused(fixture: EngineFixture, content: unknown): Promise<{ code: number; stderr: string; stdout: string }> {
  try {
    await relaisImport(fixture, content);
  } catch (err) {
    return err as { code: number; stderr: string; stdout: string };
  }
  throw new Error('the import was accepted');
}

for (const engine of ENGINES) {
  describe(`relais import: ${engine}`, () => {
    let fixture: EngineFixture;
    let t: TestRelais;
    before(async () => { fixture = await makeEngine(engine); });
    after(async () => {
      await t?.close();
      await fixture.dispose();
    });

    it('creates event types, tenants and webhooks with their ids and secrets; a second run skips them', async () => {
      const first = await relaisImport(fixture, file());
      assert.deepEqual(first.summary, {
        event_types: { created: ['order.paid', 'order.refunded'], updated: [] },
        tenants: { created: ['shop-1'], export_key_updated: [], kept: [] },
        webhooks: { created: ['shop-1/HOOK-0001', 'shop-1/legacy:42'], skipped: [], failed: [] },
      });

      t = await startRelais(engine, {}, fixture);
      const frappe = await t.call<{ id: string; url: string; events: string[]; signature_scheme: string }>('GET', '/v1/tenants/shop-1/webhooks/HOOK-0001');
      assert.equal(frappe.status, 200);
      assert.deepEqual([frappe.body.url, frappe.body.events, frappe.body.signature_scheme], ['https://erp.example/hooks/orders', ['order.paid'], 'frappe']);
      assert.equal((await t.call<{ secret: string }>('GET', '/v1/tenants/shop-1/webhooks/HOOK-0001/secret')).body.secret, FRAPPE_SECRET);
      assert.equal((await t.call<{ secret: string }>('GET', '/v1/tenants/shop-1/webhooks/legacy:42/secret')).body.secret, STANDARD_SECRET);
      const audit = await t.call<{ retry: { mode: string }; auto_disable: boolean }>('GET', '/v1/tenants/shop-1/webhooks/legacy:42');
      assert.deepEqual([audit.body.retry.mode, audit.body.auto_disable], ['none', false]);
      assert.equal((await t.call<{ export_key: string }>('GET', '/v1/tenants/shop-1')).body.export_key, 'key-1');
      assert.deepEqual((await t.call<{ example: unknown }>('GET', '/v1/event-types/order.paid')).body.example, { id: 1 });

      // Again, while Relais runs: nothing is made twice; a new export key is the one change to an existing tenant.
      const second = await relaisImport(fixture, file('key-2'));
      assert.deepEqual(second.summary, {
        event_types: { created: [], updated: ['order.paid', 'order.refunded'] },
        tenants: { created: [], export_key_updated: ['shop-1'], kept: [] },
        webhooks: { created: [], skipped: ['shop-1/HOOK-0001', 'shop-1/legacy:42'], failed: [] },
      });
      assert.match(second.stderr, /webhooks\[0\]: webhook "HOOK-0001" already exists in tenant "shop-1": skipped/);
      assert.match(second.stderr, /tenants\[0\]: tenant "shop-1" exists: its export_key is updated/);
      assert.equal((await t.call<{ export_key: string }>('GET', '/v1/tenants/shop-1')).body.export_key, 'key-2');
      assert.equal((await t.call<{ data: unknown[] }>('GET', '/v1/tenants/shop-1/webhooks')).body.data.length, 2);
      assert.equal((await relaisImport(fixture, file('key-2'))).summary.tenants.kept[0], 'shop-1');
    });

    it('refuses a file with an invalid entry, naming entry and field, and writes nothing', async () => {
      const bad = {
        event_types: [{ name: 'refund.asked', schema: { type: 'object', properties: { id: { type: 'integer' } } }, example: { id: 'one' } }],
        tenants: [{ id: 'shop-2', name: 'Shop two' }, { name: 'no id' }],
        webhooks: [
          { tenant: 'shop-2', id: 'ok-1', url: 'https://a.example/x', events: ['refund.asked'] },
          { tenant: 'shop-2', id: 'bad-secret', url: 'https://a.example/y', events: ['order.paid'], secret: 'plain text' },
          { tenant: 'shop-2', id: 'bad-event', url: 'https://a.example/z', events: ['nope.event'] },
          { tenant: 'ghost', id: 'no-tenant', url: 'https://a.example/w', events: ['order.paid'] },
          { tenant: 'shop-2', id: 'bad-url', url: 'ftp://a.example/v', events: ['order.paid'] },
        ],
      };
      const err = await refused(fixture, bad);
      assert.equal(err.code, 1);
      assert.equal(err.stdout, '', 'no summary: nothing was done');
      for (const line of [
        /nothing imported/,
        /event_types\[0\]\.example\.id: must be integer/,
        /tenants\[1\]\.id: required in an import/,
        /webhooks\[1\]\.secret: must start with "whsec_" \(or set signature_scheme "frappe"/,
        /webhooks\[2\]\.events\[0\]: unknown event type "nope.event"/,
        /webhooks\[3\]\.tenant: tenant "ghost" does not exist/,
        /webhooks\[4\]\.url: /,
      ]) assert.match(err.stderr, line);
      assert.doesNotMatch(err.stderr, /webhooks\[0\]/, 'the valid entry is not blamed');
      assert.equal((await t.call('GET', '/v1/event-types/refund.asked')).status, 404, 'nothing written');
      assert.equal((await t.call('GET', '/v1/tenants/shop-2')).status, 404);

      const notJson = await refused(fixture, '{"event_types": [');
      assert.equal(notJson.code, 1);
      assert.match(notJson.stderr, /import\.json is not valid JSON/);
      const duplicate = await refused(fixture, { webhooks: [file().webhooks[0], file().webhooks[0]] });
      assert.match(duplicate.stderr, /webhooks\[1\]\.id: "HOOK-0001" appears twice in the file/);
    });

    it('reports an id another tenant\'s webhook has, imports the rest, and exits 1', async () => {
      const err = await refused(fixture, {
        tenants: [{ id: 'shop-3', name: 'Shop three' }],
        webhooks: [
          { tenant: 'shop-3', id: 'HOOK-0001', url: 'https://b.example/x', events: ['order.paid'] },
          { tenant: 'shop-3', id: 'HOOK-0002', url: 'https://b.example/y', events: ['order.paid'] },
        ],
      });
      assert.equal(err.code, 1);
      const summary = JSON.parse(err.stdout) as { webhooks: { created: string[]; failed: string[] } };
      assert.deepEqual(summary.webhooks, { created: ['shop-3/HOOK-0002'], skipped: [], failed: ['shop-3/HOOK-0001'] });
      assert.match(err.stderr, /webhooks\[0\]\.id: "HOOK-0001" is the id of another tenant's webhook/);
    });
  });
}
