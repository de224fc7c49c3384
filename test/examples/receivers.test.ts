// examples/: the receivers integrators copy (Node with the standardwebhooks package, Python with
// the standard library, PHP as HireHop's sample plus a signature check), each run as they would
// run it (a process of its own: node, python3, php -S) and fed by a real Relais. Between the two
// sits a tap that forwards every request untouched and keeps a copy, so that the tests can send
// the receiver the real headers again with a changed body, an old timestamp, and so on.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { frappeSignature, sign } from '../../src/core/signing.ts';
import { startReceiverProcess, type ReceiverProcess } from '../helpers/guides.ts';
import { startRelais, type TestRelais } from '../helpers/relais.ts';
import { waitFor } from '../helpers/wait.ts';

const EXAMPLES = new URL('../../examples/', import.meta.url).pathname;
const SECRET = `whsec_${Buffer.from('relais examples: the receiver secret').toString('base64')}`;
const ROTATED = `whsec_${Buffer.from('relais examples: the secret after rotation').toString('base64')}`;
const FRAPPE_SECRET = 'un secret Frappe, du texte quelconque';
const TENANT = 'acme';
const TYPE = 'invoice.paid';
const INVOICE = { invoice: 42, amount: '129.90', customer: 'Société Générale d\'Équipement', lines: [{ sku: 'A-1', qty: 2 }], note: null };

interface Written { id: string; type: string; timestamp: string; data: unknown }
interface Tapped { path: string; headers: Record<string, string>; body: string; status: number }

/** Forwards each request to `target()` as it came (headers that matter, body bytes) and keeps a copy with the answer's status. */
async function startTap(target: () => string): Promise<{ url: string; tapped: Tapped[]; close(): Promise<void> }> {
  const tapped: Tapped[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers)) {
        if (typeof value === 'string' && !['host', 'connection', 'content-length', 'transfer-encoding', 'keep-alive'].includes(name)) headers[name] = value;
      }
      fetch(target() + (req.url ?? '/'), { method: req.method ?? 'POST', headers, body })
        .then(async (answer) => {
          tapped.push({ path: req.url ?? '/', headers, body, status: answer.status });
          res.writeHead(answer.status).end(await answer.text());
        })
        .catch((err: Error) => res.writeHead(502).end(err.message));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    tapped,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

interface Example {
  name: string;
  dir: string;
  command: string;
  args: (port: number) => string[];
  install: string;
  /** Keeps the webhook-ids it handled: a replay is answered 204 but not handled again. */
  deduplicates: boolean;
}

const EXAMPLE_RECEIVERS: Example[] = [
  { name: 'Node (standardwebhooks)', dir: 'node', command: process.execPath, args: () => ['receiver.mjs'], install: 'Node.js', deduplicates: true },
  { name: 'Python (standard library)', dir: 'python', command: 'python3', args: () => ['receiver.py'], install: 'apt-get install python3', deduplicates: true },
  { name: 'PHP (php -S)', dir: 'php', command: 'php', args: (port) => ['-S', `127.0.0.1:${port}`, 'receiver.php'], install: 'apt-get install php-cli', deduplicates: false },
];

interface Suite {
  missing?: string;
  t: TestRelais;
  receiver: ReceiverProcess;
  tap: Awaited<ReturnType<typeof startTap>>;
  webhookId: string;
}

/** A Relais on SQLite, the example's receiver behind a tap, and a webhook to it. As the guides: a missing command fails under CI=true, skips elsewhere. */
function exampleSuite(example: Example, env: Record<string, string>, webhook: Record<string, unknown>): Suite {
  const suite = {} as Suite;
  before(async () => {
    if (spawnSync(example.command, ['--version'], { stdio: 'ignore' }).status !== 0) {
      const missing = `${example.command} is not installed (${example.install})`;
      if (process.env.CI === 'true') throw new Error(`${missing}: the ${example.name} example cannot run`);
      suite.missing = missing;
      return;
    }
    suite.receiver = await startReceiverProcess(example.command, example.args, join(EXAMPLES, example.dir), env);
    suite.tap = await startTap(() => suite.receiver.url);
    suite.t = await startRelais('sqlite');
    await suite.t.call('POST', '/v1/tenants', { id: TENANT, name: 'Acme' });
    await suite.t.call('POST', '/v1/event-types', { name: TYPE, example: INVOICE });
    const created = await suite.t.call<{ id: string }>('POST', `/v1/tenants/${TENANT}/webhooks`, { url: `${suite.tap.url}/webhooks/relais`, events: [TYPE], ...webhook });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    suite.webhookId = created.body.id;
  });
  after(async () => {
    await suite.t?.close();
    await suite.tap?.close();
    await suite.receiver?.close();
  });
  return suite;
}

