// examples/brokers/: the consumers integrators copy, one per broker (RabbitMQ, NATS JetStream,
// Redis Streams, MQTT 5), each run as they would run it (`node <broker>-consumer.mjs`, a process
// of its own, configured by its environment) against the machine's broker, fed by a real Relais:
// the delivered event is verified with the standardwebhooks package and printed; then a message
// published here with the client library, with the real headers of that delivery but a changed
// body, is refused (nacked, terminated, left pending, refused in the PUBACK) and not printed.
// A broker that is not reachable skips its suite, or fails it under CI=true.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { connect as tcpConnect } from 'node:net';
import { after, before, describe, it, type TestContext } from 'node:test';
import amqp from 'amqplib';
import { connect as natsConnect, headers as natsHeaders } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { Redis } from 'ioredis';
import { connectAsync as mqttConnect } from 'mqtt';
import { startRelais, type TestRelais } from '../helpers/relais.ts';
import { waitFor } from '../helpers/wait.ts';

const DIR = new URL('../../examples/brokers/', import.meta.url).pathname;
const SECRET = `whsec_${Buffer.from('relais examples: the broker consumers\' secret').toString('base64')}`;
const TYPE = 'invoice.paid';
const INVOICE = { invoice: 42, amount: '129.90', customer: 'Société Générale d\'Équipement', lines: [{ sku: 'A-1', qty: 2 }] };

const token = (): string => randomBytes(5).toString('hex');
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

function reachable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tcpConnect({ host: '127.0.0.1', port, timeout: 1_000 });
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => { socket.destroy(); resolve(false); });
  });
}

/** One example consumer as its own process: what it printed (stdout, one JSON line per verified message) and logged (stderr). */
interface Consumer { out(): string[]; err(): string; close(): Promise<void> }

