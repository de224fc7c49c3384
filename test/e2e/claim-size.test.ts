// Under a backlog, the dispatcher claims in large batches: most of a claim's cost is the same
// however many deliveries it leases (docs/benchmark.md, "results and claims by batch size"), so
// while sends are in flight a claim waits, at most CLAIM_WAIT_MAX_MS, for half the slots to be free
// (scheduler.ts) rather than claim each slot as it frees. Read from /metrics while the backlog
// lasts: the deliveries a claim leased, on average. Here that was 29-53 (the lowest on a loaded host);
// claiming whatever room there was, as before (a quarter of the slots free sufficed), gave 21-24.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from '../helpers/engines.ts';
import { startReceiver, type Receiver } from '../helpers/receiver.ts';
import { seed, startRelais, type TestRelais } from '../helpers/relais.ts';
import { waitFor } from '../helpers/wait.ts';
import { sample } from '../helpers/metrics.ts';

const CONCURRENCY = 64;
const REFILL_AT = CONCURRENCY / 2;
const EVENTS = 1_500;
const ANSWER_MS = 3;

async function claims(url: string): Promise<{ count: number; deliveries: number }> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return { count: sample(text, 'relais_queue_claims_total'), deliveries: sample(text, 'relais_queue_claimed_deliveries_total') };
}

for (const engine of ENGINES) {
  describe(`claims under a backlog: ${engine}`, () => {
    let t: TestRelais;
    let receiver: Receiver;
    before(async () => {
      receiver = await startReceiver(() => ({ status: 204, delayMs: ANSWER_MS }));
      t = await startRelais(engine, { RELAIS_CONCURRENCY: String(CONCURRENCY) });
    });
    after(async () => {
      await t.close();
      await receiver.close();
    });

    it('lease at least most of half the slots a claim while sends are in flight', async (ctx) => {
      const { tenant, type } = await seed(t, `${receiver.url}/hook`);
      for (let i = 0; i < EVENTS; i += 500) {
        const res = await t.call('POST', `/v1/tenants/${tenant}/events/batch`, { events: Array.from({ length: 500 }, (_, n) => ({ type, data: { n: i + n } })) });
        assert.equal(res.status, 202);
      }
      // A window well inside the backlog: not its start (the first claim takes every slot) nor its end.
      await waitFor('the backlog under way', () => receiver.received.length >= EVENTS / 5, 30_000);
      const from = await claims(t.url);
      await waitFor('most of the backlog sent', () => receiver.received.length >= (EVENTS * 4) / 5, 60_000);
      const to = await claims(t.url);
      const count = to.count - from.count;
      const perClaim = (to.deliveries - from.deliveries) / count;
      ctx.diagnostic(`${perClaim.toFixed(1)} deliveries a claim over ${count} claims (half the slots: ${REFILL_AT})`);
      assert.ok(count >= 5, `${count} claims in the window`);
      assert.ok(perClaim >= 0.8 * REFILL_AT, `${perClaim.toFixed(1)} deliveries a claim, over ${count} claims (half the slots: ${REFILL_AT})`);
      await waitFor('every event delivered', () => receiver.received.length >= EVENTS, 60_000);
    });
  });
}
