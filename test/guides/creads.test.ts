// docs/guides/creads: the organisation's webhooks imported with Creads' own ids and secrets, every
// resource event of its page sent, and a receiver switching on its three events: it sees
// nothing else, each with the right resource_type and resource_gid; Relais' own webhook events
// reach it as resource events of type "webhook".
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ENGINES } from '../helpers/engines.ts';
import { guideSuite, runs } from '../helpers/guides.ts';
import { waitFor } from '../helpers/wait.ts';

const ORG = 'org_5f1b2c';
const THREE = ['resource.created', 'resource.updated', 'resource.deleted'];

interface Seen {
  event?: string;
  type?: string;
  gid?: string;
  seen?: Record<string, unknown> | null;
  had_resource?: boolean;
  unknown_event?: string;
}

for (const engine of ENGINES) {
  describe(`guide Creads: ${engine}`, () => {
    const guide = guideSuite(engine, 'creads', { command: process.execPath, args: () => ['receiver.mjs'], install: 'Node.js' });

    it('keeps Creads\' webhook ids and secrets', async (t) => {
      if (!runs(guide, t)) return;
      assert.deepEqual(guide.imported.webhooks.webhooks.created, guide.webhooks.webhooks.map((w) => `${ORG}/${w.id}`));
      for (const w of guide.webhooks.webhooks) {
        const kept = await guide.t.call<{ secret: string }>('GET', `/v1/tenants/${ORG}/webhooks/${w.id}/secret`);
        assert.equal(kept.body.secret, w.secret);
      }
    });

    it('the receiver gets each resource event of the page as one of its three events', async (t) => {
      if (!runs(guide, t)) return;
      for (const { name, example } of guide.catalog.event_types) assert.equal(await guide.send(ORG, { type: name, data: example }), 1, name);
      // A webhook changed: the intranet's webhook hears it as a webhook resource, updated.
      const [projects] = guide.webhooks.webhooks;
      assert.equal((await guide.t.call('PATCH', `/v1/tenants/${ORG}/webhooks/${projects!.id}`, { description: 'Suivi des projets (v2)' })).status, 200);

      const products = (): Seen[] => guide.receiver.entries<Seen>().filter((s) => s.type !== 'webhook');
      await waitFor('every resource event', () => products().length >= guide.catalog.event_types.length
        && guide.receiver.entries<Seen>().some((s) => s.type === 'webhook' && s.event === 'resource.updated' && s.gid === projects!.id));
      const seen = guide.receiver.entries<Seen>();
      assert.deepEqual(seen.filter((s) => s.unknown_event !== undefined), [], 'no event but the three');
      assert.ok(seen.every((s) => THREE.includes(s.event!)));
      for (const { name, example } of guide.catalog.event_types) {
        const [type, action] = name.split('.') as [string, string];
        const gid = (example as { gid: string }).gid;
        const got = products().filter((s) => s.type === type && s.event === `resource.${action}` && s.gid === gid);
        assert.equal(got.length, 1, name);
        if (action === 'deleted') assert.equal(got[0]!.had_resource, false, 'a deleted resource is not sent');
        else assert.deepEqual(got[0]!.seen, example, 'the resource in its new state');
      }
      assert.equal(products().length, guide.catalog.event_types.length);
    });
  });
}
