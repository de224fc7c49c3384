// The database going away under a running Relais, in-process so that a crash fails the test run:
// PostgreSQL ending every session mid-transaction (what a restart does), PostgreSQL out of reach
// (a TCP proxy cut), SQLite's file locked by another writer past the store's patience. The API
// answers 503 with Retry-After and a problem saying so, never a 500; /healthz says what is down;
// once the database is back everything accepted is delivered, and a result the receiver gave
// while the database was away is recorded, not sent again. `npm run test:faults` does the same
// across real processes with a real PostgreSQL restart and outage.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import pg from 'pg';
import { makeEngine, type EngineFixture } from '../helpers/engines.ts';
import { startReceiver, type Receiver } from '../helpers/receiver.ts';
import { seed, startRelais, type TestRelais } from '../helpers/relais.ts';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.ts';
import { waitFor } from '../helpers/wait.ts';

interface Problem { status: number; code: string; detail: string }
interface Health { status: string; dependencies: { database: { status: string; reason?: string }; notifications?: { status: string } } }

const eventIdOf = (body: string): string => (JSON.parse(body) as { data: { key: string } }).data.key;

/** Sends the event with idempotency id `key` until it is accepted; returns every status seen on the way. */
async function sendUntilAccepted(t: TestRelais, tenant: string, type: string, key: string, statuses: Map<number, number>, problems: Problem[]): Promise<void> {
  for (;;) {
    const res = await t.call<Problem>('POST', `/v1/tenants/${tenant}/events`, { id: key, type, data: { key } });
    statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    if (res.status === 202) return;
    if (res.status === 503) {
      assert.equal(res.headers.get('retry-after'), '5', '503 carries Retry-After');
      problems.push(res.body);
    } else {
      assert.fail(`answered ${res.status}: ${JSON.stringify(res.body)}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('PostgreSQL ending every session mid-transaction (as a restart does)', () => {
  let t: TestRelais;
  let receiver: Receiver;
  before(async () => {
    t = await startRelais('postgres', { RELAIS_CONCURRENCY: '32' });
    receiver = await startReceiver();
  });
  after(async () => {
    await t.close();
    await receiver.close();
  });

  it('keeps the process up, answers only 202 or 503, and delivers everything accepted', async (t2) => {
    const { tenant, type } = await seed(t, `${receiver.url}/hook`);
    const admin = new pg.Client({ connectionString: t.fixture.databaseUrl });
    await admin.connect();
    const dbName = new URL(t.fixture.databaseUrl!).pathname.slice(1);
    let terminated = 0;
    let sending = true;
    // Every session of Relais' database is ended, every 100 ms, while events are sent: the
    // server tells each one "terminating connection due to administrator command", idle in the
    // pool, checked out between two statements of a transaction, or the LISTEN connection.
    const killer = (async () => {
      while (sending) {
        const res = await admin.query('SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [dbName]);
        terminated += (res.rows[0] as { n: number }).n;
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    const statuses = new Map<number, number>();
    const problems: Problem[] = [];
    // At least 400 events, and more (at most 4,000) until the killer has ended enough sessions
    // that the faults fell while Relais was at work, however fast this machine ingests.
    const keys: string[] = [];
    const streams = Array.from({ length: 8 }, async () => {
      while (keys.length < 400 || (terminated <= 25 && keys.length < 4_000)) {
        const key = `evt-${keys.length}`;
        keys.push(key);
        await sendUntilAccepted(t, tenant, type, key, statuses, problems);
      }
    });
    await Promise.all(streams);
    sending = false;
    await killer;
    await admin.end();
    t2.diagnostic(`sessions ended: ${terminated}; answers: ${JSON.stringify(Object.fromEntries(statuses))}`);
    assert.ok(terminated > 20, `sessions were ended (${terminated})`);
    for (const p of problems) assert.equal(p.code, 'RELAIS_ERR_UNAVAILABLE');

    const delivered = await waitFor('every accepted event delivered', () => {
      const got = new Set(receiver.received.map((r) => eventIdOf(r.body)));
      return keys.every((k) => got.has(k)) ? got : undefined;
    }, 30_000);
    assert.equal(delivered.size, keys.length);
    assert.equal((await t.call('GET', '/healthz', undefined, null)).status, 200);
  });
});

describe('PostgreSQL out of reach', () => {
  let fixture: EngineFixture;
  let proxy: TcpProxy;
  let t: TestRelais;
  let receiver: Receiver;
  before(async () => {
    fixture = await makeEngine('postgres');
    const real = new URL(fixture.databaseUrl!);
    proxy = await startTcpProxy(real.hostname, Number(real.port || 5432));
    const through = new URL(fixture.databaseUrl!);
    through.port = String(proxy.port);
    t = await startRelais('postgres', {}, { ...fixture, databaseUrl: through.toString() });
    receiver = await startReceiver();
  });
  after(async () => {
    await t.close();
    await receiver.close();
    await proxy.close();
    await fixture.dispose();
  });

  it('answers 503 with Retry-After, says so at /healthz, keeps a result given meanwhile, and recovers by itself', async () => {
    const { tenant, type } = await seed(t, `${receiver.url}/hook`);
    const answered = new Promise<void>((resolve) => {
      receiver.respond = (_req, index) => {
        if (index > 0) return { status: 200, body: 'ok' };
        // Answer only once the database is cut: the result has to wait for it to come back.
        return { status: 200, body: 'ok', delayMs: 300, sent: resolve };
      };
    });
    assert.equal((await t.call('POST', `/v1/tenants/${tenant}/events`, { id: 'before', type, data: { key: 'before' } })).status, 202);
    await waitFor('the first delivery to reach the receiver', () => receiver.received.length === 1);
    await proxy.cut();
    await answered; // the receiver said 200 while the database was away

    const list = await t.call<Problem>('GET', `/v1/tenants/${tenant}/webhooks`);
    assert.equal(list.status, 503);
    assert.equal(list.headers.get('retry-after'), '5');
    assert.equal(list.headers.get('content-type'), 'application/problem+json; charset=utf-8');
    assert.equal(list.body.code, 'RELAIS_ERR_UNAVAILABLE');
    assert.match(list.body.detail, /database \(postgres\) is unavailable/);
    const sent = await t.call<Problem>('POST', `/v1/tenants/${tenant}/events`, { id: 'during', type, data: { key: 'during' } });
    assert.equal(sent.status, 503);
    const health = await t.call<Health>('GET', '/healthz', undefined, null);
    assert.equal(health.status, 503);
    assert.equal(health.headers.get('retry-after'), '5');
    assert.equal(health.body.status, 'unavailable');
    assert.equal(health.body.dependencies.database.status, 'down');
    assert.ok(health.body.dependencies.database.reason);
    await waitFor('/healthz to report LISTEN down', async () => (await t.call<Health>('GET', '/healthz', undefined, null)).body.dependencies.notifications?.status === 'down');

    await new Promise((r) => setTimeout(r, 1_500)); // long enough for the result writer to have retried
    await proxy.restore();
    await waitFor('/healthz back to 200 with LISTEN re-established', async () => {
      const h = await t.call<Health>('GET', '/healthz', undefined, null);
      return h.status === 200 && h.body.dependencies.notifications?.status === 'up';
    }, 15_000);
    assert.equal((await t.call('POST', `/v1/tenants/${tenant}/events`, { id: 'during', type, data: { key: 'during' } })).status, 202);
    await waitFor('the event sent after the outage to be delivered', () => receiver.received.some((r) => eventIdOf(r.body) === 'during'), 10_000);

    // The result the receiver gave while the database was away is recorded: delivered once, not sent again at its lease's end.
    const deliveries = await waitFor('the first delivery to be recorded as succeeded', async () => {
      const res = await t.call<{ data: { status: string; attempt_count: number }[] }>('GET', `/v1/tenants/${tenant}/deliveries?limit=10`);
      const statuses = res.body.data.map((d) => d.status);
      return statuses.length === 2 && statuses.every((s) => s === 'succeeded') ? res.body.data : undefined;
    }, 10_000);
    assert.deepEqual(deliveries.map((d) => d.attempt_count), [1, 1]);
    assert.equal(receiver.received.filter((r) => eventIdOf(r.body) === 'before').length, 1);
    assert.ok(t.logs.some((l) => l.includes('the database is unavailable')), 'the outage is logged');
    assert.ok(t.logs.some((l) => l.includes('the database is back')), 'and its end');
  });
});

describe('SQLite locked by another writer past the store\'s patience', () => {
  let t: TestRelais;
  let receiver: Receiver;
  before(async () => {
    t = await startRelais('sqlite');
    receiver = await startReceiver();
  });
  after(async () => {
    await t.close();
    await receiver.close();
  });

  it('answers 503 with Retry-After while the lock is held, and accepts and delivers once it is released', async () => {
    const { tenant, type } = await seed(t, `${receiver.url}/hook`);
    const other = new Database(t.fixture.sqlitePath);
    other.exec('BEGIN IMMEDIATE'); // holds the write lock
    try {
      const sent = await t.call<Problem>('POST', `/v1/tenants/${tenant}/events`, { id: 'locked', type, data: { key: 'locked' } });
      assert.equal(sent.status, 503);
      assert.equal(sent.headers.get('retry-after'), '5');
      assert.equal(sent.body.code, 'RELAIS_ERR_UNAVAILABLE');
      const health = await t.call<Health>('GET', '/healthz', undefined, null);
      assert.equal(health.status, 200, 'reads still work');
      assert.equal(health.body.dependencies.database.status, 'degraded');
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    assert.equal((await t.call('POST', `/v1/tenants/${tenant}/events`, { id: 'locked', type, data: { key: 'locked' } })).status, 202);
    await waitFor('delivery after the lock is released', () => receiver.received.some((r) => eventIdOf(r.body) === 'locked'));
    assert.equal((await t.call<Health>('GET', '/healthz', undefined, null)).body.dependencies.database.status, 'up');
  });
});
