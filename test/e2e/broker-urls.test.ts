// A webhook's target may be a broker (issue 21, part 1): amqp(s), nats/tls, redis(s), mqtt(s)
// URLs are saved through the same API, each parameter checked at save and named in the 422; any
// other scheme is refused; a broker URL's password is sealed at rest (url_password, migration
// 0016), given whole to the dispatcher, and shown as [redacted] everywhere else.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ENGINES, rawRows } from '../helpers/engines.ts';
import { startReceiver, type Receiver } from '../helpers/receiver.ts';
import { ADMIN_TOKEN, startRelais, type TestRelais } from '../helpers/relais.ts';
import { waitFor } from '../helpers/wait.ts';

const KEY = 'broker-urls-test-key';
const NDJSON = 'application/x-ndjson';

/** Each accepted broker scheme, with the password (where it has one) and how the API shows it. */
const BROKERS: { url: string; password: string | null; shown: string }[] = [
  { url: 'amqp://relais:amqp-s3cret-1@rabbit.example:5672/prod?exchange=events&routing_key=orders.paid', password: 'amqp-s3cret-1', shown: 'amqp://relais:[redacted]@rabbit.example:5672/prod?exchange=events&routing_key=orders.paid' },
  { url: 'amqps://relais:amqps%40s3cret-2@rabbit.example/?routing_key=orders', password: 'amqps%40s3cret-2', shown: 'amqps://relais:[redacted]@rabbit.example/?routing_key=orders' },
  { url: 'nats://relais:nats-s3cret-3@nats.example:4222?subject=orders.paid', password: 'nats-s3cret-3', shown: 'nats://relais:[redacted]@nats.example:4222?subject=orders.paid' },
  { url: 'tls://relais:tls-s3cret-4@nats.example?subject=orders.paid', password: 'tls-s3cret-4', shown: 'tls://relais:[redacted]@nats.example?subject=orders.paid' },
  { url: 'redis://:redis-s3cret-5@redis.example:6379/0?stream=orders&maxlen=1000', password: 'redis-s3cret-5', shown: 'redis://:[redacted]@redis.example:6379/0?stream=orders&maxlen=1000' },
  { url: 'rediss://default:rediss-s3cret-6@redis.example/2?stream=orders', password: 'rediss-s3cret-6', shown: 'rediss://default:[redacted]@redis.example/2?stream=orders' },
  { url: 'mqtt://relais:mqtt-s3cret-7@mqtt.example:1883?topic=relais/orders&qos=1', password: 'mqtt-s3cret-7', shown: 'mqtt://relais:[redacted]@mqtt.example:1883?topic=relais/orders&qos=1' },
  { url: 'mqtts://mqtt.example?topic=relais/orders', password: null, shown: 'mqtts://mqtt.example?topic=relais/orders' },
];

interface WebhookOut { id: string; url: string; method: string }
interface Problem { status: number; errors: { field: string; message: string }[] }

