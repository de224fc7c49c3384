// Several processes on one PostgreSQL database: an API-only process queues, a worker-only
// process delivers. The worker polls only once an hour here, so a delivery arriving at all
// proves it was woken by the API process's NOTIFY.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { makeEngine, type EngineFixture } from '../helpers/engines.ts';
import { startReceiver, type Receiver } from '../helpers/receiver.ts';
import { seed, startRelais, type TestRelais } from '../helpers/relais.ts';
import { waitFor } from '../helpers/wait.ts';

describe('API and worker in separate processes: postgres', () => {
  let fixture: EngineFixture;
  let api: TestRelais;
  let worker: TestRelais;
  let receiver: Receiver;

  before(async () => {
    fixture = await makeEngine('postgres');
    receiver = await startReceiver();
    api = await startRelais('postgres', { RELAIS_ROLES: 'api' }, fixture);
    worker = await startRelais('postgres', { RELAIS_ROLES: 'worker', RELAIS_POLL_INTERVAL: '1h' }, fixture);
  });
  after(async () => {
    await api.close();
    await worker.close();
    await receiver.close();
    await fixture.dispose();
  });

  it('an event ingested by the API process wakes the idle worker at once', async () => {
    assert.equal(api.relais.engine.scheduler, undefined);
    assert.equal(worker.relais.server, undefined);
    const { tenant, type } = await seed(api, receiver.url);
    // Let the worker finish its start-up claim and settle into its hour-long sleep.
    await new Promise((r) => setTimeout(r, 300));
    for (const n of [1, 2, 3]) {
      const res = await api.call('POST', `/v1/tenants/${tenant}/events`, { type, data: { order: n } });
      assert.equal(res.status, 202);
      await waitFor(`delivery ${n} to arrive`, () => receiver.received.length >= n || undefined, 5_000);
    }
    assert.deepEqual(receiver.received.map((r) => (JSON.parse(r.body) as { data: { order: number } }).data.order), [1, 2, 3]);
  });

  it('the worker listens again after its LISTEN connection is killed', async () => {
    const admin = new pg.Client({ connectionString: fixture.databaseUrl });
    await admin.connect();
    try {
      const listener = async (): Promise<number | undefined> => (await admin.query<{ pid: number }>(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN%'")).rows[0]?.pid;
      const before = await waitFor('the LISTEN connection', listener);
      await admin.query('SELECT pg_terminate_backend($1)', [before]);
      await waitFor('a new LISTEN connection', async () => { const pid = await listener(); return pid !== undefined && pid !== before; });
      const already = receiver.received.length;
      const res = await api.call('POST', '/v1/tenants/acme/events', { type: 'order.paid', data: { order: 4 } });
      assert.equal(res.status, 202);
      await waitFor('the delivery after reconnecting', () => receiver.received.length > already || undefined, 5_000);
    } finally {
      await admin.end();
    }
  });
});
