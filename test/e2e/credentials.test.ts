// Credentials as operators expect them (issue 19, part 5): tenant tokens named, listed, revoked
// and expiring by default; the admin token stored hashed and shown once; secret header values
// sealed at rest, sent in clear, shown nowhere; the encryption key rotated by `relais rotate-key`.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { hashPlainAdminToken } from '../../src/store/migrations/0012-credentials.ts';
import { legacyKey, sealWith, secretBox } from '../../src/store/kysely/secrets.ts';
import { openStore } from '../../src/store/open.ts';
import { ENGINES, makeEngine, rawRows, type EngineFixture } from '../helpers/engines.ts';
import { startReceiver, type Receiver } from '../helpers/receiver.ts';
import { ADMIN_TOKEN, seed, startRelais, testEnv, type TestRelais } from '../helpers/relais.ts';
import { waitFor } from '../helpers/wait.ts';

const run = promisify(execFile);
const BIN = new URL('../../bin/relais.js', import.meta.url).pathname;
const DAY_MS = 86_400_000;

interface TokenInfo { id: string; name: string | null; last_chars: string | null; created_at: string; expires_at: string | null }
interface Attempt { request: { headers: Record<string, string> } }


async function lastAttempt(t: TestRelais, tenant: string, webhookId: string, count: number): Promise<Attempt> {
  return waitFor(`${count} deliveries of ${webhookId}`, async () => {
    const page = (await t.call<{ data: { id: string; status: string }[] }>('GET', `/v1/tenants/${tenant}/deliveries?webhook=${webhookId}`)).body;
    if (page.data.length < count || page.data.some((d) => d.status !== 'succeeded')) return undefined;
    const detail = await t.call<{ attempts: Attempt[] }>('GET', `/v1/tenants/${tenant}/deliveries/${page.data[0]!.id}`);
    return detail.body.attempts[0];
  });
}