for (const engine of ENGINES) {
  describe(`broker URLs: ${engine}`, () => {
    let t: TestRelais;
    let receiver: Receiver;
    const hooks = '/v1/tenants/acme/webhooks';
    before(async () => {
      t = await startRelais(engine, { RELAIS_ENCRYPTION_KEY: KEY });
      receiver = await startReceiver();
      await t.call('POST', '/v1/tenants', { id: 'acme', name: 'Acme' });
      await t.call('POST', '/v1/event-types', { name: 'order.paid', example: { order: 1 } });
      await t.call('POST', '/v1/event-types', { name: 'broker.attempt', example: { n: 1 } });
      // Hears the webhooks' lifecycle events (webhook.created, webhook.updated…).
      assert.equal((await t.call('POST', hooks, { url: `${receiver.url}/watch`, events: ['webhook.*'] })).status, 201);
    });
    after(async () => {
      await t.close();
      await receiver.close();
    });

    const create = (body: Record<string, unknown>) => t.call<WebhookOut & Problem>('POST', hooks, { events: ['order.paid'], ...body });
    const fullUrl = async (id: string): Promise<string> => (await t.relais.services.webhooks.get('acme', id)).url;
    const refusal = async (body: Record<string, unknown>, method = 'POST', path = hooks): Promise<{ field: string; message: string }[]> => {
      const res = await t.call<Problem>(method, path, method === 'POST' ? { events: ['order.paid'], ...body } : body);
      assert.equal(res.status, 422, `${JSON.stringify(body)} → ${res.status} ${JSON.stringify(res.body)}`);
      return res.body.errors;
    };

    it('saves each broker URL, shows its password redacted, and seals it at rest', async () => {
      const ids: string[] = [];
      for (const b of BROKERS) {
        const made = await create({ url: b.url });
        assert.equal(made.status, 201, `${b.url}: ${JSON.stringify(made.body)}`);
        assert.equal(made.body.url, b.shown);
        assert.equal(made.body.method, 'POST');
        ids.push(made.body.id);
        assert.equal((await t.call<WebhookOut>('GET', `${hooks}/${made.body.id}`)).body.url, b.shown);
        assert.equal(await fullUrl(made.body.id), b.url, 'the store gives the dispatcher the URL whole');

        const [row] = await rawRows<{ url: string; url_password: string | null }>(t.fixture, 'SELECT url, url_password FROM webhooks WHERE id = $1', [made.body.id]);
        assert.equal(row!.url, b.shown, 'the url column holds the URL as shown');
        if (b.password === null) assert.equal(row!.url_password, null);
        else assert.match(row!.url_password ?? '', /^enc:v2:/, 'the password is sealed');
      }
      const listed = await t.call<{ data: WebhookOut[] } | WebhookOut[]>('GET', hooks);
      const data = Array.isArray(listed.body) ? listed.body : listed.body.data;
      for (const [i, id] of ids.entries()) assert.equal(data.find((w) => w.id === id)?.url, BROKERS[i]!.shown);

      const table = JSON.stringify(await rawRows(t.fixture, 'SELECT * FROM webhooks'));
      for (const b of BROKERS) if (b.password) assert.ok(!table.includes(b.password) && !table.includes(decodeURIComponent(b.password)), `${b.password} is in no row`);
      const everything = JSON.stringify(data) + t.logs.join('\n');
      for (const b of BROKERS) if (b.password) assert.ok(!everything.includes(b.password), `${b.password} neither listed nor logged`);
    });

    it('names the parameter at fault, refuses other schemes, and still refuses credentials in an http(s) URL', async () => {
      const cases: [string, string][] = [
        ['amqp://rabbit.example/prod?exchange=events', 'url.routing_key'],
        ['amqp://rabbit.example?routing_key=a%20b', 'url.routing_key'],
        ['amqp://rabbit.example?routing_key=q&exchange=bad%20name', 'url.exchange'],
        ['amqp://rabbit.example?routing_key=q&queue=q', 'url.queue'],
        ['nats://nats.example', 'url.subject'],
        ['tls://nats.example?subject=orders.*', 'url.subject'],
        ['redis://redis.example?stream=s&maxlen=0', 'url.maxlen'],
        ['rediss://redis.example/0', 'url.stream'],
        ['redis://redis.example/16?stream=s', 'url'],
        ['mqtt://mqtt.example?topic=t&qos=3', 'url.qos'],
        ['mqtts://mqtt.example?topic=a/%23', 'url.topic'],
      ];
      for (const [url, field] of cases) {
        const errors = await refusal({ url });
        assert.deepEqual(errors.map((e) => e.field), [field], `${url}: ${JSON.stringify(errors)}`);
      }
      for (const url of ['ftp://example.com/x', 'ws://example.com/socket', 'wss://example.com/socket', 'kafka://example.com?topic=t', 'example.com/hook']) {
        const errors = await refusal({ url });
        assert.deepEqual(errors.map((e) => e.field), ['url'], url);
        assert.match(errors[0]!.message, /Invalid URL.*amqp.*mqtts/, url);
      }
      const creds = await refusal({ url: 'https://user:pw@example.com/x' });
      assert.deepEqual(creds.map((e) => e.field), ['url']);
      assert.match(creds[0]!.message, /credentials/);
      // And the page's preview of a draft checks as a save does.
      const draft = await t.call<Problem>('POST', `${hooks}/preview`, { webhook: { url: 'amqp://rabbit.example', events: ['order.paid'] } });
      assert.equal(draft.status, 422);
      assert.deepEqual(draft.body.errors.map((e) => e.field), ['webhook.url.routing_key']);
    });

    it('a broker URL is sent with POST and follows no redirects', async () => {
      const url = 'amqp://relais:pw-m@rabbit.example?routing_key=q';
      assert.deepEqual((await refusal({ url, method: 'GET' })).map((e) => e.field), ['method']);
      assert.deepEqual((await refusal({ url, method: 'PUT' })).map((e) => e.field), ['method']);
      assert.deepEqual((await refusal({ url, follow_redirects: true })).map((e) => e.field), ['follow_redirects']);
      const draft = await t.call<Problem>('POST', `${hooks}/preview`, { webhook: { url, events: ['order.paid'], method: 'GET' } });
      assert.deepEqual([draft.status, draft.body.errors.map((e) => e.field)], [422, ['webhook.method']]);

      const made = await create({ url, template: '{"order": {{ data.order }}}', format: 'template', headers: { 'X-Tenant': 'acme' } });
      assert.equal(made.status, 201, 'format, template and headers stay allowed');
      assert.deepEqual((await refusal({ method: 'GET' }, 'PATCH', `${hooks}/${made.body.id}`)).map((e) => e.field), ['method']);
      assert.deepEqual((await refusal({ follow_redirects: true }, 'PATCH', `${hooks}/${made.body.id}`)).map((e) => e.field), ['follow_redirects']);
      const http = await create({ url: `${receiver.url}/get`, method: 'GET' });
      assert.equal(http.status, 201);
      assert.deepEqual((await refusal({ url }, 'PATCH', `${hooks}/${http.body.id}`)).map((e) => e.field), ['method'], 'a GET webhook cannot move to a broker');
      assert.equal((await t.call('PATCH', `${hooks}/${http.body.id}`, { url, method: 'POST' })).status, 200, 'both together can');
    });

    it('a PATCH sending the redacted URL back keeps the password; a new password replaces it; lifecycle events show none', async () => {
      const url = 'amqp://relais:first-s3cret@rabbit.example:5672/prod?exchange=events&routing_key=orders';
      const shown = 'amqp://relais:[redacted]@rabbit.example:5672/prod?exchange=events&routing_key=orders';
      const made = await create({ url });
      assert.equal(made.status, 201);
      const path = `${hooks}/${made.body.id}`;

      const kept = await t.call<WebhookOut>('PATCH', path, { url: shown, description: 'kept-password' });
      assert.equal(kept.status, 200, JSON.stringify(kept.body));
      assert.equal(kept.body.url, shown);
      assert.equal(await fullUrl(made.body.id), url, 'the stored password is kept');
      // Percent-encoded as a URL parser writes it, too; another routing key keeps it as well.
      const moved = await t.call<WebhookOut>('PATCH', path, { url: shown.replace('[redacted]', '%5Bredacted%5D').replace('routing_key=orders', 'routing_key=orders.v2') });
      assert.equal(moved.status, 200, JSON.stringify(moved.body));
      assert.equal(await fullUrl(made.body.id), url.replace('routing_key=orders', 'routing_key=orders.v2'));

      // The stored password goes to the same user at the same broker only.
      for (const other of [shown.replace('rabbit.example', 'evil.example'), shown.replace('relais:', 'other:'), shown.replace('amqp://', 'amqps://'), shown.replace(':5672', ':5673')]) {
        assert.deepEqual((await refusal({ url: other }, 'PATCH', path)).map((e) => e.field), ['url'], other);
      }
      const none = await create({ url: `${receiver.url}/plain` });
      assert.deepEqual((await refusal({ url: shown }, 'PATCH', `${hooks}/${none.body.id}`)).map((e) => e.field), ['url'], 'no stored password to keep');

      const replaced = await t.call<WebhookOut>('PATCH', path, { url: url.replace('first-s3cret', 'second-s3cret'), description: 'new-password' });
      assert.equal(replaced.status, 200, JSON.stringify(replaced.body));
      assert.equal(replaced.body.url, shown);
      assert.equal(await fullUrl(made.body.id), url.replace('first-s3cret', 'second-s3cret'));
      const [row] = await rawRows<Record<string, unknown>>(t.fixture, 'SELECT * FROM webhooks WHERE id = $1', [made.body.id]);
      assert.ok(!JSON.stringify(row).includes('s3cret'), JSON.stringify(row));

      const preview = await t.call<{ request: { url: string } }>('POST', `${path}/preview`, { event_type: 'order.paid' });
      assert.equal(preview.status, 200, JSON.stringify(preview.body));
      assert.equal(preview.body.request.url, shown);
      const draft = await t.call<{ request: { url: string } }>('POST', `${hooks}/preview`, { webhook: { url: 'redis://:draft-s3cret@redis.example?stream=s', events: ['order.paid'] } });
      assert.equal(draft.status, 200, JSON.stringify(draft.body));
      assert.equal(draft.body.request.url, 'redis://:[redacted]@redis.example?stream=s');

      await waitFor('webhook.updated', () => receiver.received.find((r) => r.path === '/watch' && r.body.includes('webhook.updated') && r.body.includes('new-password')));
      const watched = receiver.received.filter((r) => r.path === '/watch');
      assert.ok(watched.some((r) => r.body.includes('webhook.created') && r.body.includes(JSON.stringify(shown).slice(1, -1))), 'webhook.created shows the redacted URL');
      for (const r of watched) assert.ok(!r.body.includes('s3cret'), `lifecycle events show no password: ${r.body}`);
      assert.ok(!t.logs.join('\n').includes('s3cret'), 'nor do the logs');
    });

    it('an attempt records the URL redacted, in the log and the NDJSON export', async () => {
      // Nothing listens on port 1: the publish fails, and is recorded.
      const url = 'amqp://relais:attempt-s3cret@127.0.0.1:1/?routing_key=orders';
      const made = await create({ url, events: ['broker.attempt'], retry: { mode: 'none' } });
      assert.equal(made.status, 201, JSON.stringify(made.body));
      await t.call('POST', '/v1/tenants/acme/events', { type: 'broker.attempt', data: { n: 1 } });
      const detail = await waitFor('the failed attempt', async () => {
        const page = (await t.call<{ data: { id: string; status: string }[] }>('GET', `/v1/tenants/acme/deliveries?webhook=${made.body.id}`)).body;
        const d = page.data[0];
        if (!d || d.status !== 'failed') return undefined;
        return (await t.call<{ attempts: { request: { url: string }; error: unknown }[] }>('GET', `/v1/tenants/acme/deliveries/${d.id}`)).body;
      }, 20_000);
      assert.equal(detail.attempts[0]!.request.url, 'amqp://relais:[redacted]@127.0.0.1:1/?routing_key=orders');
      assert.ok(!JSON.stringify(detail).includes('attempt-s3cret'), JSON.stringify(detail));
      const exported = await fetch(`${t.url}/v1/tenants/acme/deliveries?webhook=${made.body.id}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}`, accept: NDJSON } });
      const text = await exported.text();
      assert.equal(exported.status, 200);
      assert.match(text, /\[redacted\]@127\.0\.0\.1:1/);
      assert.ok(!text.includes('attempt-s3cret'), text);
      const [row] = await rawRows<{ request: string }>(t.fixture, 'SELECT request FROM attempts WHERE webhook_id = $1', [made.body.id]);
      assert.ok(row && !row.request.includes('attempt-s3cret'), row?.request);
      assert.ok(!t.logs.join('\n').includes('attempt-s3cret'), 'nor in the logs');
    });
  });

  describe(`broker URLs without RELAIS_ENCRYPTION_KEY: ${engine}`, () => {
    let t: TestRelais;
    before(async () => {
      t = await startRelais(engine);
      await t.call('POST', '/v1/tenants', { id: 'acme', name: 'Acme' });
      await t.call('POST', '/v1/event-types', { name: 'order.paid' });
    });
    after(() => t.close());

    it('keeps the password apart, plain as every secret is without a key, and the url column without it', async () => {
      const url = 'mqtt://relais:plain-s3cret@mqtt.example?topic=t';
      const made = await t.call<WebhookOut>('POST', '/v1/tenants/acme/webhooks', { url, events: ['order.paid'] });
      assert.equal(made.status, 201, JSON.stringify(made.body));
      assert.equal(made.body.url, 'mqtt://relais:[redacted]@mqtt.example?topic=t');
      const [row] = await rawRows<{ url: string; url_password: string | null }>(t.fixture, 'SELECT url, url_password FROM webhooks WHERE id = $1', [made.body.id]);
      assert.deepEqual(row, { url: 'mqtt://relais:[redacted]@mqtt.example?topic=t', url_password: 'plain-s3cret' });
      assert.equal((await t.relais.services.webhooks.get('acme', made.body.id)).url, url);
    });
  });
}