function runs(suite: Suite, t: TestContext): boolean {
  if (suite.missing === undefined) return true;
  t.skip(suite.missing);
  return false;
}

async function send(suite: Suite, data: unknown): Promise<void> {
  const res = await suite.t.call<{ deliveries: number }>('POST', `/v1/tenants/${TENANT}/events`, { type: TYPE, data });
  assert.equal(res.status, 202, JSON.stringify(res.body));
  assert.equal(res.body.deliveries, 1);
}

/** Sends the receiver a request of our own, headers as given. */
const post = (suite: Suite, headers: Record<string, string>, body: string): Promise<number> =>
  fetch(`${suite.receiver.url}/webhooks/relais`, { method: 'POST', headers, body }).then(async (res) => { await res.arrayBuffer(); return res.status; });

const nowS = (): number => Math.floor(Date.now() / 1000);

for (const example of EXAMPLE_RECEIVERS) {
  describe(`examples: ${example.name} receiver`, () => {
    const suite = exampleSuite(example, { WEBHOOK_SECRET: SECRET }, { secret: SECRET });
    const written = (): Written[] => suite.receiver.entries<Written>();
    let real: Tapped;

    it('verifies a real delivery, answers 204 and writes the event down (id, type, data)', async (t) => {
      if (!runs(suite, t)) return;
      await send(suite, INVOICE);
      const [entry] = await waitFor('the verified event', () => written().length === 1 && written());
      real = (await waitFor('the tapped delivery', () => suite.tap.tapped[0]))!;
      assert.equal(real.status, 204, 'the receiver\'s answer, as Relais got it');
      assert.equal(entry!.id, real.headers['webhook-id'], 'the id is the webhook-id header, to de-duplicate on');
      assert.equal(entry!.type, TYPE);
      assert.deepEqual(entry!.data, INVOICE);
      assert.match(entry!.timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
      assert.equal(real.headers['webhook-signature']!.split(' ').length, 1, 'one secret, one signature');
      const delivered = await waitFor('the delivery marked succeeded', async () => {
        const list = await suite.t.call<{ data: { id: string; status: string }[] }>('GET', `/v1/tenants/${TENANT}/deliveries?webhook=${suite.webhookId}`);
        return list.body.data.length === 1 && list.body.data[0]!.status === 'succeeded' && list.body.data[0]!;
      });
      assert.equal(delivered.id, entry!.id, 'the delivery\'s id is the webhook-id');
    });

    it('refuses the real headers with a tampered body (401), and takes the genuine request back', async (t) => {
      if (!runs(suite, t)) return;
      const tampered = real.body.replace('"invoice":42', '"invoice":43');
      assert.notEqual(tampered, real.body);
      assert.equal(await post(suite, real.headers, tampered), 401);
      assert.equal(await post(suite, real.headers, `${real.body} `), 401, 'even one byte more');
      assert.equal(await post(suite, real.headers, real.body), 204, 'the same request, untouched, still checks out');
      assert.equal(written().length, example.deduplicates ? 1 : 2, example.deduplicates ? 'a webhook-id already handled is not handled again' : 'PHP example: no memory between requests');
    });

    it('refuses a stale or future timestamp (more than 5 minutes away), though correctly signed', async (t) => {
      if (!runs(suite, t)) return;
      const before = written().length;
      const signed = (id: string, timestampS: number): Record<string, string> => ({
        'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': String(timestampS),
        'webhook-signature': sign({ secret: SECRET, msgId: id, timestampS, body: real.body }),
      });
      assert.equal(await post(suite, { ...real.headers, 'webhook-timestamp': String(nowS() - 600) }, real.body), 401, 'the real headers, timestamp changed');
      assert.equal(await post(suite, signed('msg_stale', nowS() - 6 * 60), real.body), 401, '6 minutes old');
      assert.equal(await post(suite, signed('msg_future', nowS() + 6 * 60), real.body), 401, '6 minutes ahead');
      assert.equal(written().length, before, 'none written down');
      // The same signing with a current timestamp checks out: what was refused was the time.
      assert.equal(await post(suite, signed('msg_fresh', nowS() - 60), real.body), 204);
      assert.equal(written().at(-1)!.id, 'msg_fresh');
    });

    it('refuses a request without the signature headers (400) or with a wrong one (401)', async (t) => {
      if (!runs(suite, t)) return;
      const before = written().length;
      assert.equal(await post(suite, { 'content-type': 'application/json' }, real.body), 400);
      const { 'webhook-signature': _, ...unsigned } = real.headers;
      assert.equal(await post(suite, unsigned, real.body), 400);
      assert.equal(await post(suite, { ...real.headers, 'webhook-signature': 'v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=' }, real.body), 401);
      assert.equal(await post(suite, { ...real.headers, 'webhook-signature': real.headers['webhook-signature']!.replace('v1,', 'v2,') }, real.body), 401, 'only v1 signatures count');
      const other = `whsec_${Buffer.from('not the secret the receiver has, no').toString('base64')}`;
      const id = 'msg_other_secret';
      assert.equal(await post(suite, { ...real.headers, 'webhook-id': id, 'webhook-signature': sign({ secret: other, msgId: id, timestampS: Number(real.headers['webhook-timestamp']), body: real.body }) }, real.body), 401);
      assert.equal(written().length, before);
    });

    it('during a secret rotation, finds its signature among several (it still has the previous secret)', async (t) => {
      if (!runs(suite, t)) return;
      const rotated = await suite.t.call<{ secret: string }>('POST', `/v1/tenants/${TENANT}/webhooks/${suite.webhookId}/rotate-secret`, { secret: ROTATED });
      assert.equal(rotated.status, 200, JSON.stringify(rotated.body));
      const before = written().length;
      await send(suite, { ...INVOICE, invoice: 43 });
      const [entry] = await waitFor('the event signed twice', () => written().length === before + 1 && written().slice(before));
      // The receiver writes the event down before the tap has its answer: wait for the tap too.
      const delivery = await waitFor('the tapped delivery', () => suite.tap.tapped.find((x) => x.headers['webhook-id'] === entry!.id));
      assert.equal(delivery.status, 204);
      const signatures = delivery.headers['webhook-signature']!.split(' ');
      assert.equal(signatures.length, 2);
      const mine = sign({ secret: SECRET, msgId: entry!.id, timestampS: Number(delivery.headers['webhook-timestamp']), body: delivery.body });
      assert.equal(signatures.indexOf(mine), 1, 'the receiver\'s is the second signature: it looked past the first');
      assert.deepEqual(entry!.data, { ...INVOICE, invoice: 43 });
    });
  });
}

describe('examples: Python receiver, SIGNATURE_SCHEME=frappe', () => {
  const python = EXAMPLE_RECEIVERS.find((e) => e.dir === 'python')!;
  const suite = exampleSuite(python, { WEBHOOK_SECRET: FRAPPE_SECRET, SIGNATURE_SCHEME: 'frappe' }, { secret: FRAPPE_SECRET, signature_scheme: 'frappe' });

  it('checks X-Frappe-Webhook-Signature on a real delivery, refuses a tampered body', async (t) => {
    if (!runs(suite, t)) return;
    await send(suite, INVOICE);
    const [entry] = await waitFor('the verified event', () => suite.receiver.entries<Written>().length === 1 && suite.receiver.entries<Written>());
    const real = (await waitFor('the tapped delivery', () => suite.tap.tapped[0]))!;
    assert.equal(real.status, 204);
    assert.equal(real.headers['x-frappe-webhook-signature'], frappeSignature(FRAPPE_SECRET, real.body));
    assert.deepEqual([entry!.id, entry!.type, entry!.data], [real.headers['webhook-id'], TYPE, INVOICE]);
    assert.equal(await post(suite, real.headers, real.body.replace('"invoice":42', '"invoice":43')), 401);
    const { 'x-frappe-webhook-signature': _, ...unsigned } = real.headers;
    assert.equal(await post(suite, unsigned, real.body), 400);
    assert.equal(suite.receiver.entries<Written>().length, 1);
  });
});
