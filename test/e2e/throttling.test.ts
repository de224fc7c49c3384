// Receivers are not hammered: an outage opens the webhook's circuit (deliveries wait for a
// probe instead of each failing in turn), and per-webhook concurrency and rate limits hold.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ENGINES, makeEngine } from '../helpers/engines.ts';
import { startReceiver } from '../helpers/receiver.ts';
import { relaisWithReceiver, seed, startRelais, type TestRelais } from '../helpers/relais.ts';
import { waitFor } from '../helpers/wait.ts';

const EVENTS = 30;
const DELAY_MS = 100;

for (const engine of ENGINES) {
  describe(`throttling and outages: ${engine}`, () => {
    const suite = relaisWithReceiver(engine, { RELAIS_RETRY_SCHEDULE: Array(12).fill('100ms').join(',').replace(/^100ms/, '0') });
    const numbers = (path: string) => suite.receiver.received.filter((r) => r.path === path).map((r) => (JSON.parse(r.body) as { data: { n: number } }).data.n);
    const batch = (tenant: string, type: string) => suite.t.call('POST', `/v1/tenants/${tenant}/events/batch`, { events: Array.from({ length: EVENTS }, (_, n) => ({ type, data: { n } })) });

    it('pauses a failing receiver\'s deliveries, probes it, then sends everything in creation order', async () => {
      const { t, receiver } = suite;
      let down = true;
      const ok: number[] = [];
      receiver.respond = (r) => {
        if (r.path !== '/outage') return { status: 200 };
        if (down) return { status: 503 };
        ok.push((JSON.parse(r.body) as { data: { n: number } }).data.n);
        return { status: 200 };
      };
      await seed(t, `${receiver.url}/outage`, { tenant: 'outage', type: 'outage.event', webhook: { max_concurrency: 1 } });
      await batch('outage', 'outage.event');
      await waitFor('the circuit to open', () => t.logs.some((l) => l.includes('circuit open')));
      await new Promise((r) => setTimeout(r, 1_000));
      const duringOutage = numbers('/outage').length;
      assert.ok(duringOutage < EVENTS, `fewer requests than deliveries while down (${duringOutage}), not one or more each`);

      down = false;
      await waitFor('every event delivered', () => new Set(ok).size === EVENTS, 20_000);
      assert.deepEqual(ok, [...ok].sort((a, b) => a - b), 'in order of creation');
      const rows = await waitFor('every delivery recorded as succeeded', async () => {
        const data = (await t.call<{ data: { status: string }[] }>('GET', '/v1/tenants/outage/deliveries?limit=200&event_type=outage.event')).body.data;
        return data.every((d) => d.status === 'succeeded') && data;
      });
      assert.equal(rows.length, EVENTS);
    });

    it('keeps requests in flight to a webhook under its max_concurrency', async () => {
      const { t, receiver } = suite;
      receiver.respond = () => ({ status: 200, delayMs: DELAY_MS });
      await seed(t, `${receiver.url}/capped`, { tenant: 'capped', type: 'capped.event', webhook: { max_concurrency: 3 } });
      await batch('capped', 'capped.event');
      await waitFor('every event delivered', () => new Set(numbers('/capped')).size === EVENTS, 20_000);
      const starts = receiver.received.filter((r) => r.path === '/capped').map((r) => r.at);
      const mostAtOnce = Math.max(...starts.map((s) => starts.filter((o) => o <= s && o + DELAY_MS > s).length));
      assert.ok(mostAtOnce <= 3, `at most 3 at once (saw ${mostAtOnce})`);
      assert.ok(mostAtOnce >= 2, 'but more than one at a time');
    });

    it('spaces requests to a webhook by its rate_limit', async () => {
      const { t, receiver } = suite;
      receiver.respond = () => ({ status: 200 });
      await seed(t, `${receiver.url}/rated`, { tenant: 'rated', type: 'rated.event', webhook: { rate_limit: 10 } });
      await batch('rated', 'rated.event');
      type Row = { status: string; waiting_for_webhook: boolean; next_attempt_at: string | null };
      const deliveries = async (): Promise<Row[]> => (await t.call<{ data: Row[] }>('GET', '/v1/tenants/rated/deliveries?limit=200')).body.data;
      // Out of tokens: the API says they wait for their webhook, not for a time of their own.
      const waiting = await waitFor('deliveries shown waiting for their webhook', async () => {
        const w = (await deliveries()).filter((d) => d.waiting_for_webhook);
        return w.length > 0 && w;
      });
      assert.ok(waiting.every((d) => d.status === 'pending' && d.next_attempt_at !== null), 'pending, with the latest time they will go');
      await waitFor('every event delivered', () => new Set(numbers('/rated')).size === EVENTS, 20_000);
      const done = await waitFor('every delivery recorded', async () => {
        const rows = await deliveries();
        return rows.every((d) => d.status === 'succeeded') && rows;
      });
      assert.ok(done.every((d) => !d.waiting_for_webhook), 'none waits once sent');
      const at = receiver.received.filter((r) => r.path === '/rated').map((r) => r.at).sort((a, b) => a - b);
      const spanMs = at.at(-1)! - at[0]!;
      assert.ok(spanMs >= 2_500, `30 requests at 10/s take about 3 s (took ${spanMs} ms)`);
      for (let i = 0; i + 11 < at.length; i++) assert.ok(at[i + 11]! - at[i]! >= 1_000, 'never more than ~10 in any second (+1 for timing)');
    });
  });
}

