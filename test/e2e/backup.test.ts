// Backup and restore on both engines, done as docs/operations.md tells an operator to: a real
// Relais delivers to a real receiver; the database is copied while it runs and events keep
// arriving (`relais backup` on SQLite, `pg_dump -Fc` on PostgreSQL); the server is stopped;
// the copy is restored (over RELAIS_DB; `pg_restore` into a new database) and a new Relais on
// it gives back, through the API, the webhook, its secret and every delivery made before the
// copy, and delivers again. pg_dump missing is a failure, not a skip.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { exitWithin, killChild, ROOT, spawnRelais, type Child } from '../helpers/child.ts';
import { makeEngine, PG_BASE_URL, rawRows, type EngineFixture } from '../helpers/engines.ts';
import { startReceiver, type Receiver } from '../helpers/receiver.ts';
import { ADMIN_TOKEN, testEnv } from '../helpers/relais.ts';
import { waitFor } from '../helpers/wait.ts';

const run = promisify(execFile);
const BIN = new URL('../../bin/relais.js', import.meta.url).pathname;
const KEY = 'backup-test-encryption-key';
const BEFORE = 12;

interface Ended { code: number | null; stdout: string; stderr: string }

/** A command's end, whatever its exit code. */
async function command(file: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Ended> {
  try {
    const { stdout, stderr } = await run(file, args, { cwd: ROOT, env, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const { code, stdout, stderr } = err as { code: number | string | null; stdout?: string; stderr?: string };
    if (typeof code === 'string') throw err; // ENOENT: the program is missing, which fails the test
    return { code, stdout: stdout ?? '', stderr: stderr ?? '' };
  }
}

/** `relais <args>` with exactly `env` as Relais' variables (none inherited: a DATABASE_URL in the shell would pick PostgreSQL). */
function relais(args: string[], env: Record<string, string>): Promise<Ended> {
  const inherited = Object.entries(process.env).filter(([name]) => !name.startsWith('RELAIS_') && name !== 'DATABASE_URL');
  return command(process.execPath, [BIN, ...args], { ...Object.fromEntries(inherited), ...env });
}

type Call = <T = unknown>(method: string, path: string, body?: unknown) => Promise<{ status: number; body: T }>;

function api(child: Child): Call {
  return async (method, path, body) => {
    const headers: Record<string, string> = { authorization: `Bearer ${ADMIN_TOKEN}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(child.url + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as never };
  };
}

interface Delivery { id: string; event_id: string; status: string; attempt_count: number; last_status_code: number | null }
interface Detail extends Delivery { event: { id: string; data: unknown }; attempts: { succeeded: boolean; response: { status: number } | null }[] }

/** Every delivery of tenant `acme`, page by page. */
async function deliveries(call: Call): Promise<Map<string, Delivery>> {
  const all = new Map<string, Delivery>();
  let cursor: string | null = null;
  do {
    const res: { status: number; body: { data: Delivery[]; next_cursor: string | null } } = await call('GET', `/v1/tenants/acme/deliveries?limit=200${cursor ? `&before=${encodeURIComponent(cursor)}` : ''}`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    for (const d of res.body.data) all.set(d.id, d);
    cursor = res.body.next_cursor;
  } while (cursor);
  return all;
}

interface Before { webhook: Record<string, unknown>; secret: unknown; delivered: Map<string, Delivery>; detail: Detail }

/** A tenant, an event type, a webhook to `receiver`, and BEFORE events delivered to it. */
async function deliverSome(call: Call, receiver: Receiver): Promise<Before> {
  assert.equal((await call('POST', '/v1/tenants', { id: 'acme', name: 'Acme' })).status, 201);
  assert.equal((await call('POST', '/v1/event-types', { name: 'order.paid', example: { order: 1 } })).status, 201);
  const created = await call<{ id: string }>('POST', '/v1/tenants/acme/webhooks', { url: `${receiver.url}/hook`, events: ['order.paid'], description: 'kept by the backup' });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  for (let n = 1; n <= BEFORE; n++) {
    assert.equal((await call('POST', '/v1/tenants/acme/events', { type: 'order.paid', id: `before-${n}`, data: { order: n } })).status, 202);
  }
  const delivered = await waitFor('the first events to be delivered', async () => {
    const all = await deliveries(call);
    return all.size === BEFORE && [...all.values()].every((d) => d.status === 'succeeded') && all;
  }, 20_000);
  assert.equal(receiver.received.length, BEFORE);
  const webhook = (await call<Record<string, unknown>>('GET', `/v1/tenants/acme/webhooks/${created.body.id}`)).body;
  const secret = (await call('GET', `/v1/tenants/acme/webhooks/${created.body.id}/secret`)).body;
  const first = [...delivered.keys()][0]!;
  const detail = (await call<Detail>('GET', `/v1/tenants/acme/deliveries/${first}`)).body;
  assert.equal(detail.attempts[0]?.response?.status, 200);
  return { webhook, secret, delivered, detail };
}

/** Sends events until `stop()` resolves it: the copy is taken while they arrive. */
function keepSending(call: Call): { stop(): Promise<number> } {
  let going = true;
  let sent = 0;
  const loop = (async () => {
    while (going) {
      const res = await call('POST', '/v1/tenants/acme/events', { type: 'order.paid', id: `during-${sent}`, data: { order: 1000 + sent } });
      assert.equal(res.status, 202);
      sent++;
    }
  })();
  return { stop: async () => { going = false; await loop; return sent; } };
}

/** The restored Relais gives back what was there before the copy, and delivers again. */
async function readBack(call: Call, receiver: Receiver, was: Before, restored: Map<string, Delivery>): Promise<void> {
  const webhookId = was.webhook.id as string;
  // All but its health, whose recent attempts count the deliveries made after `was` was read.
  const { health: _then, ...webhook } = was.webhook;
  const { health: _now, ...restoredWebhook } = (await call<Record<string, unknown>>('GET', `/v1/tenants/acme/webhooks/${webhookId}`)).body;
  assert.deepEqual(restoredWebhook, webhook);
  assert.deepEqual((await call('GET', `/v1/tenants/acme/webhooks/${webhookId}/secret`)).body, was.secret, 'the secret, sealed under RELAIS_ENCRYPTION_KEY, opens');
  for (const [id, d] of was.delivered) {
    const back = restored.get(id);
    assert.ok(back, `delivery ${id}, made before the copy, is restored`);
    assert.deepEqual({ status: back.status, attempt_count: back.attempt_count, last_status_code: back.last_status_code, event_id: back.event_id },
      { status: 'succeeded', attempt_count: d.attempt_count, last_status_code: 200, event_id: d.event_id });
  }
  const detail = (await call<Detail>('GET', `/v1/tenants/acme/deliveries/${was.detail.id}`)).body;
  assert.deepEqual(detail.event, was.detail.event);
  assert.deepEqual(detail.attempts, was.detail.attempts);

  const already = receiver.received.length;
  assert.equal((await call('POST', '/v1/tenants/acme/events', { type: 'order.paid', id: 'after-restore', data: { order: -1 } })).status, 202);
  await waitFor('a delivery from the restored database', () => receiver.received.slice(already).some((r) => r.body.includes('"order":-1')) || undefined, 20_000);
}

/** SIGTERM, as systemd stops it: a clean exit. */
async function stop(child: Child): Promise<void> {
  child.proc.kill('SIGTERM');
  assert.equal(await exitWithin(child, 20_000), 0, child.output());
}

describe('backup and restore: sqlite (relais backup, online)', () => {
  let fixture: EngineFixture;
  let receiver: Receiver;
  let server: Child | undefined;
  let env: Record<string, string>;

  before(async () => {
    fixture = await makeEngine('sqlite');
    receiver = await startReceiver();
    env = testEnv(fixture, { DATABASE_URL: '', RELAIS_ENCRYPTION_KEY: KEY, RELAIS_LOG_LEVEL: 'warn' });
  });
  after(async () => {
    await killChild(server);
    await receiver.close();
    await fixture.dispose();
  });

  it('copies the database while Relais runs; Relais on the copy gives back what was delivered', async (t) => {
    const dir = dirname(fixture.sqlitePath);
    const copy = join(dir, 'backup.db');
    server = await spawnRelais(env);
    let call = api(server);
    const was = await deliverSome(call, receiver);

    const sending = keepSending(call);
    await new Promise((r) => setTimeout(r, 100));
    const backedUp = await relais(['backup', copy], env);
    const sentDuring = await sending.stop();
    assert.equal(backedUp.code, 0, backedUp.stderr);
    assert.match(backedUp.stdout, new RegExp(`^backed up SQLite \\(${fixture.sqlitePath}\\) to ${copy}: \\d+ pages, \\d+ bytes, quick_check ok\\n$`));
    assert.ok(sentDuring > 0, 'events arrived while the copy was taken');
    assert.deepEqual(readdirSync(dir).filter((name) => name.includes('partial')), [], 'no partial file left');

    // The copy is a whole, valid database: every page checked, every foreign key held.
    const db = new BetterSqlite3(copy, { fileMustExist: true });
    let copied: Set<string>;
    try {
      assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
      assert.deepEqual(db.pragma('foreign_key_check'), []);
      copied = new Set((db.prepare('SELECT id FROM deliveries').all() as { id: string }[]).map((r) => r.id));
      const events = (db.prepare('SELECT count(*) AS n FROM events').get() as { n: number }).n;
      assert.ok(events >= BEFORE && events <= BEFORE + sentDuring, `${events} events in the copy`);
    } finally {
      db.close();
    }

    // Never over an existing file: the copy stays as it was.
    const size = statSync(copy).size;
    const again = await relais(['backup', copy], env);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /^relais: \S+backup\.db exists: `relais backup` never overwrites a file; name a new one\n$/);
    assert.equal(statSync(copy).size, size);

    // One more event after the copy: the live file moves on, the copy must not.
    assert.equal((await call('POST', '/v1/tenants/acme/events', { type: 'order.paid', id: 'after-copy', data: { order: 0 } })).status, 202);
    await stop(server);
    const latest = new Set((await rawRows<{ id: string }>(fixture, 'SELECT id FROM deliveries')).map((r) => r.id));
    assert.ok(latest.size > copied.size, 'the live database moved on after the copy');
    t.diagnostic(`${sentDuring} events sent during the backup; deliveries: ${copied.size} in the copy, ${latest.size} in the live file at stop`);

    // Restore as documented: Relais stopped, the copy over RELAIS_DB (its -wal and -shm removed).
    for (const suffix of ['', '-wal', '-shm']) rmSync(fixture.sqlitePath + suffix, { force: true });
    copyFileSync(copy, fixture.sqlitePath);
    server = await spawnRelais(env);
    call = api(server);
    const restored = await deliveries(call);
    assert.deepEqual(new Set(restored.keys()), copied, 'the restored database is the copy, not the live file');
    await readBack(call, receiver, was, restored);
    await stop(server);
  });

  it('refuses PostgreSQL (pg_dump\'s business) and a missing SQLite file, in one line', async () => {
    const dir = dirname(fixture.sqlitePath);
    const onPostgres = await relais(['backup', join(dir, 'pg.db')], { DATABASE_URL: 'postgres://relais:hunter2@127.0.0.1:5432/relais' });
    assert.equal(onPostgres.code, 2);
    assert.equal(onPostgres.stdout, '');
    assert.equal(onPostgres.stderr, 'relais: DATABASE_URL is set: `relais backup` copies the SQLite database only; back PostgreSQL up with `pg_dump -Fc` (docs/operations.md)\n');
    const missing = join(dir, 'missing.db');
    const none = await relais(['backup', join(dir, 'none.db')], { RELAIS_DB: missing });
    assert.equal(none.code, 2);
    assert.match(none.stderr, /^relais: RELAIS_DB: no SQLite database at \S+missing\.db;[^\n]*\n$/);
    assert.equal(existsSync(missing), false, 'no database made');
    assert.equal(existsSync(join(dir, 'none.db')), false);
    writeFileSync(join(dir, 'empty.db'), '');
    const notRelais = await relais(['backup', join(dir, 'none.db')], { RELAIS_DB: join(dir, 'empty.db') });
    assert.equal(notRelais.code, 1);
    assert.match(notRelais.stderr, /is not a Relais database/);
    assert.equal(existsSync(join(dir, 'none.db')), false);
  });
});

async function admin(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_BASE_URL });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

describe('backup and restore: postgres (pg_dump -Fc, pg_restore into a new database)', () => {
  let fixture: EngineFixture;
  let receiver: Receiver;
  let server: Child | undefined;
  const restoredName = `relais_t_${randomBytes(6).toString('hex')}_restored`;
  let dumpDir: string;

  before(async () => {
    fixture = await makeEngine('postgres');
    receiver = await startReceiver();
    dumpDir = dirname(fixture.sqlitePath);
  });
  after(async () => {
    await killChild(server);
    await receiver.close();
    await admin(`DROP DATABASE IF EXISTS ${restoredName} WITH (FORCE)`);
    await fixture.dispose();
  });

  it('dumps while Relais runs; Relais on the restored database gives back what was delivered', async (t) => {
    const env = testEnv(fixture, { RELAIS_ENCRYPTION_KEY: KEY, RELAIS_LOG_LEVEL: 'warn' });
    server = await spawnRelais(env);
    const was = await deliverSome(api(server), receiver);

    const dump = join(dumpDir, 'relais.dump');
    const sending = keepSending(api(server));
    await new Promise((r) => setTimeout(r, 100));
    const dumped = await command('pg_dump', ['--format=custom', `--file=${dump}`, `--dbname=${fixture.databaseUrl!}`]);
    const sentDuring = await sending.stop();
    assert.equal(dumped.code, 0, dumped.stderr);
    assert.ok(statSync(dump).size > 0);
    assert.ok(sentDuring > 0, 'events arrived while the dump was taken');
    await stop(server);
    const latest = new Set((await rawRows<{ id: string }>(fixture, 'SELECT id FROM deliveries')).map((r) => r.id));

    await admin(`CREATE DATABASE ${restoredName}`);
    const url = new URL(PG_BASE_URL);
    url.pathname = `/${restoredName}`;
    const restoredUrl = url.toString();
    const restoredRun = await command('pg_restore', ['--no-owner', '--exit-on-error', '--single-transaction', `--dbname=${restoredUrl}`, dump]);
    assert.equal(restoredRun.code, 0, restoredRun.stderr);
    assert.equal(restoredRun.stderr, '');

    server = await spawnRelais({ ...env, DATABASE_URL: restoredUrl });
    const call = api(server);
    const restored = await deliveries(call);
    for (const id of restored.keys()) assert.ok(latest.has(id), `restored delivery ${id} was in the live database`);
    t.diagnostic(`${sentDuring} events sent during pg_dump; deliveries: ${restored.size} restored, ${latest.size} in the live database at stop`);
    await readBack(call, receiver, was, restored);
    await stop(server);
  });
});