for (const engine of ENGINES) {
  describe(`credentials: ${engine}`, () => {
    let t: TestRelais;
    let receiver: Receiver;
    before(async () => {
      t = await startRelais(engine, { RELAIS_TOKEN_TTL: '90d', RELAIS_ENCRYPTION_KEY: 'credentials-test-key' });
      receiver = await startReceiver();
      await t.call('POST', '/v1/tenants', { id: 'acme', name: 'Acme' });
      await t.call('POST', '/v1/tenants', { id: 'globex', name: 'Globex' });
    });
    after(async () => {
      await t.close();
      await receiver.close();
    });

    it('names tenant tokens, lists them without their values, and revokes them at once', async () => {
      const made = await t.call<{ id: string; token: string; name: string; expires_at: string }>('POST', '/v1/tenants/acme/tokens', { name: 'zapier' });
      assert.equal(made.status, 201);
      assert.equal(made.body.name, 'zapier');
      const ttl = Date.parse(made.body.expires_at) - Date.now();
      assert.ok(ttl > 90 * DAY_MS - 60_000 && ttl <= 90 * DAY_MS, `RELAIS_TOKEN_TTL applies when expires_in is absent, got ${ttl} ms`);
      const other = await t.call<{ id: string; token: string }>('POST', '/v1/tenants/acme/tokens', { expires_in: '1h' });
      assert.equal((await t.call('GET', '/v1/me', undefined, made.body.token)).status, 200);

      const listed = await t.call<{ data: TokenInfo[] }>('GET', '/v1/tenants/acme/tokens');
      assert.equal(listed.status, 200);
      assert.deepEqual(listed.body.data.map((x) => [x.id, x.name, x.last_chars]), [[other.body.id, null, other.body.token.slice(-4)], [made.body.id, 'zapier', made.body.token.slice(-4)]]);
      assert.equal(listed.body.data[1]!.expires_at, made.body.expires_at);
      assert.ok(!JSON.stringify(listed.body).includes(made.body.token.slice(0, 20)), 'no token value listed');
      assert.deepEqual((await t.call<{ data: TokenInfo[] }>('GET', '/v1/tenants/globex/tokens')).body.data, []);
      assert.equal((await t.call('GET', '/v1/tenants/acme/tokens', undefined, made.body.token)).status, 403, 'admin only');
      assert.equal((await t.call('DELETE', `/v1/tenants/acme/tokens/${other.body.id}`, undefined, made.body.token)).status, 403, 'admin only');

      assert.equal((await t.call('DELETE', `/v1/tenants/globex/tokens/${made.body.id}`)).status, 404, 'another tenant\'s token');
      assert.equal((await t.call('DELETE', `/v1/tenants/acme/tokens/${made.body.id}`)).status, 204);
      assert.equal((await t.call('GET', '/v1/tenants/acme', undefined, made.body.token)).status, 401, 'revoked: refused at once');
      assert.equal((await t.call('GET', '/v1/tenants/acme', undefined, other.body.token)).status, 200, 'the other token still works');
      assert.equal((await t.call('DELETE', `/v1/tenants/acme/tokens/${made.body.id}`)).status, 404);
      assert.deepEqual((await t.call<{ data: TokenInfo[] }>('GET', '/v1/tenants/acme/tokens')).body.data.map((x) => x.id), [other.body.id]);
    });

    it('refuses an expired token, and keeps sign-in links working', async () => {
      const short = await t.call<{ token: string }>('POST', '/v1/tenants/acme/tokens', { name: 'short', expires_in: '1s' });
      assert.equal((await t.call('GET', '/v1/tenants/acme', undefined, short.body.token)).status, 200);
      await new Promise((r) => setTimeout(r, 1_100));
      assert.equal((await t.call('GET', '/v1/tenants/acme', undefined, short.body.token)).status, 401);
      const link = await t.call<{ token: string }>('POST', '/v1/tenants/acme/page-links', {});
      assert.equal((await t.call('GET', '/v1/tenants/acme/webhooks', undefined, link.body.token)).status, 200);
    });

    it('seals secret header values at rest, sends them in clear, and shows them nowhere', async () => {
      await seed(t, `${receiver.url}/watch`, { tenant: 'acme', type: 'order.paid', webhook: { events: ['webhook.*'] } });
      const made = await t.call<{ id: string; headers: Record<string, string>; secret_headers: string[] }>('POST', '/v1/tenants/acme/webhooks', {
        url: `${receiver.url}/partner`, events: ['order.paid'],
        headers: { 'X-Partner': 'partner-s3cret-value', 'X-Auth-Key': 'authkey-value', 'X-Plain': 'plain-value' }, secret_headers: ['x-PARTNER'],
      });
      assert.equal(made.status, 201, JSON.stringify(made.body));
      assert.deepEqual(made.body.secret_headers, ['x-partner']);
      assert.deepEqual(made.body.headers, { 'X-Partner': '[redacted]', 'X-Auth-Key': '[redacted]', 'X-Plain': 'plain-value' });
      const [row] = await rawRows<{ headers: string }>(t.fixture, 'SELECT headers FROM webhooks WHERE id = $1', [made.body.id]);
      assert.ok(!row!.headers.includes('partner-s3cret-value'), `sealed at rest: ${row!.headers}`);

      await t.call('POST', '/v1/tenants/acme/events', { type: 'order.paid', data: { n: 1 } });
      const attempt = await lastAttempt(t, 'acme', made.body.id, 1);
      const got = receiver.received.find((r) => r.path === '/partner')!;
      assert.equal(got.headers['x-partner'], 'partner-s3cret-value', 'sent in clear');
      assert.equal(got.headers['x-auth-key'], 'authkey-value');
      assert.equal(attempt.request.headers['x-partner'], '[redacted]', 'not in the attempt record');
      assert.equal(attempt.request.headers['x-auth-key'], '[redacted]');
      assert.equal(attempt.request.headers['x-plain'], 'plain-value');
      assert.match(attempt.request.headers['webhook-signature'] ?? '', /^v1,/, 'our own signature stays shown');

      const preview = await t.call<{ request: { headers: Record<string, string> } }>('POST', `/v1/tenants/acme/webhooks/${made.body.id}/preview`, { event_type: 'order.paid' });
      assert.equal(preview.body.request.headers['x-partner'], '[redacted]');

      // Sent back as shown, a redacted value keeps the stored one.
      const patched = await t.call<{ headers: Record<string, string> }>('PATCH', `/v1/tenants/acme/webhooks/${made.body.id}`,
        { description: 'renamed', headers: { 'x-partner': '[redacted]', 'X-Auth-Key': '[redacted]', 'X-Plain': 'p2' } });
      assert.equal(patched.status, 200, JSON.stringify(patched.body));
      await t.call('POST', '/v1/tenants/acme/events', { type: 'order.paid', data: { n: 2 } });
      await lastAttempt(t, 'acme', made.body.id, 2);
      const second = receiver.received.filter((r) => r.path === '/partner')[1]!;
      assert.deepEqual([second.headers['x-partner'], second.headers['x-auth-key'], second.headers['x-plain']], ['partner-s3cret-value', 'authkey-value', 'p2']);

      const updated = await waitFor('webhook.updated', () => receiver.received.find((r) => r.path === '/watch' && r.body.includes('webhook.updated') && r.body.includes('renamed')));
      assert.match(updated.body, /"x-partner":"\[redacted\]"/);
      for (const r of receiver.received.filter((x) => x.path === '/watch')) {
        assert.ok(!r.body.includes('partner-s3cret-value') && !r.body.includes('authkey-value'), `lifecycle events show no secret: ${r.body}`);
      }

      const refused = await t.call<{ errors: { field: string }[] }>('POST', '/v1/tenants/acme/webhooks', { url: `${receiver.url}/x`, events: ['order.paid'], headers: { A: 'b' }, secret_headers: ['x-missing'] });
      assert.equal(refused.status, 422);
      assert.equal(refused.body.errors[0]?.field, 'secret_headers');
    });

    it('redacts headers named like credentials by default', async () => {
      const headers = { 'X-Auth': 'a', 'X-Auth-Key': 'b', 'X-Access-Key': 'c', 'X-Key': 'd', 'Api-Token': 'e', Cookie: 'f', 'X-Password': 'g', 'X-Version': '2' };
      const made = await t.call<{ headers: Record<string, string> }>('POST', '/v1/tenants/acme/webhooks', { url: `${receiver.url}/redact`, events: ['order.paid'], headers });
      assert.equal(made.status, 201, JSON.stringify(made.body));
      assert.deepEqual(made.body.headers, Object.fromEntries(Object.keys(headers).map((k) => [k, k === 'X-Version' ? '2' : '[redacted]'])));
    });
  });

  describe(`relais rotate-key: ${engine}`, () => {
    let fixture: EngineFixture;
    let receiver: Receiver;
    before(async () => {
      fixture = await makeEngine(engine);
      receiver = await startReceiver();
    });
    after(async () => {
      await receiver.close();
      await fixture.dispose();
    });

    it('re-seals every secret under the new key; values sealed the old SHA-256 way open too', async () => {
      const oldKey = 'rotate-key-A';
      const a = await startRelais(engine, { RELAIS_ENCRYPTION_KEY: oldKey }, fixture);
      let ids: string[];
      let brokerId = '';
      const brokerUrl = 'amqp://relais:rot-broker-s3cret@rabbit.example/?routing_key=q';
      const secrets: string[] = [];
      try {
        const { webhook } = await seed(a, `${receiver.url}/one`, { tenant: 'rot', type: 'rot.event', webhook: { headers: { 'X-Partner': 'rot-s3cret' }, secret_headers: ['x-partner'] } });
        const second = await a.call<{ id: string }>('POST', '/v1/tenants/rot/webhooks', { url: `${receiver.url}/two`, events: ['rot.event'] });
        ids = [webhook.id, second.body.id];
        // A broker URL's password is sealed too (migration 0016); this one hears no event.
        const broker = await a.call<{ id: string }>('POST', '/v1/tenants/rot/webhooks', { url: brokerUrl, events: ['broker.*'] });
        assert.equal(broker.status, 201, JSON.stringify(broker.body));
        brokerId = broker.body.id;
        // The second as an older Relais sealed it: SHA-256 of the passphrase, no key id.
        const legacySecret = 'whsec_plJ3nmyCDGBKInavdOK15jslplJ3nmyC';
        await rawRows(fixture, 'UPDATE webhooks SET secret = $1 WHERE id = $2', [`enc:v1:${sealWith(legacyKey(oldKey), legacySecret)}`, second.body.id]);
        for (const id of ids) secrets.push((await a.call<{ secret: string }>('GET', `/v1/tenants/rot/webhooks/${id}/secret`)).body.secret);
        assert.deepEqual(secrets, [webhook.secret, legacySecret], 'the old format opens');
      } finally {
        await a.close();
      }

      const env = { ...process.env, ...testEnv(fixture, { RELAIS_ENCRYPTION_KEY: oldKey, RELAIS_NEW_ENCRYPTION_KEY: 'rotate-key-B' }) };
      const out = await run(process.execPath, [BIN, 'rotate-key'], { env, timeout: 30_000 });
      const newId = secretBox('rotate-key-B').keyId!;
      assert.match(out.stdout, new RegExp(`re-sealed the secrets of 3 webhooks under key ${newId.replace(/[-]/g, '\\-')}`));
      const rows = await rawRows<{ secret: string; headers: string }>(fixture, 'SELECT secret, headers FROM webhooks ORDER BY id');
      for (const r of rows) assert.ok(r.secret.startsWith(`enc:v2:${newId}:`), r.secret);
      assert.ok(!rows.some((r) => r.headers.includes('rot-s3cret')), 'the header stays sealed');
      const [brokerRow] = await rawRows<{ url: string; url_password: string }>(fixture, 'SELECT url, url_password FROM webhooks WHERE id = $1', [brokerId]);
      assert.ok(brokerRow!.url_password.startsWith(`enc:v2:${newId}:`), brokerRow!.url_password);
      assert.equal(brokerRow!.url, 'amqp://relais:[redacted]@rabbit.example/?routing_key=q');

      const b = await startRelais(engine, { RELAIS_ENCRYPTION_KEY: 'rotate-key-B' }, fixture);
      try {
        for (const [i, id] of ids.entries()) assert.equal((await b.call<{ secret: string }>('GET', `/v1/tenants/rot/webhooks/${id}/secret`)).body.secret, secrets[i]);
        assert.equal((await b.relais.services.webhooks.get('rot', brokerId)).url, brokerUrl, 'the broker\'s password opens under the new key');
        await b.call('POST', '/v1/tenants/rot/events', { type: 'rot.event', data: { n: 1 } });
        const got = await waitFor('both deliveries', () => {
          const both = ['/one', '/two'].map((p) => receiver.received.find((r) => r.path === p));
          return both.every(Boolean) && both;
        });
        for (const [i, req] of got.entries()) {
          new StandardWebhook(secrets[i]!).verify(req!.body, {
            'webhook-id': String(req!.headers['webhook-id']), 'webhook-timestamp': String(req!.headers['webhook-timestamp']), 'webhook-signature': String(req!.headers['webhook-signature']),
          });
        }
        assert.equal(got[0]!.headers['x-partner'], 'rot-s3cret', 'the secret header still sent in clear');
      } finally {
        await b.close();
      }
      // The old key no longer opens them.
      const stale = openStore({ ...fixture, encryptionKey: oldKey });
      try {
        await assert.rejects(stale.webhooks.get('rot', ids[0]!), /sealed under key/);
      } finally {
        await stale.close();
      }
    });
  });
}