// More slots than one busy webhook can use (its cap, 64, plus its queue here, 4 per slot): the
// deliveries beyond are handed back, and their slots must not be refilled at once with the same
// webhook's next due deliveries, only to hand those back too. That loop ran as fast as the store
// allowed and starved the sends: 5,000 events stalled at about a hundred deliveries.
for (const engine of ENGINES) {
  describe(`a dispatcher with more slots than one webhook can use: ${engine}`, () => {
    const suite = relaisWithReceiver(engine, { RELAIS_CONCURRENCY: '512' });

    it('delivers a backlog for that webhook without stalling', async () => {
      const { t, receiver } = suite;
      await seed(t, `${receiver.url}/busy`, { tenant: 'busy', type: 'busy.event' });
      for (let b = 0; b < 10; b++) {
        const res = await t.call('POST', '/v1/tenants/busy/events/batch', { events: Array.from({ length: 500 }, (_, i) => ({ type: 'busy.event', data: { n: b * 500 + i } })) });
        assert.equal(res.status, 202);
      }
      await waitFor('5,000 deliveries', () => new Set(receiver.received.map((r) => r.headers['webhook-id'])).size === 5_000 || undefined, 30_000);
    });
  });
}

// A webhook at its cap with a full queue parks what it cannot take in its lane, and the
// dispatcher claims from the lane as its requests end. Handed back for 200 ms windows instead,
// a serial webhook got its cap plus its queue per window: about 25 deliveries a second, so
// these 1,000 took 40 s even though the receiver answers at once.
for (const engine of ENGINES) {
  describe(`a saturated webhook's backlog: ${engine}`, () => {
    const suite = relaisWithReceiver(engine);

    it('goes out at the receiver\'s pace, one at a time and in order', async () => {
      const { t, receiver } = suite;
      const events = 1_000;
      let inFlight = 0;
      let most = 0;
      receiver.respond = () => {
        most = Math.max(most, ++inFlight);
        return { status: 200, delayMs: 1, sent: () => inFlight-- };
      };
      await seed(t, `${receiver.url}/serial`, { tenant: 'serial', type: 'serial.event', webhook: { max_concurrency: 1 } });
      for (let b = 0; b < events / 500; b++) {
        const res = await t.call('POST', '/v1/tenants/serial/events/batch', { events: Array.from({ length: 500 }, (_, i) => ({ type: 'serial.event', data: { n: b * 500 + i } })) });
        assert.equal(res.status, 202);
      }
      const received = () => receiver.received.map((r) => (JSON.parse(r.body) as { data: { n: number } }).data.n);
      await waitFor('every event delivered', () => received().length === events || undefined, 15_000);
      assert.deepEqual(received(), Array.from({ length: events }, (_, n) => n), 'each once, in order');
      assert.equal(most, 1, 'one at a time');
    });
  });
}

// Parked deliveries are due to the ordinary claim only at their deadline (a lease's length, a
// minute by default), in case their worker dies. A worker that stops cleanly empties its lanes,
// so the next one sends them at once rather than a minute later.
for (const engine of ENGINES) {
  describe(`a lane across a restart: ${engine}`, () => {
    it('a stopping Relais gives its lanes back: the next one sends them at once, in order', async () => {
      const fixture = await makeEngine(engine);
      const receiver = await startReceiver(() => ({ status: 200, delayMs: 20 }));
      const first = await startRelais(engine, {}, fixture);
      let second: TestRelais | undefined;
      try {
        const { tenant, type } = await seed(first, `${receiver.url}/lane`, { tenant: 'restart', type: 'restart.event', webhook: { max_concurrency: 1 } });
        const events = 40;
        const res = await first.call('POST', `/v1/tenants/${tenant}/events/batch`, { events: Array.from({ length: events }, (_, n) => ({ type, data: { n } })) });
        assert.equal(res.status, 202);
        await waitFor('a few delivered', () => receiver.received.length >= 3 || undefined);
        await first.close();
        const before = receiver.received.length;
        assert.ok(before < events, `some left in the lane (${before} of ${events} sent)`);
        second = await startRelais(engine, {}, fixture);
        const numbers = () => receiver.received.map((r) => (JSON.parse(r.body) as { data: { n: number } }).data.n);
        await waitFor('every event', () => new Set(numbers()).size === events || undefined, 15_000);
        assert.deepEqual(numbers(), Array.from({ length: events }, (_, n) => n), 'each once, in order');
      } finally {
        await second?.close();
        await receiver.close();
        await fixture.dispose();
      }
    });
  });
}
