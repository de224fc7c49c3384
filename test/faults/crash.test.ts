// Killed and stopped workers, as real processes: nothing accepted is ever lost.
import assert from 'node:assert/strict';
import { after, afterEach, describe, it } from 'node:test';
import { spawnRelais, killChild, type Child } from '../helpers/child.ts';
import { ENGINES, makeEngine, type EngineFixture } from '../helpers/engines.ts';
import { startReceiver, type Receiver } from '../helpers/receiver.ts';
import { ADMIN_TOKEN, testEnv } from '../helpers/relais.ts';
import { waitFor } from '../helpers/wait.ts';

const EVENTS = 50;
const HANG = { status: 200, delayMs: 60_000 }; // an answer that never comes while the test runs

interface DeliveryRow { id: string; status: string; attempt_count: number }

async function call<T>(child: Child, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(child.url + path, {
    method,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

async function seedAndSend(child: Child, receiver: Receiver): Promise<void> {
  await call(child, 'POST', '/v1/tenants', { id: 'crash', name: 'Crash' });
  await call(child, 'POST', '/v1/event-types', { name: 'crash.event' });
  await call(child, 'POST', '/v1/tenants/crash/webhooks', { url: `${receiver.url}/hook`, events: ['crash.event'] });
  await call(child, 'POST', '/v1/tenants/crash/events/batch', {
    events: Array.from({ length: EVENTS }, (_, n) => ({ type: 'crash.event', data: { n } })),
  });
}

const deliveries = async (child: Child): Promise<DeliveryRow[]> =>
  (await call<{ data: DeliveryRow[] }>(child, 'GET', '/v1/tenants/crash/deliveries?limit=200')).data;

const numbersReceived = (receiver: Receiver, since = 0): Set<number> =>
  new Set(receiver.received.filter((r) => r.at >= since).map((r) => (JSON.parse(r.body) as { data: { n: number } }).data.n));

for (const engine of ENGINES) {
  describe(`crashes and stops: ${engine}`, () => {
    const children: Child[] = [];
    const fixtures: EngineFixture[] = [];
    const receivers: Receiver[] = [];
    afterEach(async (ctx) => {
      if ((ctx as { passed?: boolean }).passed === false) for (const c of children) process.stderr.write(c.output());
      await Promise.all(children.splice(0).map(killChild));
      await Promise.all(receivers.splice(0).map((r) => r.close()));
    });
    after(async () => {
      for (const f of fixtures) await f.dispose();
    });

    async function setUp(env: Record<string, string>) {
      const fixture = await makeEngine(engine);
      fixtures.push(fixture);
      const receiver = await startReceiver();
      receivers.push(receiver);
      const spawn = async (): Promise<Child> => {
        const child = await spawnRelais(testEnv(fixture, { RELAIS_RETRY_SCHEDULE: '0,100ms,100ms,100ms,100ms', RELAIS_LOG_LEVEL: 'warn', ...env }));
        children.push(child);
        return child;
      };
      return { receiver, spawn };
    }

    it('a worker killed with SIGKILL while holding deliveries loses none of them', async () => {
      const { receiver, spawn } = await setUp({ RELAIS_LEASE: '2s' });
      receiver.respond = () => HANG;
      const first = await spawn();
      await seedAndSend(first, receiver);
      await waitFor('deliveries in flight', () => receiver.received.length >= EVENTS / 2);
      const held = (await deliveries(first)).filter((d) => d.status === 'delivering');
      assert.ok(held.length >= EVENTS / 2, `the worker holds leased deliveries (${held.length})`);

      first.proc.kill('SIGKILL');
      assert.equal(await first.exited, 'SIGKILL');
      const killedAt = Date.now();
      receiver.respond = () => ({ status: 200 });

      const second = await spawn();
      await waitFor('every event delivered again', () => numbersReceived(receiver, killedAt).size === EVENTS, 20_000);
      const final = await waitFor('every delivery succeeded', async () => {
        const rows = await deliveries(second);
        return rows.length === EVENTS && rows.every((d) => d.status === 'succeeded') ? rows : undefined;
      });
      const ids = new Set(final.map((d) => d.id));
      for (const r of receiver.received) assert.ok(ids.has(String(r.headers['webhook-id'])), 'only known webhook-ids were sent');
      assert.equal(new Set(receiver.received.filter((r) => r.at >= killedAt).map((r) => r.headers['webhook-id'])).size, EVENTS);

      second.proc.kill('SIGTERM');
      assert.equal(await second.exited, 0);
    });

    it('SIGTERM lets deliveries in flight finish within the grace period, then exits 0', async () => {
      const { receiver, spawn } = await setUp({ RELAIS_SHUTDOWN_GRACE: '5s' });
      receiver.respond = () => ({ status: 200, delayMs: 500 });
      const child = await spawn();
      await seedAndSend(child, receiver);
      await waitFor('deliveries in flight', () => receiver.received.length >= 10);
      const inFlightAtStop = receiver.received.length;
      child.proc.kill('SIGTERM');
      assert.equal(await child.exited, 0);

      const next = await spawn();
      const rows = await deliveries(next);
      assert.equal(rows.length, EVENTS);
      assert.ok(rows.every((d) => d.status === 'succeeded' || d.status === 'pending'), 'none left leased');
      const finished = rows.filter((d) => d.status === 'succeeded').length;
      assert.ok(finished >= inFlightAtStop, `requests in flight at SIGTERM completed and were recorded (${finished} ≥ ${inFlightAtStop})`);
      receiver.respond = () => ({ status: 200 });
      await waitFor('the rest delivered by the next process', async () => (await deliveries(next)).every((d) => d.status === 'succeeded'));
      assert.equal(numbersReceived(receiver).size, EVENTS);
    });

    it('SIGTERM aborts what outlasts the grace period and hands it back untouched', async () => {
      const { receiver, spawn } = await setUp({ RELAIS_SHUTDOWN_GRACE: '300ms' });
      receiver.respond = () => HANG;
      const child = await spawn();
      await seedAndSend(child, receiver);
      await waitFor('deliveries in flight', () => receiver.received.length >= 10);
      const stoppedAt = Date.now();
      child.proc.kill('SIGTERM');
      assert.equal(await child.exited, 0);
      assert.ok(Date.now() - stoppedAt < 5_000, 'it did not wait for the hanging receiver');

      receiver.respond = () => ({ status: 200 });
      const next = await spawn();
      // Released leases are due at once: no waiting for the (default, 45 s) lease to expire.
      await waitFor('all delivered at once, not after a lease expiry', async () => (await deliveries(next)).every((d) => d.status === 'succeeded'), 5_000);
      const final = await deliveries(next);
      assert.ok(final.every((d) => d.attempt_count === 1), 'aborted sends were released, not recorded as failed attempts');
      assert.equal(numbersReceived(receiver, stoppedAt).size, EVENTS);
    });
  });
}