async function startConsumer(file: string, env: Record<string, string>): Promise<Consumer> {
  const proc: ChildProcess = spawn(process.execPath, [file], { cwd: DIR, env: { ...process.env, ...env, WEBHOOK_SECRET: SECRET }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  proc.stdout!.on('data', (c: Buffer) => { out += c.toString('utf8'); });
  proc.stderr!.on('data', (c: Buffer) => { err += c.toString('utf8'); });
  const exited = new Promise<void>((resolve) => proc.on('exit', () => resolve()));
  await waitFor(`${file} consuming`, () => {
    if (proc.exitCode !== null) throw new Error(`${file} exited (${proc.exitCode}): ${err}`);
    return /^consuming /m.test(err);
  }, 15_000).catch((e: Error) => { proc.kill('SIGKILL'); throw new Error(`${e.message}\n${out}${err}`); });
  return {
    out: () => out.split('\n').filter(Boolean),
    err: () => err,
    async close() {
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill('SIGTERM');
        await Promise.race([exited, pause(5_000).then(() => proc.kill('SIGKILL'))]);
      }
    },
  };
}

/** The real headers of a delivery as the broker got them: the attempt log's, but HTTP's own user-agent. */
type Headers = Record<string, string>;

interface Broker {
  name: string;
  port: number;
  file: string;
  /** Makes the broker's objects; returns the webhook's URL, the consumer's environment, how to publish a message directly, and how to tidy up. */
  setUp(): Promise<{
    url: string;
    env: Record<string, string>;
    publish(body: string, headers: Headers): Promise<void>;
    /** What the broker shows of the refusal, checked after the consumer logged it. */
    refused?(): Promise<void>;
    close(): Promise<void>;
  }>;
}

const BROKERS: Broker[] = [
  {
    name: 'RabbitMQ (amqplib)', port: 5672, file: 'amqp-consumer.mjs',
    async setUp() {
      const base = 'amqp://guest:guest@127.0.0.1:5672/%2F';
      const [exchange, queue, routingKey] = [`relais.example.${token()}`, `relais.example.q.${token()}`, `invoices.${token()}`];
      const conn = await amqp.connect(base);
      const ch = await conn.createConfirmChannel();
      await ch.assertExchange(exchange, 'direct', { durable: false });
      await ch.assertQueue(queue, { durable: false });
      await ch.bindQueue(queue, exchange, routingKey);
      return {
        url: `${base}?exchange=${exchange}&routing_key=${routingKey}`,
        env: { AMQP_URL: base, AMQP_QUEUE: queue },
        async publish(body, headers) {
          ch.publish(exchange, routingKey, Buffer.from(body), { headers, contentType: headers['content-type'], messageId: headers['webhook-id'] });
          await ch.waitForConfirms();
        },
        async refused() {
          // Nacked without requeueing: not back in the queue, not waiting unacknowledged.
          await pause(200);
          assert.equal((await ch.checkQueue(queue)).messageCount, 0);
        },
        async close() {
          await ch.deleteQueue(queue).catch(() => undefined);
          await ch.deleteExchange(exchange).catch(() => undefined);
          await conn.close().catch(() => undefined);
        },
      };
    },
  },
  {
    name: 'NATS JetStream (@nats-io/jetstream)', port: 4222, file: 'nats-consumer.mjs',
    async setUp() {
      const [stream, subject] = [`RELAIS_EXAMPLE_${token()}`, `relais.example.${token()}`];
      const nc = await natsConnect({ servers: 'nats://127.0.0.1:4222' });
      const jsm = await jetstreamManager(nc);
      await jsm.streams.add({ name: stream, subjects: [subject] });
      return {
        url: `nats://127.0.0.1:4222?subject=${subject}`,
        env: { NATS_URL: 'nats://127.0.0.1:4222', NATS_STREAM: stream, NATS_CONSUMER: 'example-consumer' },
        async publish(body, headers) {
          const h = natsHeaders();
          for (const [name, value] of Object.entries(headers)) h.set(name, value);
          // No Nats-Msg-Id: with the delivery's webhook-id as its id, JetStream would drop it as a duplicate.
          await jetstream(nc).publish(subject, body, { headers: h });
        },
        async refused() {
          // Terminated: nothing left waiting for an acknowledgement, nothing to redeliver.
          await waitFor('the message terminated', async () => {
            const info = await jsm.consumers.info(stream, 'example-consumer');
            return info.num_ack_pending === 0 && info.num_pending === 0 && info.delivered.stream_seq === 2;
          });
        },
        async close() {
          await jsm.streams.delete(stream).catch(() => undefined);
          await nc.close();
        },
      };
    },
  },
  {
    name: 'Redis Streams (ioredis)', port: 6379, file: 'redis-consumer.mjs',
    async setUp() {
      const stream = `relais:example:${token()}`;
      const redis = new Redis('redis://127.0.0.1:6379/0');
      return {
        url: `redis://127.0.0.1:6379/0?stream=${stream}`,
        env: { REDIS_URL: 'redis://127.0.0.1:6379/0', REDIS_STREAM: stream, REDIS_GROUP: 'example' },
        async publish(body, headers) {
          await redis.xadd(stream, '*', 'body', body, ...Object.entries(headers).flat());
        },
        async refused() {
          // Left unacknowledged: the group's one pending entry.
          const [count] = (await redis.xpending(stream, 'example')) as [number];
          assert.equal(count, 1);
        },
        async close() {
          await redis.del(stream);
          redis.disconnect();
        },
      };
    },
  },
  {
    name: 'MQTT 5 (mqtt.js)', port: 1883, file: 'mqtt-consumer.mjs',
    async setUp() {
      const topic = `relais/example/${token()}`;
      const client = await mqttConnect('mqtt://127.0.0.1:1883', { protocolVersion: 5, clientId: `relais-example-test-${token()}` });
      return {
        url: `mqtt://127.0.0.1:1883?topic=${topic}&qos=1`,
        env: { MQTT_URL: 'mqtt://127.0.0.1:1883', MQTT_TOPIC: topic, MQTT_QOS: '1' },
        async publish(body, headers) {
          const { 'content-type': contentType, ...userProperties } = headers;
          await client.publishAsync(topic, body, { qos: 1, properties: { contentType: contentType ?? 'application/json', userProperties } });
        },
        async close() {
          await client.endAsync();
        },
      };
    },
  },
];

interface Printed { id: string; type: string | null; data: unknown }
interface Detail { id: string; status: string; attempts: { request: { headers: Headers; body: string }; response: { status: number; body: string } | null }[] }

let relais: TestRelais;
before(async () => {
  relais = await startRelais('sqlite');
  await relais.call('POST', '/v1/event-types', { name: TYPE, example: INVOICE });
});
after(async () => {
  await relais?.close();
});

for (const broker of BROKERS) {
  describe(`examples/brokers/${broker.file}: ${broker.name}`, () => {
    const TENANT = broker.file.replace('-consumer.mjs', ''); // a tenant per broker: each event reaches its webhook only
    let missing: string | undefined;
    let side: Awaited<ReturnType<Broker['setUp']>>;
    let consumer: Consumer;
    let delivered: Detail;
    before(async () => {
      if (!(await reachable(broker.port))) {
        missing = `${broker.name} is not reachable on 127.0.0.1:${broker.port}`;
        if (process.env.CI === 'true') throw new Error(`${missing}: the example cannot run`);
        return;
      }
      assert.equal((await relais.call('POST', '/v1/tenants', { id: TENANT, name: TENANT })).status, 201);
      side = await broker.setUp();
      consumer = await startConsumer(broker.file, side.env);
    });
    after(async () => {
      await consumer?.close();
      await side?.close();
    });
    const runs = (t: TestContext): boolean => (missing === undefined ? true : (t.skip(missing), false));

    it('prints the event Relais delivered, verified', async (t) => {
      if (!runs(t)) return;
      const made = await relais.call<{ id: string }>('POST', `/v1/tenants/${TENANT}/webhooks`, { url: side.url, events: [TYPE], secret: SECRET, headers: { 'X-Tenant': TENANT } });
      assert.equal(made.status, 201, JSON.stringify(made.body));
      const sent = await relais.call<{ deliveries: number }>('POST', `/v1/tenants/${TENANT}/events`, { type: TYPE, data: INVOICE });
      assert.equal(sent.body.deliveries, 1);
      const line = await waitFor('the consumer\'s line', () => consumer.out()[0], 15_000).catch((e: Error) => assert.fail(`${e.message}\n${consumer.err()}`));
      const printed = JSON.parse(line) as Printed;
      assert.equal(printed.type, TYPE);
      assert.deepEqual(printed.data, INVOICE);
      delivered = await waitFor('the delivery succeeded', async () => {
        const d = (await relais.call<Detail>('GET', `/v1/tenants/${TENANT}/deliveries/${printed.id}`)).body;
        return d.status === 'succeeded' && d;
      });
      assert.equal(delivered.id, printed.id, 'the id printed is the webhook-id, the delivery\'s');
      assert.equal(delivered.attempts[0]!.response?.status, 200);
      assert.doesNotMatch(consumer.err(), /rejected/);
    });

    it('refuses a message with the real headers and a changed body', async (t) => {
      if (!runs(t)) return;
      assert.ok(delivered, 'the delivery of the previous test');
      const { 'user-agent': _ua, ...headers } = delivered.attempts[0]!.request.headers;
      assert.ok(headers['webhook-signature']?.startsWith('v1,'));
      const tampered = delivered.attempts[0]!.request.body.replace('"129.90"', '"0.01"');
      assert.notEqual(tampered, delivered.attempts[0]!.request.body);
      await side.publish(tampered, headers);
      await waitFor('the refusal logged', () => new RegExp(`rejected ${delivered.id}\\b.*(No matching signature|signature)`).test(consumer.err()), 15_000)
        .catch((e: Error) => assert.fail(`${e.message}\nstderr: ${consumer.err()}\nstdout: ${consumer.out().join('\n')}`));
      await side.refused?.();
      await pause(100);
      assert.equal(consumer.out().length, 1, 'nothing more printed');
    });
  });
}
