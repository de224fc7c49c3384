// One tenant's failure stays its own when its work shares a transaction with others' (group
// commit of attempt results and of ingest): the other tenant's deliveries each arrive exactly
// once and its calls answer 202, the poisoned delivery is failed with the reason, and its
// tenant's delivery list still reads.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from '../helpers/engines.ts';
import { startReceiver, type Receiver } from '../helpers/receiver.ts';
import { seed, startRelais, type TestRelais } from '../helpers/relais.ts';
import { waitFor } from '../helpers/wait.ts';

const TYPE = 'order.paid';
const LEASE = { RELAIS_LEASE: '3s', RELAIS_REQUEST_TIMEOUT: '2s' }; // short: a result left unrecorded is sent again within the test
const LEASE_MS = 3_000;

interface DeliveryRow { id: string; status: string; attempt_count: number }
interface Detail extends DeliveryRow { attempts: { error: { kind: string; message: string } | null }[] }

/** How many times the receiver got each webhook-id on `path`. */
function countsById(receiver: Receiver, path: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const r of receiver.received) if (r.path === path) counts.set(String(r.headers['webhook-id']), (counts.get(String(r.headers['webhook-id'])) ?? 0) + 1);
  return counts;
}

async function allDeliveries(t: TestRelais, tenant: string): Promise<{ status: number; rows: DeliveryRow[] }> {
  const rows: DeliveryRow[] = [];
  let cursor = '';
  for (;;) {
    const res = await t.call<{ data: DeliveryRow[]; next_cursor: string | null }>('GET', `/v1/tenants/${tenant}/deliveries?limit=200${cursor}`);
    if (res.status !== 200) return { status: res.status, rows };
    rows.push(...res.body.data);
    if (!res.body.next_cursor) return { status: 200, rows };
    cursor = `&before=${res.body.next_cursor}`;
  }
}

const send = (t: TestRelais, tenant: string, i: number) => t.call('POST', `/v1/tenants/${tenant}/events`, { type: TYPE, data: { i } });

