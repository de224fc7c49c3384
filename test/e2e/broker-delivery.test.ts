// Broker destinations delivered and signed as HTTP ones are (issue 21, parts 2 to 4), end to end
// on both engines, against the machine's RabbitMQ, NATS JetStream, Redis and Mosquitto: each
// message carries the bytes an HTTP receiver would get, its Standard Webhooks headers travel in
// the broker's own metadata and verify with the unmodified `standardwebhooks` package; an attempt
// is one publish, the broker's confirmation its success; a refused connection, an unroutable
// message or a subject no stream captures is a failed attempt with its kind, retried on the
// schedule; resend, auto-disable (webhook.disabled and its email) and the SSRF guard apply.
// Every broker object (exchange, queue, stream, key, topic) is made here with a unique name and
// removed after.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { connect as tcpConnect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import amqp from 'amqplib';
import { connect as natsConnect } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { Redis } from 'ioredis';
import { connectAsync as mqttConnect } from 'mqtt';
import { Webhook } from 'standardwebhooks';
import { ENGINES } from '../helpers/engines.ts';
import { startReceiver, type Receiver } from '../helpers/receiver.ts';
import { startRelais, type TestRelais } from '../helpers/relais.ts';
import { startSmtp, type Mailbox } from '../helpers/smtp.ts';
import { TEST_SECRET } from '../helpers/webhooks.ts';
import { waitFor } from '../helpers/wait.ts';

const AMQP = 'amqp://guest:guest@127.0.0.1:5672/%2F';
const NATS = 'nats://127.0.0.1:4222';
const REDIS = 'redis://127.0.0.1:6379/0';
const MQTT = 'mqtt://127.0.0.1:1883';

const KINDS = ['amqp', 'nats', 'redis', 'mqtt'] as const;

function reachable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tcpConnect({ host: '127.0.0.1', port, timeout: 1_000 });
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => { socket.destroy(); resolve(false); });
  });
}
// As the publishers' own tests (src/destinations/*.test.ts): a broker down fails the suite under CI=true, skips it elsewhere.
const down = (await Promise.all([5672, 4222, 6379, 1883].map(async (port) => ((await reachable(port)) ? [] : [port])))).flat();
if (down.length > 0 && process.env.CI === 'true') throw new Error(`brokers not reachable on 127.0.0.1 ports ${down.join(', ')}: the broker delivery tests cannot run (CI=true fails rather than skips)`);
const skip = down.length > 0 ? `brokers not reachable on 127.0.0.1 ports ${down.join(', ')}: start RabbitMQ, NATS with JetStream, Redis and Mosquitto to run these tests` : false;
type Kind = (typeof KINDS)[number];

const token = (): string => randomBytes(5).toString('hex');
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Attempt {
  succeeded: boolean;
  started_at: string;
  request: { method: string; url: string; headers: Record<string, string>; body: string };
  response: { status: number; body: string } | null;
  error: { kind: string; message: string } | null;
}
interface Detail { id: string; message_id: string; webhook_id: string; status: string; attempt_count: number; origin: string; attempts: Attempt[] }
interface DeliveryRow { id: string; status: string; attempt_count: number; webhook_id: string }

/** One message as a consumer reads it: the body's bytes, and the headers rebuilt from the broker's metadata. */
interface Got { body: string; headers: Record<string, string>; contentType: string | undefined }

/** The broker side of a test: a URL for the webhook, what has arrived there, and its removal. */
interface Side { url: string; read(): Promise<Got[]>; close(): Promise<void> }

/** An exchange and a queue bound to a routing key; messages read from the queue as a consumer would. */
async function amqpSide(): Promise<Side> {
  const [exchange, queue, routingKey] = [`relais.e2e.${token()}`, `relais.e2e.q.${token()}`, `orders.${token()}`];
  const conn = await amqp.connect(AMQP);
  const ch = await conn.createChannel();
  await ch.assertExchange(exchange, 'direct', { durable: false });
  await ch.assertQueue(queue, { durable: false });
  await ch.bindQueue(queue, exchange, routingKey);
  const got: Got[] = [];
  await ch.consume(queue, (msg) => {
    if (!msg) return;
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(msg.properties.headers ?? {})) headers[name] = String(value);
    got.push({ body: msg.content.toString('utf8'), headers, contentType: msg.properties.contentType as string | undefined });
    ch.ack(msg);
  });
  return {
    url: `${AMQP}?exchange=${exchange}&routing_key=${routingKey}`,
    read: async () => got,
    close: async () => {
      await ch.deleteQueue(queue).catch(() => undefined);
      await ch.deleteExchange(exchange).catch(() => undefined);
      await conn.close().catch(() => undefined);
    },
  };
}

