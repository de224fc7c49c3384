// docs/guides/hirehop: the company's webhooks imported (audit format, no retries, never
// disabled, the company's export key), and HireHop's own PHP sample (receiver.php, under
// `php -S`) decoding php://input: the envelope it decodes carries the export key, the user and
// the changes, as HireHop sends them.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ENGINES } from '../helpers/engines.ts';
import { guideSuite, runs } from '../helpers/guides.ts';
import { waitFor } from '../helpers/wait.ts';

const COMPANY = '1';
const JOHN = { id: 1, name: 'John Smith', email: 'john@email.com' };
const ENVELOPE = ['time', 'user_id', 'user_name', 'user_email', 'company_id', 'export_key', 'event', 'data', 'changes'];

interface Decoded {
  time: string;
  user_id: number | null;
  user_name: string | null;
  company_id: number;
  export_key: string;
  event: string;
  data: Record<string, unknown>;
  changes: Record<string, { from: unknown; to: unknown }>;
}

for (const engine of ENGINES) {
  describe(`guide HireHop: ${engine}`, () => {
    const guide = guideSuite(engine, 'hirehop', {
      command: 'php', args: (port) => ['-S', `127.0.0.1:${port}`, 'receiver.php'], install: 'apt-get install php-cli',
    });

    it('imports the company with its export key, and webhooks that never retry nor disable', async (t) => {
      if (!runs(guide, t)) return;
      assert.deepEqual(guide.imported.webhooks.tenants.created, [COMPANY]);
      const tenant = await guide.t.call<{ export_key: string }>('GET', `/v1/tenants/${COMPANY}`);
      assert.equal(tenant.body.export_key, '22u43mrjwe7u');
      for (const w of guide.webhooks.webhooks) {
        const hook = await guide.t.call<{ retry: { mode: string }; auto_disable: boolean; format: string }>('GET', `/v1/tenants/${COMPANY}/webhooks/${w.id}`);
        assert.deepEqual([hook.body.format, hook.body.retry.mode, hook.body.auto_disable], ['audit', 'none', false]);
      }
    });

    it('the PHP sample decodes the audit envelope: export key, user, event, data, changes', async (t) => {
      if (!runs(guide, t)) return;
      const invoice = guide.example('invoice.status.updated') as Record<string, unknown>;
      // The status went from approved to paid: changes are computed from the previous state.
      assert.equal(await guide.send(COMPANY, { type: 'invoice.status.updated', data: invoice, previous: { ...invoice, STATUS: 1, STATUS_TEXT: 'Approved' }, actor: JOHN }), 1);
      // Or given as HireHop writes them.
      assert.equal(await guide.send(COMPANY, { type: 'job.status.updated', data: guide.example('job.status.updated'), changes: { STATUS: { from: 1, to: 2 } }, actor: JOHN }), 1);
      assert.equal(await guide.send(COMPANY, { type: 'job.created', data: guide.example('job.created') }), 1, 'the Zapier webhook');

      const decoded = await waitFor('three decoded requests', () => guide.receiver.entries<Decoded>().length >= 3 && guide.receiver.entries<Decoded>());
      const by = (event: string): Decoded => decoded.find((d) => d.event === event)!;
      for (const d of decoded) {
        assert.deepEqual(Object.keys(d), ENVELOPE, 'HireHop\'s envelope, in its order');
        assert.equal(d.export_key, '22u43mrjwe7u', 'the company\'s export key');
        assert.equal(d.company_id, 1);
        assert.match(d.time, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
      }
      assert.deepEqual(by('invoice.status.updated').changes, { STATUS: { from: 1, to: 2 }, STATUS_TEXT: { from: 'Approved', to: 'Paid' } });
      assert.equal(by('invoice.status.updated').user_name, 'John Smith');
      assert.equal(by('invoice.status.updated').data.NUMBER, 'INV-0031');
      assert.deepEqual(by('job.status.updated').changes, { STATUS: { from: 1, to: 2 } });
      assert.equal(by('job.created').user_id, null, 'no user given: null, as the envelope always has the field');
      assert.deepEqual(by('job.created').changes, {});
    });
  });
}
