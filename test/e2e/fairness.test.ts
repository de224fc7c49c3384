// Delivery slots are shared between tenants: one tenant flooding receivers that accept the
// connection and never answer (a tarpit) does not hold up another tenant's deliveries. Tenant A's
// 300 deliveries go to three tarpit webhooks and one with max_concurrency 1000, each request held
// for the whole request timeout (10 s); tenant B's events, sent one by one meanwhile, reach a
// healthy receiver in well under a second. With RELAIS_TENANT_RESERVE=0 (slots first come, first
// served) B's waited behind A's requests and their timeouts: p95 about 20 s.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from '../helpers/engines.ts';
import { startReceiver, type Receiver } from '../helpers/receiver.ts';
import { seed, startRelais, type TestRelais } from '../helpers/relais.ts';
import { startTarpit } from '../helpers/tarpit.ts';
import { waitFor } from '../helpers/wait.ts';

const FLOOD_EVENTS = 75; // × 4 webhooks: 300 deliveries
const CALM_EVENTS = 20;
const CALM_GAP_MS = 100;
const P95_BOUND_MS = 2_000;


const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

for (const engine of ENGINES) {
  describe(`slots shared between tenants: ${engine}`, () => {
    let t: TestRelais;
    let receiver: Receiver;
    let tarpit: Awaited<ReturnType<typeof startTarpit>>;
    before(async () => {
      t = await startRelais(engine, { RELAIS_CONCURRENCY: '16', RELAIS_REQUEST_TIMEOUT: '10s' });
      receiver = await startReceiver();
      tarpit = await startTarpit();
    });
    after(async () => {
      await t.close();
      await receiver.close();
      await tarpit.close();
    });

    it('keeps another tenant\'s deliveries moving while one floods tarpit receivers', async (ctx) => {
      const { tenant: flood } = await seed(t, `${tarpit.url}/a`, { tenant: 'flood', type: 'flood.event' });
      for (const [path, extra] of [['/b', {}], ['/c', {}], ['/wide', { max_concurrency: 1000 }]] as const) {
        const res = await t.call('POST', `/v1/tenants/${flood}/webhooks`, { url: `${tarpit.url}${path}`, events: ['flood.event'], ...extra });
        assert.equal(res.status, 201);
      }
      await seed(t, `${receiver.url}/calm`, { tenant: 'calm', type: 'calm.event' });

      const res = await t.call('POST', `/v1/tenants/${flood}/events/batch`, { events: Array.from({ length: FLOOD_EVENTS }, (_, n) => ({ type: 'flood.event', data: { n } })) });
      assert.equal(res.status, 202);
      await waitFor('the flood to hold every slot it may', () => tarpit.accepted() >= 12);

      const sentAt = new Map<number, number>();
      for (let n = 0; n < CALM_EVENTS; n++) {
        sentAt.set(n, Date.now());
        const sent = await t.call('POST', '/v1/tenants/calm/events', { type: 'calm.event', data: { n } });
        assert.equal(sent.status, 202);
        await new Promise((r) => setTimeout(r, CALM_GAP_MS));
      }
      await waitFor('every calm event delivered', () => receiver.received.length >= CALM_EVENTS, 30_000);
      const latencies = receiver.received.map((r) => r.at - sentAt.get((JSON.parse(r.body) as { data: { n: number } }).data.n)!).sort((a, b) => a - b);
      assert.equal(new Set(receiver.received.map((r) => r.body)).size, CALM_EVENTS, 'each once');
      const p95 = percentile(latencies, 95);
      ctx.diagnostic(`calm tenant: p50 ${percentile(latencies, 50)} ms, p95 ${p95} ms, max ${latencies.at(-1)} ms; flood requests open: ${tarpit.accepted()}`);
      assert.ok(p95 < P95_BOUND_MS, `calm tenant's p95 ${p95} ms under ${P95_BOUND_MS} ms while the flood holds its slots (latencies: ${latencies.join(', ')})`);
      assert.ok(tarpit.accepted() <= 16 - 2, `the flood never held the reserve (${tarpit.accepted()} requests open)`);
    });
  });
}