/** A JetStream stream capturing a unique subject; its messages read through an ordered consumer. */
async function natsSide(): Promise<Side> {
  const [stream, subject] = [`RELAIS_E2E_${token()}`, `relais.e2e.${token()}`];
  const nc = await natsConnect({ servers: NATS });
  const jsm = await jetstreamManager(nc);
  await jsm.streams.add({ name: stream, subjects: [subject] });
  const got: Got[] = [];
  const consumer = await jetstream(nc).consumers.get(stream);
  const messages = await consumer.consume();
  void (async () => {
    for await (const m of messages) {
      const headers: Record<string, string> = {};
      for (const name of m.headers?.keys() ?? []) headers[name.toLowerCase()] = m.headers!.get(name);
      got.push({ body: m.string(), headers, contentType: headers['content-type'] });
    }
  })();
  return {
    url: `${NATS}?subject=${subject}`,
    read: async () => got,
    close: async () => {
      await messages.close().catch(() => undefined);
      await jsm.streams.delete(stream).catch(() => undefined);
      await nc.close();
    },
  };
}

/** A unique stream key; its entries read with XRANGE, the fields beside `body` being the headers. */
async function redisSide(): Promise<Side> {
  const stream = `relais:e2e:${token()}`;
  const redis = new Redis(REDIS);
  return {
    url: `${REDIS}?stream=${stream}&maxlen=1000`,
    read: async () => (await redis.xrange(stream, '-', '+')).map(([, fields]) => {
      const headers: Record<string, string> = {};
      let body = '';
      for (let i = 0; i < fields.length; i += 2) {
        if (fields[i] === 'body') body = fields[i + 1]!;
        else headers[fields[i]!] = fields[i + 1]!;
      }
      return { body, headers, contentType: headers['content-type'] };
    }),
    close: async () => {
      await redis.del(stream);
      redis.disconnect();
    },
  };
}

/** An MQTT 5 subscriber on a unique topic; the headers are its user properties, plus the content type. */
async function mqttSide(): Promise<Side> {
  const topic = `relais/e2e/${token()}`;
  const client = await mqttConnect(MQTT, { protocolVersion: 5, clientId: `relais-e2e-${token()}` });
  const got: Got[] = [];
  client.on('message', (_topic, payload, packet) => {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(packet.properties?.userProperties ?? {})) headers[name] = Array.isArray(value) ? value.join(', ') : value;
    const contentType = packet.properties?.contentType;
    if (contentType) headers['content-type'] = contentType;
    got.push({ body: payload.toString('utf8'), headers, contentType });
  });
  await client.subscribeAsync(topic, { qos: 1 });
  return {
    url: `${MQTT}?topic=${topic}&qos=1`,
    read: async () => got,
    close: async () => { await client.endAsync(); },
  };
}

const SIDES: Record<Kind, () => Promise<Side>> = { amqp: amqpSide, nats: natsSide, redis: redisSide, mqtt: mqttSide };

/** What each broker's confirmation reads as, in the attempt's response body. */
const ACK: Record<Kind, RegExp> = {
  amqp: /^confirmed by RabbitMQ \(exchange "relais\.e2e\.\w+", routing key "orders\.\w+"\)$/,
  nats: /^stream RELAIS_E2E_\w+ seq \d+$/,
  redis: /^XADD relais:e2e:\w+ \d+-\d+$/,
  mqtt: /^PUBACK from the broker \(topic relais\/e2e\/\w+, QoS 1\)$/,
};

