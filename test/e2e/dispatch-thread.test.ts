// The dispatcher in a thread of its own (the default with both roles): deliveries are made by the
// thread, woken by ingest through the in-process channel (the poll is an hour here, so a delivery
// arriving at all proves the wake), concurrent ingest and delivery writes share the SQLite file
// without "database is locked", and the thread's log lines reach the process's log.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from '../helpers/engines.ts';
import { startReceiver, type Receiver } from '../helpers/receiver.ts';
import { seed, startRelais, type TestRelais } from '../helpers/relais.ts';
import { waitFor } from '../helpers/wait.ts';

for (const engine of ENGINES) {
  describe(`dispatcher thread: ${engine}`, () => {
    let t: TestRelais;
    let receiver: Receiver;
    before(async () => {
      receiver = await startReceiver((req) => ({ status: req.path === '/down' ? 503 : 200 }));
      t = await startRelais(engine, { RELAIS_POLL_INTERVAL: '1h', RELAIS_RETRY_SCHEDULE: '0,1h' });
    });
    after(async () => {
      await t.close();
      await receiver.close();
    });

    it('delivers from its own thread, woken by ingest at once', async () => {
      assert.equal(t.relais.engine.placement, 'thread');
      assert.equal(t.relais.engine.scheduler, undefined, 'no dispatcher on the API thread');
      const { tenant, type } = await seed(t, `${receiver.url}/hook`);
      await new Promise((r) => setTimeout(r, 200)); // the thread settles into its hour-long sleep
      const res = await t.call('POST', `/v1/tenants/${tenant}/events`, { type, data: { order: 1 } });
      assert.equal(res.status, 202);
      await waitFor('the delivery', () => receiver.received.length === 1 || undefined, 5_000);
    });

    it('takes ingest and delivery writes at once without losing or doubling an event', async () => {
      const already = receiver.received.length;
      const orders = Array.from({ length: 300 }, (_, i) => 1000 + i);
      const answers: number[] = [];
      // 30 senders at once while the thread claims and records what the earlier ones queued.
      for (let i = 0; i < orders.length; i += 30) {
        const round = orders.slice(i, i + 30).map((order) => t.call('POST', '/v1/tenants/acme/events', { type: 'order.paid', data: { order } }));
        answers.push(...(await Promise.all(round)).map((r) => r.status));
      }
      assert.deepEqual([...new Set(answers)], [202]);
      await waitFor('every delivery', () => receiver.received.length >= already + orders.length || undefined, 20_000);
      await new Promise((r) => setTimeout(r, 200));
      const got = receiver.received.slice(already).map((r) => (JSON.parse(r.body) as { data: { order: number } }).data.order).sort((a, b) => a - b);
      assert.deepEqual(got, orders);
      assert.deepEqual(t.logs.filter((l) => /"level":(50|60)/.test(l)), [], 'no error logged (a busy database, a failed write)');
    });

    it("writes the thread's log lines to the process's log, secrets redacted", async () => {
      const { webhook } = await seed(t, `${receiver.url}/down`, { tenant: 'globex' });
      await t.call('POST', '/v1/tenants/globex/events', { type: 'order.paid', data: { order: 2 } });
      const line = await waitFor('the failed attempt logged', () => t.logs.find((l) => l.includes('delivery attempt failed') && l.includes(webhook.id)));
      const entry = JSON.parse(line) as { thread?: string; status?: number; service?: string };
      assert.equal(entry.thread, 'dispatcher');
      assert.equal(entry.status, 503);
      assert.equal(entry.service, 'relais');
      assert.ok(!t.logs.some((l) => l.includes(webhook.secret)), 'no secret in the logs');
    });
  });
}

describe('dispatcher thread off (RELAIS_DISPATCH_THREAD=off)', () => {
  it('delivers from the API thread', async () => {
    const receiver = await startReceiver();
    const t = await startRelais('sqlite', { RELAIS_DISPATCH_THREAD: 'off' });
    try {
      assert.equal(t.relais.engine.placement, 'here');
      assert.ok(t.relais.engine.scheduler);
      const { tenant, type } = await seed(t, receiver.url);
      await t.call('POST', `/v1/tenants/${tenant}/events`, { type, data: { order: 1 } });
      await waitFor('the delivery', () => receiver.received.length === 1 || undefined, 5_000);
    } finally {
      await t.close();
      await receiver.close();
    }
  });
});
