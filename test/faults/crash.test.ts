// Killed and stopped workers, as real `relais serve` processes on both engines: nothing accepted
// is ever lost (at-least-once), a SIGTERM finishes or hands back what is in flight and exits 0.
import assert from 'node:assert/strict';
import { after, afterEach, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import pg from 'pg';
import { loadConfig } from '../../src/config.ts';
import type { Delivery } from '../../src/core/model.ts';
import { openStore } from '../../src/store/open.ts';
import { exitWithin, killChild, spawnRelais, type Child } from '../helpers/child.ts';
import { ENGINES, makeEngine, type EngineFixture } from '../helpers/engines.ts';
import { startReceiver, type Answer, type Receiver, type Received } from '../helpers/receiver.ts';
import { ADMIN_TOKEN, testEnv } from '../helpers/relais.ts';
import { waitFor } from '../helpers/wait.ts';

const EVENTS = 50;
const TENANT = 'crash';
const TYPE = 'crash.event';
const RETRY_SCHEDULE = '0,100ms,100ms,100ms,100ms';
const OK: Answer = { status: 200, body: 'ok' };

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

/** A tenant, an event type, a webhook to the receiver, then EVENTS events with data.n = 0…EVENTS-1 in one batch. */
async function seedAndSend(child: Child, receiver: Receiver): Promise<void> {
  await call(child, 'POST', '/v1/tenants', { id: TENANT, name: 'Crash' });
  await call(child, 'POST', '/v1/event-types', { name: TYPE });
  await call(child, 'POST', `/v1/tenants/${TENANT}/webhooks`, { url: `${receiver.url}/hook`, events: [TYPE] });
  const sent = await call<{ events: unknown[] }>(child, 'POST', `/v1/tenants/${TENANT}/events/batch`, {
    events: Array.from({ length: EVENTS }, (_, n) => ({ type: TYPE, data: { n } })),
  });
  assert.equal(sent.events.length, EVENTS);
}

const deliveries = async (child: Child): Promise<DeliveryRow[]> =>
  (await call<{ data: DeliveryRow[] }>(child, 'GET', `/v1/tenants/${TENANT}/deliveries?limit=200`)).data;

/** The deliveries as stored, read straight from the database with no Relais process running. */
async function storedDeliveries(fixture: EngineFixture): Promise<Delivery[]> {
  const store = openStore(loadConfig(testEnv(fixture)));
  try {
    return (await store.deliveries.list(TENANT, { limit: 200 })).data;
  } finally {
    await store.close();
  }
}

/** Rows still carrying a lease or marked delivering, read with a plain client (the lease id is not part of the model). */
async function leasedRows(fixture: EngineFixture): Promise<{ id: string; status: string; lease_id: string | null }[]> {
  const query = "SELECT id, status, lease_id FROM deliveries WHERE lease_id IS NOT NULL OR status = 'delivering' ORDER BY id";
  if (!fixture.databaseUrl) {
    const db = new Database(fixture.sqlitePath, { readonly: true });
    try {
      return db.prepare<[], { id: string; status: string; lease_id: string | null }>(query).all();
    } finally {
      db.close();
    }
  }
  const client = new pg.Client({ connectionString: fixture.databaseUrl });
  await client.connect();
  try {
    return (await client.query<{ id: string; status: string; lease_id: string | null }>(query)).rows;
  } finally {
    await client.end();
  }
}

const webhookId = (r: Received): string => String(r.headers['webhook-id']);
const numberOf = (r: Received): number => (JSON.parse(r.body) as { data: { n: number } }).data.n;
const numbers = (rs: Received[]): Set<number> => new Set(rs.map(numberOf));
const count = (rows: { status: string }[]): Record<string, number> =>
  rows.reduce<Record<string, number>>((acc, d) => ({ ...acc, [d.status]: (acc[d.status] ?? 0) + 1 }), {});

/**
 * At-least-once, checked on what the receiver got: every webhook-id is one of the deliveries,
 * a webhook-id always carries the same bytes (so the same data.n), and each of the EVENTS
 * numbers came under exactly one webhook-id.
 */
function assertOnlyKnownDeliveries(received: Received[], rows: { id: string }[]): void {
  const ids = new Set(rows.map((d) => d.id));
  const bodyById = new Map<string, string>();
  const idByNumber = new Map<number, string>();
  for (const r of received) {
    const id = webhookId(r);
    assert.ok(ids.has(id), `the receiver got webhook-id ${id}, which is none of the ${rows.length} deliveries`);
    const body = bodyById.get(id);
    if (body === undefined) bodyById.set(id, r.body);
    else assert.equal(r.body, body, `a resend of ${id} carries the same bytes`);
    const n = numberOf(r);
    const known = idByNumber.get(n);
    if (known === undefined) idByNumber.set(n, id);
    else assert.equal(id, known, `event n=${n} came under one webhook-id only`);
  }
}

for (const engine of ENGINES) {
  describe(`crashes and stops: ${engine}`, () => {
    const children: Child[] = [];
    const fixtures: EngineFixture[] = [];
    const receivers: Receiver[] = [];

    afterEach(async () => {
      await Promise.all(children.splice(0).map(killChild));
      await Promise.all(receivers.splice(0).map((r) => r.close()));
    });
    after(async () => {
      await Promise.all(children.splice(0).map(killChild)); // in case afterEach never ran
      for (const f of fixtures.splice(0)) await f.dispose();
    });

    /** Runs a test body; on failure, adds what every child printed to the error. */
    async function withOutput(body: () => Promise<void>): Promise<void> {
      try {
        await body();
      } catch (err) {
        const output = children.map((c, i) => `--- child ${i + 1} (pid ${c.proc.pid}) ---\n${c.output()}`).join('\n');
        if (err instanceof Error) err.message += `\n${output}`;
        throw err;
      }
    }

    async function setUp(env: Record<string, string>) {
      const fixture = await makeEngine(engine);
      fixtures.push(fixture);
      const receiver = await startReceiver();
      receivers.push(receiver);
      const spawn = async (): Promise<Child> => {
        const child = await spawnRelais(testEnv(fixture, { RELAIS_PORT: '0', RELAIS_RETRY_SCHEDULE: RETRY_SCHEDULE, ...env }));
        children.push(child);
        return child;
      };
      return { fixture, receiver, spawn };
    }

    it('a worker killed with SIGKILL while holding deliveries loses none of them', () => withOutput(async () => {
      // A request timeout well above the receiver's delay: the first worker holds its deliveries
      // (status delivering, leased for 2 s) until it is killed, rather than timing out on them.
      const { fixture, receiver, spawn } = await setUp({ RELAIS_LEASE: '2s', RELAIS_REQUEST_TIMEOUT: '10s' });
      let killed = false;
      receiver.respond = () => (killed ? OK : { ...OK, delayMs: 3_000 });
      const first = await spawn();
      await seedAndSend(first, receiver);

      await waitFor('deliveries in flight', () => receiver.received.length >= EVENTS / 2);
      const rows = await deliveries(first);
      assert.equal(rows.length, EVENTS);
      const byId = new Map(rows.map((d) => [d.id, d]));
      const inFlight = new Set(receiver.received.map(webhookId));
      for (const id of inFlight) {
        assert.equal(byId.get(id)?.status, 'delivering', `delivery ${id}, sent and unanswered, is leased (${JSON.stringify(byId.get(id))})`);
      }
      assert.ok(inFlight.size >= EVENTS / 2, `the worker holds many deliveries in flight (${inFlight.size})`);
      const leased = new Map((await leasedRows(fixture)).map((r) => [r.id, r]));
      for (const id of inFlight) {
        assert.ok(leased.get(id)?.status === 'delivering' && leased.get(id)?.lease_id, `delivery ${id} is stored with a lease (${JSON.stringify(leased.get(id))})`);
      }

      first.proc.kill('SIGKILL');
      assert.equal(await first.exited, 'SIGKILL');
      killed = true;
      const killedAt = Date.now();

      const second = await spawn();
      await waitFor('every event at the receiver after the kill', () => numbers(receiver.received.filter((r) => r.at >= killedAt)).size === EVENTS, 20_000)
        .catch((err: Error) => {
          const got = numbers(receiver.received.filter((r) => r.at >= killedAt));
          const missing = [...Array(EVENTS).keys()].filter((n) => !got.has(n));
          throw new Error(`${err.message}; not received after the kill: n=${missing.join(',')}`);
        });
      const final = await waitFor('every delivery succeeded', async () => {
        const now = await deliveries(second);
        return now.length === EVENTS && now.every((d) => d.status === 'succeeded') ? now : undefined;
      }, 10_000).catch(async (err: Error) => { throw new Error(`${err.message}: ${JSON.stringify(count(await deliveries(second)))}`); });

      assert.equal(numbers(receiver.received).size, EVENTS, 'every event reached the receiver');
      assertOnlyKnownDeliveries(receiver.received, final);
      for (const d of final) assert.ok(d.attempt_count >= 1, `${d.id} has its successful attempt recorded`);

      second.proc.kill('SIGTERM');
      assert.equal(await exitWithin(second, 10_000), 0, 'the second process stops cleanly on SIGTERM');
    }));

    it('with the default lease: a request slower than the lease keeps it, and a killed worker\'s deliveries come back within a lease', () => withOutput(async () => {
      const leaseMs = engine === 'sqlite' ? 4_000 : 10_000; // the defaults (config.ts)
      const { receiver, spawn } = await setUp({ RELAIS_REQUEST_TIMEOUT: '60s' });
      // First the receiver takes longer than a lease to answer: the worker renews its leases, so
      // no delivery falls due meanwhile, is claimed again and sent twice.
      receiver.respond = () => ({ ...OK, delayMs: leaseMs * 1.5 + 1_000 });
      const first = await spawn();
      await seedAndSend(first, receiver);
      const answered = await waitFor('every delivery answered and recorded', async () => {
        const rows = await deliveries(first);
        return rows.length === EVENTS && rows.every((d) => d.status === 'succeeded') ? rows : undefined;
      }, leaseMs * 3 + 10_000);
      assert.equal(receiver.received.length, EVENTS, 'each delivery was sent once, its lease renewed while its request lasted');
      assert.ok(answered.every((d) => d.attempt_count === 1));

      // Then the receiver never answers in time, and the worker is killed holding every delivery.
      receiver.respond = () => ({ ...OK, delayMs: 120_000 });
      const sent = await call<{ events: unknown[] }>(first, 'POST', `/v1/tenants/${TENANT}/events/batch`, {
        events: Array.from({ length: EVENTS }, (_, n) => ({ type: TYPE, data: { n: EVENTS + n } })),
      });
      assert.equal(sent.events.length, EVENTS);
      await waitFor('the new deliveries in flight', () => receiver.received.length >= EVENTS * 1.5);
      first.proc.kill('SIGKILL');
      await first.exited;
      const killedAt = Date.now();
      receiver.respond = () => OK;
      await spawn();
      await waitFor('every held delivery sent again after the kill', () => numbers(receiver.received.filter((r) => r.at >= killedAt && numberOf(r) >= EVENTS)).size === EVENTS, leaseMs + 20_000);
      const resumedMs = Math.min(...receiver.received.filter((r) => r.at >= killedAt).map((r) => r.at)) - killedAt;
      // A lease at most (it was renewed up to the kill), plus the new process's start and first claim:
      // the lease it was before renewal (timeout + 30 s) would take 45 s.
      assert.ok(resumedMs < leaseMs + 5_000, `delivery resumed ${resumedMs} ms after the kill`);
    }));

    it('SIGTERM stops gracefully: in-flight deliveries finish, the rest stay pending, exit code 0', () => withOutput(async () => {
      // Ten slots: at SIGTERM ten deliveries are in flight and the rest not yet claimed.
      const { fixture, receiver, spawn } = await setUp({ RELAIS_CONCURRENCY: '10', RELAIS_SHUTDOWN_GRACE: '10s' });
      receiver.respond = () => ({ ...OK, delayMs: 500 });
      const child = await spawn();
      await seedAndSend(child, receiver);
      await waitFor('deliveries in flight', () => receiver.received.length >= 10);

      const stoppedAt = Date.now();
      child.proc.kill('SIGTERM');
      const how = await exitWithin(child, 5_000);
      const stopMs = Date.now() - stoppedAt;
      assert.equal(how, 0, `exits with code 0 within 5 s of SIGTERM (got ${how})`);
      assert.match(child.output(), /stopping/, 'it logged the stop');

      const stored = await storedDeliveries(fixture);
      assert.equal(stored.length, EVENTS);
      assert.deepEqual(stored.filter((d) => d.status !== 'succeeded' && d.status !== 'pending').map((d) => [d.id, d.status]), [],
        `no delivery is left leased or failed after a graceful stop (${JSON.stringify(count(stored))})`);
      assert.deepEqual(await leasedRows(fixture), [], 'no row keeps a lease id or the delivering status after a graceful stop');
      const exitedAt = Date.now();
      assert.deepEqual(stored.filter((d) => d.status === 'pending' && (d.dueAt === null || d.dueAt > exitedAt)).map((d) => [d.id, d.dueAt]), [],
        'every pending delivery is due at once, not held back until a lease ends');
      const sentBeforeExit = new Set(receiver.received.map(webhookId));
      const succeeded = new Set(stored.filter((d) => d.status === 'succeeded').map((d) => d.id));
      assert.deepEqual([...sentBeforeExit].filter((id) => !succeeded.has(id)), [],
        'every request sent before the exit was answered within the grace and recorded as succeeded');
      assert.deepEqual([...succeeded].filter((id) => !sentBeforeExit.has(id)), [], 'nothing is succeeded that was not sent');
      for (const d of stored.filter((x) => x.status === 'pending')) assert.equal(d.attempts, 0, `pending ${d.id} was never attempted`);
      assert.ok(stored.some((d) => d.status === 'pending'),
        `the stopping worker claimed no new work, so some deliveries wait for the next process (stop took ${stopMs} ms; ${JSON.stringify(count(stored))})`);

      receiver.respond = () => OK;
      const next = await spawn();
      const final = await waitFor('every delivery succeeded', async () => {
        const rows = await deliveries(next);
        return rows.length === EVENTS && rows.every((d) => d.status === 'succeeded') ? rows : undefined;
      }, 15_000).catch(async (err: Error) => { throw new Error(`${err.message}: ${JSON.stringify(count(await deliveries(next)))}`); });
      assert.equal(numbers(receiver.received).size, EVENTS, 'every event reached the receiver');
      assertOnlyKnownDeliveries(receiver.received, final);
      assert.equal(receiver.received.length, EVENTS, 'a graceful stop causes no resends: every delivery was sent exactly once');
      for (const d of final) assert.equal(d.attempt_count, 1, `${d.id} took one attempt`);

      next.proc.kill('SIGTERM');
      assert.equal(await exitWithin(next, 10_000), 0);
    }));

    it('SIGTERM aborts what outlasts the grace period and hands it back untouched', () => withOutput(async () => {
      // The receiver never answers while the test runs; the request timeout (and so the default
      // lease, 40 s) is far longer than the grace: only the release makes them due again at once.
      const { fixture, receiver, spawn } = await setUp({ RELAIS_SHUTDOWN_GRACE: '300ms', RELAIS_REQUEST_TIMEOUT: '10s' });
      let stopped = false;
      receiver.respond = () => (stopped ? OK : { ...OK, delayMs: 60_000 });
      const child = await spawn();
      await seedAndSend(child, receiver);
      await waitFor('all deliveries in flight', () => receiver.received.length >= EVENTS);

      const stoppedAt = Date.now();
      child.proc.kill('SIGTERM');
      const how = await exitWithin(child, 5_000);
      assert.equal(how, 0, `exits with code 0 soon after the grace, not waiting for the receiver (got ${how})`);
      assert.ok(Date.now() - stoppedAt < 5_000);
      stopped = true;

      const stored = await storedDeliveries(fixture);
      assert.equal(stored.length, EVENTS);
      assert.deepEqual(stored.filter((d) => d.status !== 'pending' || d.attempts !== 0).map((d) => [d.id, d.status, d.attempts]), [],
        'aborted sends are released as pending, with no failed attempt recorded');
      assert.ok(stored.every((d) => d.dueAt !== null && d.dueAt <= Date.now()), 'released deliveries are due at once');

      const next = await spawn();
      const final = await waitFor('all delivered at once, not after a lease expiry', async () => {
        const rows = await deliveries(next);
        return rows.every((d) => d.status === 'succeeded') ? rows : undefined;
      }, 5_000);
      assert.ok(final.every((d) => d.attempt_count === 1), 'one attempt each: the aborted ones left no trace');
      assert.equal(numbers(receiver.received.filter((r) => r.at >= stoppedAt)).size, EVENTS);
      assertOnlyKnownDeliveries(receiver.received, final);

      next.proc.kill('SIGTERM');
      assert.equal(await exitWithin(next, 10_000), 0);
    }));
  });
}