for (const engine of ENGINES) {
  describe(`failure isolation in shared transactions: ${engine}`, () => {
    describe('attempt results: a result the store cannot hold', () => {
      let t: TestRelais;
      let receiver: Receiver;
      before(async () => {
        t = await startRelais(engine, LEASE); // the dispatcher in its thread, as deployed
        receiver = await startReceiver((req) => ({ status: req.path === '/bad' ? 400 : 200 })); // 400: a failed attempt that does not open the circuit
        await seed(t, `${receiver.url}/good`, { tenant: 'good', type: TYPE });
        const { webhook } = await seed(t, `${receiver.url}/bad`, { tenant: 'bad', type: TYPE });
        // A retry delay no date can hold (the API refuses it now; a stored one, or another path, may not):
        // after its first failed attempt, the delivery would be due at 1e20 ms.
        await t.relais.store.webhooks.update('bad', webhook.id, { retry: { mode: 'custom', scheduleMs: [0, 1e20] } }, Date.now());
      });
      after(async () => {
        await t.close();
        await receiver.close();
      });

      it('records the other tenant\'s results, each delivery sent once; fails the poisoned ones with the reason; both lists read', async () => {
        const calls = await Promise.all(Array.from({ length: 200 }, (_, i) => [send(t, 'good', i), ...(i % 5 === 0 ? [send(t, 'bad', i)] : [])]).flat());
        assert.deepEqual([...new Set(calls.map((c) => c.status))], [202], 'every ingest call accepted');

        await waitFor('the good tenant\'s 200 deliveries recorded as succeeded', async () => {
          const { rows } = await allDeliveries(t, 'good');
          return rows.length === 200 && rows.every((d) => d.status === 'succeeded');
        }, 30_000);
        // Past two lease ends: a result that was not recorded would have been sent again by now.
        await new Promise((r) => setTimeout(r, 2 * LEASE_MS + 500));
        const good = countsById(receiver, '/good');
        assert.equal(good.size, 200, 'every delivery of the good tenant arrived');
        assert.deepEqual([...good.values()].filter((n) => n !== 1), [], 'none arrived twice');

        await waitFor('the bad tenant\'s 40 deliveries failed', async () => {
          const { rows } = await allDeliveries(t, 'bad');
          return rows.length === 40 && rows.every((d) => d.status === 'failed');
        }, 10_000);
        const bad = countsById(receiver, '/bad');
        assert.equal(bad.size, 40);
        assert.deepEqual([...bad.values()].filter((n) => n !== 1), [], 'a poisoned delivery is not sent again in a loop');

        const list = await allDeliveries(t, 'bad');
        assert.equal(list.status, 200, 'the poisoned tenant\'s delivery list reads');
        assert.ok(list.rows.every((d) => d.status === 'failed' && d.attempt_count === 1), JSON.stringify(list.rows.slice(0, 3)));
        const detail = await t.call<Detail>('GET', `/v1/tenants/bad/deliveries/${list.rows[0]!.id}`);
        assert.equal(detail.status, 200);
        const error = detail.body.attempts.at(-1)?.error;
        assert.equal(error?.kind, 'internal');
        assert.match(error?.message ?? '', /could not record .*dueAt: .*beyond the dates the store can hold/);
      });
    });

    describe('ingest: one tenant\'s transaction fails in a shared batch', () => {
      let t: TestRelais;
      let receiver: Receiver;
      let release!: () => void;
      const gate = new Promise<void>((r) => { release = r; });
      let faults = 0;
      before(async () => {
        t = await startRelais(engine, LEASE);
        receiver = await startReceiver();
        await seed(t, `${receiver.url}/good`, { tenant: 'good', type: TYPE });
        await seed(t, `${receiver.url}/bad`, { tenant: 'bad', type: TYPE });
        // A real store with one tenant's writes made to fail: the bad tenant's first ingest holds
        // its batch until every other call is queued behind it, so the next batch mixes tenants.
        const events = t.relais.store.events;
        const real = events.ingestLeasing.bind(events);
        events.ingestLeasing = async (tenantId, ...rest) => {
          if (tenantId !== 'bad') return real(tenantId, ...rest);
          if (faults++ === 0) await gate;
          throw new Error('injected fault: the bad tenant\'s transaction failed');
        };
      });
      after(async () => {
        await t.close();
        await receiver.close();
      });

      it('answers each call with its own outcome: the other tenant\'s calls 202, each of its deliveries sent once', async () => {
        const first = send(t, 'bad', -1);
        await waitFor('the bad tenant\'s first batch to be writing', () => faults === 1);
        const calls = Array.from({ length: 60 }, (_, i) => ({ tenant: i % 3 === 0 ? 'bad' : 'good', call: send(t, i % 3 === 0 ? 'bad' : 'good', i) }));
        // Generous: the calls only need to reach the queue (validation, a cached catalog lookup).
        await new Promise((r) => setTimeout(r, 500));
        release();
        assert.equal((await first).status, 500);
        const answers = await Promise.all(calls.map(async (c) => ({ tenant: c.tenant, status: (await c.call).status })));
        assert.deepEqual(answers.filter((a) => a.tenant === 'good').map((a) => a.status), Array(40).fill(202), 'the good tenant\'s calls all accepted');
        assert.deepEqual(answers.filter((a) => a.tenant === 'bad').map((a) => a.status), Array(20).fill(500), 'the bad tenant\'s calls fail, on their own');
        assert.ok(faults >= 2, 'the bad tenant\'s later calls were written with the good tenant\'s');

        await waitFor('the good tenant\'s 40 deliveries', () => countsById(receiver, '/good').size === 40, 30_000);
        await new Promise((r) => setTimeout(r, LEASE_MS + 500));
        const good = countsById(receiver, '/good');
        assert.equal(good.size, 40);
        assert.deepEqual([...good.values()].filter((n) => n !== 1), [], 'none arrived twice');
        assert.equal(countsById(receiver, '/bad').size, 0);
        const { rows } = await allDeliveries(t, 'good');
        assert.equal(rows.length, 40, 'one delivery per accepted event: nothing stored twice');
      });

      it('refuses an event with a value the store cannot hold with a 422 naming the field, before it joins a shared write', async () => {
        const one = await t.call<{ code: string; errors: { field: string }[] }>('POST', '/v1/tenants/good/events', { type: TYPE, data: {}, id: 'order-\u0000-1' });
        assert.equal(one.status, 422, JSON.stringify(one.body));
        assert.deepEqual(one.body.errors.map((e) => e.field), ['id']);
        const batch = await t.call<{ errors: { field: string }[] }>('POST', '/v1/tenants/good/events/batch',
          { events: [{ type: TYPE, data: {}, id: 'fine' }, { type: TYPE, data: {}, id: 'nul\u0000' }] });
        assert.equal(batch.status, 422);
        assert.deepEqual(batch.body.errors.map((e) => e.field), ['events[1].id']);
        assert.equal((await allDeliveries(t, 'good')).rows.length, 40, 'nothing of either call was stored');
      });
    });
  });
}
