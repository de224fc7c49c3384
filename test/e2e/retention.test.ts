// RELAIS_RETENTION end to end: a worker's pruner removes finished deliveries from the log once
// their last update is older than the retention, and leaves pending and held ones (and their
// events) alone however old they are.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ENGINES, rawRows } from '../helpers/engines.ts';
import { relaisWithReceiver, seed } from '../helpers/relais.ts';
import { waitFor } from '../helpers/wait.ts';

interface Listed { id: string; event_id: string; status: string }

for (const engine of ENGINES) {
  describe(`retention: ${engine}`, () => {
    const suite = relaisWithReceiver(engine, {
      RELAIS_RETENTION: '1s', RELAIS_PRUNE_INTERVAL: '200ms',
      // A failed attempt leaves a delivery pending for an hour; one failure disables a webhook that may be.
      RELAIS_RETRY_SCHEDULE: '0,1h', RELAIS_DISABLE_AFTER_FAILURES: '1', RELAIS_DISABLE_AFTER: '0',
    });

    it('prunes finished deliveries and keeps pending and held ones', async () => {
      const { t, receiver } = suite;
      receiver.respond = (req) => (req.path.startsWith('/ok') ? { status: 200, body: 'ok' } : { status: 500, body: 'no' });
      const tenant = 'keeper';
      await seed(t, `${receiver.url}/ok`, { tenant, type: 'order.paid' });
      await seed(t, `${receiver.url}/flaky`, { tenant, type: 'order.retried', webhook: { auto_disable: false } });
      await seed(t, `${receiver.url}/down`, { tenant, type: 'order.held' });
      const send = async (type: string): Promise<string> => (await t.call<{ id: string }>('POST', `/v1/tenants/${tenant}/events`, { type, data: {} })).body.id;
      const stored = async (eventId: string): Promise<boolean> => (await rawRows(t.fixture, 'SELECT id FROM events WHERE id = $1', [eventId])).length === 1;
      const list = async (query = ''): Promise<Listed[]> => (await t.call<{ data: Listed[] }>('GET', `/v1/tenants/${tenant}/deliveries?limit=100${query}`)).body.data;

      const paid = [await send('order.paid'), await send('order.paid')];
      const retried = await send('order.retried');
      const firstHeld = await send('order.held');
      // The first failure disables the "down" webhook: its delivery is held, and so is the next one.
      await waitFor('the down webhook disabled', async () => (await list('&held=true')).length === 1);
      const secondHeld = await send('order.held');
      await waitFor('the flaky delivery tried once', () => receiver.received.some((r) => r.path.startsWith('/flaky')));

      // Succeeded deliveries go about a second after they finished; the others stay.
      await waitFor('the succeeded deliveries pruned', async () => {
        const rows = await list();
        return receiver.received.filter((r) => r.path.startsWith('/ok')).length === 2 && !rows.some((d) => paid.includes(d.event_id));
      });
      for (const id of paid) assert.equal(await stored(id), false, 'its event, referred to by nothing, goes too');
      // Well past the retention, after several more passes.
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      const rows = await list();
      assert.deepEqual(rows.filter((d) => d.event_id === retried).map((d) => d.status), ['pending'], 'the pending delivery stays');
      assert.deepEqual((await list('&held=true')).map((d) => d.event_id).sort(), [firstHeld, secondHeld].sort(), 'the held deliveries stay');
      for (const id of [retried, firstHeld, secondHeld]) assert.equal(await stored(id), true, 'and their events');
      assert.ok(t.logs.some((l) => l.includes('retention: pruned')), 'the pruner says what it removed');
    });
  });
}