describe('admin token: stored hashed, shown once', () => {
  let fixture: EngineFixture;
  before(async () => {
    fixture = await makeEngine('sqlite');
  });
  after(() => fixture.dispose());

  /** Runs `relais serve` until it prints its banner, then stops it: the banner and the API's address. */
  async function serveOnce(env: NodeJS.ProcessEnv, whileUp: (url: string, banner: string) => Promise<void> = async () => {}): Promise<string> {
    const child = spawn(process.execPath, [BIN, 'serve'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString('utf8'); });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    try {
      const url = await waitFor('the banner', () => /Admin token:.*\n/.test(stdout) && /API and page:\s+(\S+)/.exec(stdout)?.[1], 20_000);
      await whileUp(url, stdout);
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
    return stdout;
  }

  const me = async (url: string, token: string) => (await fetch(`${url}/v1/me`, { headers: { authorization: `Bearer ${token}` } })).json() as Promise<{ role: string }>;

  it('prints a generated token once, stores only its hash, and never prints RELAIS_ADMIN_TOKEN', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, ...testEnv(fixture) };
    delete env.RELAIS_ADMIN_TOKEN;
    let token = '';
    const first = await serveOnce(env, async (url, banner) => {
      token = /Admin token:\s+(rls_adm_\S+)/.exec(banner)?.[1] ?? '';
      assert.ok(token, banner);
      assert.equal((await me(url, token)).role, 'admin');
    });
    assert.match(first, /save it, it will not be shown again/);
    const settings = await rawRows<{ key: string; value: string }>(fixture, 'SELECT key, value FROM relais_settings');
    assert.ok(!JSON.stringify(settings).includes(token), 'the token is not stored');
    assert.equal(settings.find((s) => s.key === 'admin_token_hash')?.value, createHash('sha256').update(token).digest('hex'));

    const second = await serveOnce(env, async (url) => assert.equal((await me(url, token)).role, 'admin', 'the saved token still works'));
    assert.doesNotMatch(second, /rls_adm_/);
    assert.match(second, /stored hashed/);

    const fromEnv = await serveOnce({ ...env, RELAIS_ADMIN_TOKEN: ADMIN_TOKEN });
    assert.ok(!fromEnv.includes(ADMIN_TOKEN), fromEnv);
    assert.match(fromEnv, /from RELAIS_ADMIN_TOKEN/);
  });

  it('turns a plain admin token stored by an older version into its hash', async () => {
    const old = await makeEngine('sqlite');
    try {
      const store = openStore({ ...old, encryptionKey: undefined });
      await store.migrate();
      await store.close();
      await rawRows(old, 'DELETE FROM relais_settings WHERE key = $1', ['admin_token_hash']);
      await rawRows(old, 'INSERT INTO relais_settings (key, value) VALUES ($1, $2)', ['admin_token', 'rls_adm_from_an_older_version']);
      const db = new Kysely<unknown>({ dialect: new SqliteDialect({ database: new BetterSqlite3(old.sqlitePath) }) });
      try {
        await hashPlainAdminToken(db);
      } finally {
        await db.destroy();
      }
      const settings = await rawRows<{ key: string; value: string }>(old, 'SELECT key, value FROM relais_settings');
      assert.ok(!JSON.stringify(settings).includes('rls_adm_from_an_older_version'));
      const t = await startRelais('sqlite', { RELAIS_ADMIN_TOKEN: '' }, old);
      try {
        assert.equal((await t.call<{ role: string }>('GET', '/v1/me', undefined, 'rls_adm_from_an_older_version')).body.role, 'admin');
        assert.deepEqual(await t.relais.services.auth.adminToken(), { source: 'stored' }, 'and not shown again');
      } finally {
        await t.close();
      }
    } finally {
      await old.dispose();
    }
  });
});