/** The Standard Webhooks check a consumer makes, with nothing but the package and the metadata. */
function verify(secret: string, got: Got): unknown {
  return new Webhook(secret).verify(got.body, got.headers);
}

for (const engine of ENGINES) {
  describe(`broker delivery: ${engine}`, { skip }, () => {
    let t: TestRelais;
    let receiver: Receiver;
    let smtp: Mailbox;
    before(async () => {
      smtp = await startSmtp();
      receiver = await startReceiver();
      // Disabled after 3 failed attempts in a row (the auto-disable test; the others opt out with auto_disable: false).
      t = await startRelais(engine, {
        RELAIS_RETRY_SCHEDULE: '0,150ms,150ms', RELAIS_DISABLE_AFTER_FAILURES: '3', RELAIS_DISABLE_AFTER: '0',
        RELAIS_SMTP_URL: smtp.url, RELAIS_MAIL_FROM: 'relais@product.test',
      });
    });
    after(async () => {
      await t.close();
      await receiver.close();
      await smtp.close();
    });

    async function tenant(id: string, type: string, extra: Record<string, unknown> = {}): Promise<void> {
      assert.equal((await t.call('POST', '/v1/tenants', { id, name: id, ...extra })).status, 201);
      assert.ok([200, 201].includes((await t.call('POST', '/v1/event-types', { name: type, example: { order: 1 } })).status));
    }
    async function webhook(tenantId: string, body: Record<string, unknown>): Promise<string> {
      const res = await t.call<{ id: string }>('POST', `/v1/tenants/${tenantId}/webhooks`, { secret: TEST_SECRET, ...body });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      return res.body.id;
    }
    async function send(tenantId: string, type: string, data: unknown): Promise<number> {
      const res = await t.call<{ deliveries: number }>('POST', `/v1/tenants/${tenantId}/events`, { type, data });
      assert.equal(res.status, 202, JSON.stringify(res.body));
      return res.body.deliveries;
    }
    const detail = async (tenantId: string, id: string): Promise<Detail> => {
      const res = await t.call<Detail>('GET', `/v1/tenants/${tenantId}/deliveries/${id}`);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return res.body;
    };
    const deliveries = async (tenantId: string, query = ''): Promise<DeliveryRow[]> =>
      (await t.call<{ data: DeliveryRow[] }>('GET', `/v1/tenants/${tenantId}/deliveries?limit=200${query}`)).body.data;
    /** The webhook's one delivery, once it has the given status. */
    const settled = (tenantId: string, webhookId: string, status: string, timeoutMs = 10_000): Promise<Detail> =>
      waitFor(`the delivery ${status}`, async () => {
        const [d] = await deliveries(tenantId, `&webhook=${webhookId}`);
        return d?.status === status ? detail(tenantId, d.id) : undefined;
      }, timeoutMs);

    for (const kind of KINDS) {
      it(`${kind}: the audit and template bodies arrive as sent, signed, headers in the broker's metadata; the attempt is the broker's confirmation`, async () => {
        const side = await SIDES[kind]();
        try {
          const [tid, type] = [`ok-${kind}`, `${kind}.order`];
          await tenant(tid, type);
          const audit = await webhook(tid, { url: side.url, events: [type], format: 'audit', headers: { 'X-Tenant': tid, 'X-Api-Key': 'k-123' } });
          const templated = await webhook(tid, {
            url: side.url, events: [type], format: 'template', headers: { 'X-Tenant': tid },
            template: '{"order": {{ data.order }}, "note": {{ data.note | tojson }}, "kind": "templated"}',
          });
          const data = { order: 42, note: 'héllo ✓ "quoted"' };
          assert.equal(await send(tid, type, data), 2);

          const got = await waitFor(`two messages on ${kind}`, async () => { const g = await side.read(); return g.length >= 2 && g; });
          const seen = new Set<string>();
          for (const message of got) {
            const id = message.headers['webhook-id'];
            assert.ok(id, `webhook-id in the metadata: ${JSON.stringify(message.headers)}`);
            seen.add(id);
            const d = await waitFor('the delivery succeeded', async () => { const x = await detail(tid, id); return x.status === 'succeeded' && x; });
            assert.equal(d.attempt_count, 1);
            const [attempt] = d.attempts;
            assert.equal(attempt!.succeeded, true);
            assert.equal(attempt!.error, null);
            assert.equal(attempt!.response?.status, 200, 'a confirmation is recorded as a 200');
            assert.match(attempt!.response?.body ?? '', ACK[kind], 'the response body is the broker\'s acknowledgement');
            assert.equal(message.body, attempt!.request.body, 'the exact bytes the attempt recorded');
            assert.equal(attempt!.request.headers['webhook-id'], id);

            const verified = verify(TEST_SECRET, message) as Record<string, unknown>;
            assert.equal(message.contentType, 'application/json');
            assert.equal(message.headers['x-tenant'], tid, 'the webhook\'s own header');
            // Exactly the request's headers but HTTP's own user-agent (and JetStream's own message id).
            const names = ['content-type', 'webhook-id', 'webhook-signature', 'webhook-timestamp', 'x-tenant', ...(d.webhook_id === audit ? ['x-api-key'] : []), ...(kind === 'nats' ? ['nats-msg-id'] : [])];
            assert.deepEqual(Object.keys(message.headers).sort(), names.sort());
            if (kind === 'nats') assert.equal(message.headers['nats-msg-id'], id, 'JetStream de-duplicates on the webhook-id');
            assert.ok(message.headers['webhook-timestamp'] && message.headers['webhook-signature']?.startsWith('v1,'));
            if (d.webhook_id === templated) {
              assert.deepEqual(verified, { ...data, kind: 'templated' });
            } else {
              assert.equal(d.webhook_id, audit);
              assert.equal(verified.event, type, 'the audit envelope');
              assert.equal(verified.company_id, tid);
              assert.deepEqual(verified.data, data);
              // A secret-looking header goes to the broker as to a receiver, and is redacted in the log.
              assert.equal(message.headers['x-api-key'], 'k-123');
              assert.equal(attempt!.request.headers['x-api-key'], '[redacted]');
            }
            // Tampered with, it no longer verifies.
            assert.throws(() => verify(TEST_SECRET, { ...message, body: message.body.replace('42', '43') }));
          }
          assert.equal(seen.size, 2, 'one message per delivery');
          await pause(200);
          assert.equal((await side.read()).length, 2, 'each published once');
        } finally {
          await side.close();
        }
      });
    }

    it('amqp: a routing key no queue is bound to is a rejected attempt, retried on the schedule, then failed', async () => {
      const side = await amqpSide(); // declares the exchange; the webhook names another routing key
      try {
        const [tid, type] = ['unroutable', 'unroutable.event'];
        await tenant(tid, type);
        const url = side.url.replace(/routing_key=[^&]+/, `routing_key=nobody.${token()}`);
        const id = await webhook(tid, { url, events: [type], auto_disable: false });
        await send(tid, type, { n: 1 });
        const d = await settled(tid, id, 'failed');
        assert.equal(d.attempt_count, 3, 'the schedule 0,150ms,150ms');
        for (const a of d.attempts) {
          assert.equal(a.succeeded, false);
          assert.equal(a.response, null);
          assert.equal(a.error?.kind, 'rejected');
          assert.match(a.error?.message ?? '', /no queue is bound for routing key "nobody\.\w+".*returned the message \(312 NO_ROUTE\)/);
          assert.equal(a.request.headers['webhook-id'], d.id, 'every attempt is the same message');
        }
        const starts = d.attempts.map((a) => Date.parse(a.started_at)).sort((a, b) => a - b);
        // 150 ms jittered by at most ±10% (core/retry.ts): never sooner than 135 ms after the last start.
        for (let i = 1; i < starts.length; i++) assert.ok(starts[i]! - starts[i - 1]! >= 150 * 0.9, `retried after the schedule's 150 ms (±10%): ${starts.join(', ')}`);
        assert.equal((await side.read()).length, 0);
      } finally {
        await side.close();
      }
    });

    it('nats: a subject no stream captures is a rejected attempt', async () => {
      const [tid, type] = ['nostream', 'nostream.event'];
      await tenant(tid, type);
      const id = await webhook(tid, { url: `${NATS}?subject=relais.nostream.${token()}`, events: [type], retry: { mode: 'none' }, auto_disable: false });
      await send(tid, type, { n: 1 });
      const d = await settled(tid, id, 'failed');
      assert.equal(d.attempt_count, 1);
      assert.equal(d.attempts[0]!.error?.kind, 'rejected');
      assert.match(d.attempts[0]!.error?.message ?? '', /no JetStream stream captures subject "relais\.nostream\.\w+"/);
    });

    it('redis: a refused connection is a connection_refused attempt; pointed at the real Redis, the retry succeeds', async () => {
      const side = await redisSide();
      try {
        const [tid, type] = ['refused', 'refused.event'];
        await tenant(tid, type);
        const stream = new URL(side.url).searchParams.get('stream')!;
        const id = await webhook(tid, { url: `redis://127.0.0.1:1/0?stream=${stream}`, events: [type], retry: { mode: 'custom', schedule: ['0', '2s'] }, auto_disable: false });
        await send(tid, type, { n: 7 });
        const first = await waitFor('the first attempt failed', async () => {
          const [d] = await deliveries(tid, `&webhook=${id}`);
          return d?.status === 'pending' && d.attempt_count === 1 && detail(tid, d.id);
        });
        assert.equal(first.attempts[0]!.error?.kind, 'connection_refused');
        assert.match(first.attempts[0]!.error?.message ?? '', /ECONNREFUSED|refused/);
        assert.equal((await t.call('PATCH', `/v1/tenants/${tid}/webhooks/${id}`, { url: side.url })).status, 200);
        const d = await settled(tid, id, 'succeeded');
        assert.equal(d.attempt_count, 2);
        const ok = d.attempts.find((a) => a.succeeded)!;
        assert.match(ok.response?.body ?? '', ACK.redis);
        const [message] = await side.read();
        assert.equal(message?.body, ok.request.body);
        assert.equal(message?.headers['webhook-id'], d.id);
        assert.deepEqual((verify(TEST_SECRET, message!) as { data: unknown }).data, { n: 7 });
      } finally {
        await side.close();
      }
    });

    it('redis: a resend publishes again with the same webhook-id, signed afresh', async () => {
      const side = await redisSide();
      try {
        const [tid, type] = ['resent', 'resent.event'];
        await tenant(tid, type);
        const id = await webhook(tid, { url: side.url, events: [type] });
        await send(tid, type, { n: 1 });
        const first = await settled(tid, id, 'succeeded');
        const res = await t.call<{ id: string; origin: string; message_id: string }>('POST', `/v1/tenants/${tid}/deliveries/${first.id}/resend`);
        assert.equal(res.status, 202, JSON.stringify(res.body));
        assert.equal(res.body.origin, 'resend');
        assert.notEqual(res.body.id, first.id, 'a delivery of its own');
        assert.equal(res.body.message_id, first.id);
        const again = await waitFor('the resend succeeded', async () => { const x = await detail(tid, res.body.id); return x.status === 'succeeded' && x; });
        const got = await waitFor('two entries', async () => { const g = await side.read(); return g.length === 2 && g; });
        assert.deepEqual(got.map((g) => g.headers['webhook-id']), [first.id, first.id], 'the first delivery\'s webhook-id, twice');
        assert.equal(got[1]!.body, again.attempts[0]!.request.body);
        assert.equal(again.attempts[0]!.request.headers['webhook-id'], first.id);
        assert.match(again.attempts[0]!.response?.body ?? '', ACK.redis);
        for (const g of got) verify(TEST_SECRET, g);
      } finally {
        await side.close();
      }
    });

    it('mqtt: a broker that keeps refusing disables the webhook as a failing receiver would: webhook.disabled, the email, the password redacted', async () => {
      const [tid, type] = ['down', 'down.event'];
      await tenant(tid, type, { notify_emails: ['ops@tenant.test'] });
      const sibling = await webhook(tid, { url: `${receiver.url}/watcher`, events: ['webhook.disabled'] });
      assert.ok(sibling);
      const id = await webhook(tid, { url: 'mqtt://relais:mqtt-pw-s3cret@127.0.0.1:1?topic=relais/down', events: [type], retry: { mode: 'none' } });
      for (let n = 1; n <= 3; n++) await send(tid, type, { n });
      const disabled = await waitFor('the webhook disabled', async () => {
        const w = (await t.call<{ enabled: boolean; disabled_reason: string | null; health: { consecutive_failures: number } }>('GET', `/v1/tenants/${tid}/webhooks/${id}`)).body;
        return !w.enabled && w;
      });
      assert.match(disabled.disabled_reason ?? '', /3 failed attempts in a row/);
      assert.ok(disabled.health.consecutive_failures >= 3);
      const failed = await deliveries(tid, `&webhook=${id}&status=failed`);
      assert.ok(failed.length >= 2);
      for (const row of failed) assert.equal((await detail(tid, row.id)).attempts[0]!.error?.kind, 'connection_refused');

      const notice = await waitFor('webhook.disabled at the sibling', () => receiver.received.find((r) => r.path === '/watcher'));
      const body = JSON.parse(notice.body) as { type: string; data: { id: string; url: string } };
      assert.equal(body.type, 'webhook.disabled');
      assert.equal(body.data.id, id);
      assert.equal(body.data.url, 'mqtt://relais:[redacted]@127.0.0.1:1?topic=relais/down');
      const mail = await waitFor('the email', () => smtp.messages.find((m) => m.text?.includes(id)));
      assert.match(mail.subject ?? '', /Webhook disabled: mqtt:\/\/relais:\[redacted\]@127\.0\.0\.1:1\?topic=relais\/down/);
      assert.match(mail.text ?? '', /3 failed attempts in a row/);
      assert.ok(!JSON.stringify(mail).includes('mqtt-pw-s3cret') && !notice.body.includes('mqtt-pw-s3cret'), 'the password is in neither');
    });

    it('the SSRF guard: a Relais not allowed loopback blocks every broker there, and nothing is published', async () => {
      const guarded = await startRelais(engine, { RELAIS_ALLOW_TARGETS: '', RELAIS_RETRY_SCHEDULE: '0' });
      const sides = await Promise.all(KINDS.map((k) => SIDES[k]()));
      try {
        await guarded.call('POST', '/v1/tenants', { id: 'ssrf', name: 'ssrf' });
        await guarded.call('POST', '/v1/event-types', { name: 'ssrf.event' });
        const ids: string[] = [];
        for (const side of sides) {
          const res = await guarded.call<{ id: string }>('POST', '/v1/tenants/ssrf/webhooks', { url: side.url, events: ['ssrf.event'], secret: TEST_SECRET });
          assert.equal(res.status, 201, JSON.stringify(res.body));
          ids.push(res.body.id);
        }
        // By name too: localhost resolves to loopback.
        const byName = await guarded.call<{ id: string }>('POST', '/v1/tenants/ssrf/webhooks', { url: sides[2]!.url.replace('127.0.0.1', 'localhost'), events: ['ssrf.event'], secret: TEST_SECRET });
        assert.equal(byName.status, 201);
        ids.push(byName.body.id);
        await guarded.call('POST', '/v1/tenants/ssrf/events', { type: 'ssrf.event', data: {} });
        for (const id of ids) {
          const d = await waitFor('the failed delivery', async () => {
            const [row] = (await guarded.call<{ data: DeliveryRow[] }>('GET', `/v1/tenants/ssrf/deliveries?webhook=${id}`)).body.data;
            return row?.status === 'failed' && (await guarded.call<Detail>('GET', `/v1/tenants/ssrf/deliveries/${row.id}`)).body;
          });
          assert.equal(d.attempts[0]!.error?.kind, 'blocked', JSON.stringify(d.attempts[0]));
          assert.match(d.attempts[0]!.error?.message ?? '', /RELAIS_ALLOW_TARGETS/);
        }
        await pause(200);
        for (const side of sides) assert.equal((await side.read()).length, 0, `nothing reached ${side.url}`);
      } finally {
        await Promise.all(sides.map((s) => s.close()));
        await guarded.close();
      }
    });
  });
}
