// docs/guides/flatchr: the catalog and webhooks imported as the guide says, the seed's four
// example events sent, and Flatchr's receiver (receiver.mjs) reading data.applicant from
// bodies whose keys come in Flatchr's order.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ENGINES } from '../helpers/engines.ts';
import { guideSuite, runs } from '../helpers/guides.ts';
import { waitFor } from '../helpers/wait.ts';

interface Seen {
  event: string;
  company_id: unknown;
  keys: string[];
  path: string;
  applicant: { id: string | number; vacancy_id: string; column_id: string } | null;
  candidate: string | null;
  vacancy: string | null;
}

for (const engine of ENGINES) {
  describe(`guide Flatchr: ${engine}`, () => {
    const guide = guideSuite(engine, 'flatchr', { command: process.execPath, args: () => ['receiver.mjs'], install: 'Node.js' });

    it('imports the four events and the company\'s webhooks, ids kept', (t) => {
      if (!runs(guide, t)) return;
      assert.deepEqual(guide.imported.catalog.event_types.created, ['new_applicant', 'drag_applicant', 'new_message', 'new_vacancy']);
      assert.deepEqual(guide.imported.webhooks.tenants.created, ['59']);
      assert.deepEqual(guide.imported.webhooks.webhooks.created, guide.webhooks.webhooks.map((w) => `59/${w.id}`));
    });

    it('the receiver reads data.applicant from {data, event, company_id}, filtered on the offer and the column', async (t) => {
      if (!runs(guide, t)) return;
      for (const type of ['new_applicant', 'drag_applicant', 'new_message', 'new_vacancy']) {
        assert.equal(await guide.send('59', { type, data: guide.example(type) }), 1, type);
      }
      const drag = guide.example('drag_applicant') as Record<string, unknown>;
      assert.equal(await guide.send('59', { type: 'drag_applicant', data: { ...drag, column_id: 'AnotherColumn' } }), 0, 'another column: not the "recruited" webhook');

      const seen = await waitFor('the four requests', () => guide.receiver.entries<Seen>().length >= 4 && guide.receiver.entries<Seen>());
      const by = (event: string): Seen => seen.find((s) => s.event === event)!;
      for (const s of seen) {
        assert.deepEqual(s.keys, ['data', 'event', 'company_id'], 'Flatchr\'s order');
        assert.equal(s.company_id, 59, 'the tenant id, as a number');
      }
      assert.deepEqual(by('new_applicant').applicant, { id: 'G6KzqPkNZ0n31m0l', vacancy_id: '0LEZBvp5WKnMoVmg', column_id: 'a4JL2lpEQKpwBXKe' });
      assert.equal(by('new_applicant').candidate, 'Pauline Duboneau');
      assert.equal(by('new_applicant').path, '/webhooks/flatchr/candidats');
      assert.deepEqual(by('drag_applicant').applicant, { id: 1474, vacancy_id: 'a4JL2lpEbydwBXKe', column_id: 'Nk5aMxpQ4b9GZ2Oz' });
      assert.equal(by('drag_applicant').path, '/webhooks/flatchr/recrutes');
      assert.equal(by('new_message').applicant!.id, 1687);
      assert.equal(by('new_vacancy').applicant, null, 'a new offer has no applicant');
      assert.equal(by('new_vacancy').vacancy, 'Testeur de jeux video');
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(guide.receiver.entries().length, 4, 'nothing else arrived');
    });
  });
}
