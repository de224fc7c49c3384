// The RabbitMQ publisher against the machine's RabbitMQ (127.0.0.1:5672, guest/guest; AMQP_URL to
// point elsewhere). RabbitMQ being down fails the suite under CI=true and skips it elsewhere.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { connect as tcpConnect, createServer, type AddressInfo, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import amqp from 'amqplib';
import type { Channel, ChannelModel } from 'amqplib';
import { Webhook } from 'standardwebhooks';
import { parseBrokerUrl, type BrokerDestination } from '../core/destinations.ts';
import { buildRequest } from '../core/request.ts';
import { secretFromBytes } from '../core/signing.ts';
import { BlockedTargetError } from '../dispatcher/ssrf.ts';
import { startTarpit } from '../../test/helpers/tarpit.ts';
import { createAmqpPublisher } from './amqp.ts';
import { PublishError, type BrokerMessage, type PublishOptions } from './publisher.ts';

const BROKER = new URL(process.env.AMQP_URL || 'amqp://guest:guest@127.0.0.1:5672/');

function reachable(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tcpConnect({ host, port, timeout: 1_000 });
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => { socket.destroy(); resolve(false); });
  });
}

const up = await reachable(BROKER.hostname, Number(BROKER.port || 5672));
if (!up && process.env.CI === 'true') throw new Error(`RabbitMQ is not reachable at ${BROKER.host}: the AMQP publisher's tests cannot run (CI=true fails rather than skips)`);
const skip = up ? false : `RabbitMQ is not reachable at ${BROKER.host}: start it (or set AMQP_URL) to run these tests`;

/** A TCP proxy to the broker that can hold what the client sends (no confirm comes) and cut every connection. */
async function startProxy(host: string, port: number) {
  const pairs = new Set<[Socket, Socket]>();
  let holding = false;
  let accepted = 0;
  const server = createServer((client) => {
    accepted++;
    const upstream = tcpConnect({ host, port });
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    client.on('data', (chunk) => { if (!holding) upstream.write(chunk); });
    upstream.on('data', (chunk) => client.write(chunk));
    for (const s of pair) {
      s.on('error', () => {});
      s.on('close', () => { pairs.delete(pair); client.destroy(); upstream.destroy(); });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    accepted: () => accepted,
    hold: (on: boolean) => { holding = on; },
    cut: () => { for (const [a, b] of pairs) { a.destroy(); b.destroy(); } },
    close: () => new Promise<void>((resolve) => { for (const [a, b] of pairs) { a.destroy(); b.destroy(); } server.close(() => resolve()); }),
  };
}

const unique = (): string => `relais-test-${randomBytes(6).toString('hex')}`;

function destination(url: string): BrokerDestination {
  const parsed = parseBrokerUrl(url);
  if ('problems' in parsed) throw new Error(`bad test URL ${url}: ${JSON.stringify(parsed.problems)}`);
  return parsed.destination;
}

/** A message signed exactly as Relais signs an HTTP delivery, with the headers a broker gets. */
function signedMessage(secret: string, body = JSON.stringify({ type: 'order.created', data: { id: randomBytes(4).toString('hex') } })): BrokerMessage {
  const msgId = `msg_${randomBytes(8).toString('hex')}`;
  const req = buildRequest({
    webhook: { url: 'amqp://unused', method: 'POST', headers: { 'X-Tenant': 'acme' }, signatureScheme: 'standard' },
    secrets: [secret],
    rendered: { contentType: 'application/json', body },
    msgId,
    timestampS: Math.floor(Date.now() / 1000),
  });
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) if (name !== 'user-agent') headers[name] = value;
  return { id: msgId, body: req.body, contentType: headers['content-type']!, headers };
}

const allowAll = async (host: string): Promise<string> => host;
const opts = (over: Partial<PublishOptions> = {}): PublishOptions => ({ timeoutMs: 3_000, resolve: allowAll, ...over });

async function rejection(promise: Promise<unknown>): Promise<PublishError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof PublishError, `a PublishError, not ${String(err)}`);
    return err;
  }
  assert.fail('the publish succeeded');
}

describe('AMQP publisher', { skip }, () => {
  let admin: ChannelModel;
  let ch: Channel;
  const exchange = unique();
  const queue = unique();
  const routingKey = 'orders.created';
  const base = `amqp://${BROKER.username || 'guest'}:${BROKER.password || 'guest'}@${BROKER.hostname}:${BROKER.port || 5672}/`;
  const publisher = createAmqpPublisher();

  before(async () => {
    admin = await amqp.connect(BROKER.href);
    admin.on('error', () => {});
    ch = await admin.createChannel();
    await ch.assertExchange(exchange, 'direct', { durable: false, autoDelete: false });
    await ch.assertQueue(queue, { durable: false, exclusive: false, autoDelete: false });
    await ch.bindQueue(queue, exchange, routingKey);
  });

  after(async () => {
    await publisher.close();
    await ch.deleteQueue(queue).catch(() => {});
    await ch.deleteExchange(exchange).catch(() => {});
    await admin.close();
  });

  async function take(): Promise<amqp.GetMessage> {
    for (let i = 0; i < 50; i++) {
      const got = await ch.get(queue, { noAck: true });
      if (got) return got;
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.fail(`no message in ${queue}`);
  }

  it('publishes the signed body and headers, confirmed, and they verify as Standard Webhooks', async () => {
    const secret = secretFromBytes(randomBytes(32));
    const message = signedMessage(secret);
    const { ack } = await publisher.publish(destination(`${base}?exchange=${exchange}&routing_key=${routingKey}`), message, opts());
    assert.equal(ack, `confirmed by RabbitMQ (exchange "${exchange}", routing key "${routingKey}")`);

    const got = await take();
    assert.equal(got.content.toString('utf8'), message.body);
    assert.equal(got.properties.contentType, 'application/json');
    assert.equal(got.properties.messageId, message.id);
    assert.equal(got.properties.deliveryMode, 2);
    assert.equal(got.properties.timestamp, Number(message.headers['webhook-timestamp']));
    const headers = Object.fromEntries(Object.entries(got.properties.headers ?? {}).map(([k, v]) => [k, String(v)]));
    assert.equal(headers['x-tenant'], 'acme');
    assert.equal(headers['webhook-id'], message.id);
    assert.doesNotThrow(() => new Webhook(secret).verify(got.content, headers));
    assert.throws(() => new Webhook(secretFromBytes(randomBytes(32))).verify(got.content, headers));
  });

  it('publishes through the default exchange to a queue named by the routing key', async () => {
    const message = signedMessage(secretFromBytes(randomBytes(32)));
    const { ack } = await publisher.publish(destination(`${base}?routing_key=${queue}`), message, opts());
    assert.match(ack, /^confirmed by RabbitMQ \(exchange "", routing key "relais-test-/);
    assert.equal((await take()).properties.messageId, message.id);
  });

  it('pools one connection per connection identity, whatever the exchange and routing key', async () => {
    const before = publisher.connectionsOpened();
    const d = destination(`${base}?exchange=${exchange}&routing_key=${routingKey}`);
    await publisher.publish(d, signedMessage(secretFromBytes(randomBytes(32))), opts());
    await publisher.publish(d, signedMessage(secretFromBytes(randomBytes(32))), opts());
    await publisher.publish(destination(`${base}?routing_key=${queue}`), signedMessage(secretFromBytes(randomBytes(32))), opts());
    // Concurrent publishes share the connection being opened, too.
    await Promise.all([1, 2, 3].map(() => publisher.publish(d, signedMessage(secretFromBytes(randomBytes(32))), opts())));
    assert.equal(publisher.connectionsOpened(), before);
    assert.equal(publisher.connections(), 1);
    for (let i = 0; i < 6; i++) await take();
  });

  it('an unroutable routing key is a rejected attempt (basic.return), and the channel carries on', async () => {
    const err = await rejection(publisher.publish(destination(`${base}?exchange=${exchange}&routing_key=nobody.listens`), signedMessage(secretFromBytes(randomBytes(32))), opts()));
    assert.equal(err.kind, 'rejected');
    assert.match(err.message, new RegExp(`no queue is bound for routing key "nobody\\.listens" on exchange "${exchange}"`));
    const ok = await publisher.publish(destination(`${base}?exchange=${exchange}&routing_key=${routingKey}`), signedMessage(secretFromBytes(randomBytes(32))), opts());
    assert.match(ok.ack, /^confirmed by RabbitMQ/);
    await take();
  });

  it('a missing exchange is rejected with RabbitMQ\'s text; the next publish gets a new channel', async () => {
    const missing = unique();
    const d = destination(`${base}?exchange=${missing}&routing_key=${routingKey}`);
    const err = await rejection(publisher.publish(d, signedMessage(secretFromBytes(randomBytes(32))), opts()));
    assert.equal(err.kind, 'rejected');
    assert.match(err.message, /NOT_FOUND - no exchange/);
    assert.ok(err.message.includes(missing));
    // Again, several at once: the channel was closed by RabbitMQ, and is opened anew; each publish on it is rejected.
    const again = await Promise.all([1, 2, 3].map(() => rejection(publisher.publish(d, signedMessage(secretFromBytes(randomBytes(32))), opts()))));
    assert.deepEqual(again.map((e) => e.kind), ['rejected', 'rejected', 'rejected']);
    for (const e of again) assert.match(e.message, /NOT_FOUND - no exchange/);
    const opened = publisher.connectionsOpened();
    const ok = await publisher.publish(destination(`${base}?exchange=${exchange}&routing_key=${routingKey}`), signedMessage(secretFromBytes(randomBytes(32))), opts());
    assert.match(ok.ack, /^confirmed by RabbitMQ/);
    assert.equal(publisher.connectionsOpened(), opened, 'the connection survived the channel\'s close');
    await take();
    // Once the exchange exists, the same destination works on the same publisher.
    await ch.assertExchange(missing, 'direct', { durable: false });
    try {
      await ch.bindQueue(queue, missing, routingKey);
      assert.match((await publisher.publish(d, signedMessage(secretFromBytes(randomBytes(32))), opts())).ack, /^confirmed by RabbitMQ/);
      await take();
    } finally {
      await ch.deleteExchange(missing);
    }
  });

  it('a refused login is rejected', async () => {
    const err = await rejection(publisher.publish(destination(`amqp://guest:wrong-${unique()}@${BROKER.hostname}:${BROKER.port || 5672}/?routing_key=x`), signedMessage(secretFromBytes(randomBytes(32))), opts()));
    assert.equal(err.kind, 'rejected');
    assert.match(err.message, /refused the login of user "guest".*ACCESS_REFUSED/);
  });

  it('a missing vhost is rejected', async () => {
    const err = await rejection(publisher.publish(destination(`${base}${unique()}?routing_key=x`), signedMessage(secretFromBytes(randomBytes(32))), opts()));
    assert.equal(err.kind, 'rejected');
    assert.match(err.message, /vhost "relais-test-[0-9a-f]+" refused to open the virtual host/);
  });

  it('a closed port is connection_refused, and the failed connection is not pooled', async () => {
    const before = publisher.connections();
    const err = await rejection(publisher.publish(destination('amqp://guest:guest@127.0.0.1:1/?routing_key=x'), signedMessage(secretFromBytes(randomBytes(32))), opts()));
    assert.equal(err.kind, 'connection_refused');
    assert.equal(publisher.connections(), before);
  });

  it('connects to the address resolve() gives, never resolving the name itself', async () => {
    const asked: string[] = [];
    const resolve = async (host: string): Promise<string> => { asked.push(host); return BROKER.hostname; };
    const d = destination(`amqp://${BROKER.username || 'guest'}:${BROKER.password || 'guest'}@rabbit.invalid:${BROKER.port || 5672}/?exchange=${exchange}&routing_key=${routingKey}`);
    assert.match((await publisher.publish(d, signedMessage(secretFromBytes(randomBytes(32))), opts({ resolve }))).ack, /^confirmed/);
    assert.deepEqual(asked, ['rabbit.invalid']);
    await take();
  });

  it('a blocked target passes through as blocked', async () => {
    const resolve = async (): Promise<string> => { throw new BlockedTargetError('10.0.0.1'); };
    const err = await rejection(publisher.publish(destination('amqp://guest:guest@internal.example:5672/?routing_key=x'), signedMessage(secretFromBytes(randomBytes(32))), opts({ resolve })));
    assert.equal(err.kind, 'blocked');
    assert.match(err.message, /10\.0\.0\.1 is not a public unicast address/);
  });

  it('a broker that never answers is a timeout within timeoutMs', async () => {
    const tarpit = await startTarpit();
    try {
      const port = new URL(tarpit.url).port;
      const started = performance.now();
      const err = await rejection(publisher.publish(destination(`amqp://guest:guest@127.0.0.1:${port}/?routing_key=x`), signedMessage(secretFromBytes(randomBytes(32))), opts({ timeoutMs: 300 })));
      assert.equal(err.kind, 'timeout');
      assert.ok(performance.now() - started < 1_000);
    } finally {
      await tarpit.close();
    }
  });

  it('an abort gives up at once', async () => {
    const tarpit = await startTarpit();
    try {
      const port = new URL(tarpit.url).port;
      const abort = new AbortController();
      const started = performance.now();
      setTimeout(() => abort.abort(), 50);
      const err = await rejection(publisher.publish(destination(`amqp://guest:guest@127.0.0.1:${port}/?routing_key=x`), signedMessage(secretFromBytes(randomBytes(32))), opts({ timeoutMs: 5_000, signal: abort.signal })));
      assert.equal(err.kind, 'network');
      assert.equal(err.message, 'aborted: Relais is shutting down');
      assert.ok(performance.now() - started < 1_000);
    } finally {
      await tarpit.close();
    }
  });

  it('a connection lost mid-publish fails it as connection_reset; the next publish reconnects', async () => {
    const proxy = await startProxy(BROKER.hostname, Number(BROKER.port || 5672));
    const own = createAmqpPublisher();
    try {
      const d = destination(`amqp://${BROKER.username || 'guest'}:${BROKER.password || 'guest'}@127.0.0.1:${proxy.port}/?exchange=${exchange}&routing_key=${routingKey}`);
      await own.publish(d, signedMessage(secretFromBytes(randomBytes(32))), opts());
      await take();
      proxy.hold(true);
      const inFlight = own.publish(d, signedMessage(secretFromBytes(randomBytes(32))), opts());
      await new Promise((r) => setTimeout(r, 100));
      proxy.cut();
      const err = await rejection(inFlight);
      assert.equal(err.kind, 'connection_reset');
      assert.match(err.message, /closed before it confirmed the message/);
      assert.equal(own.connections(), 0, 'the broken connection left the pool');
      proxy.hold(false);
      assert.match((await own.publish(d, signedMessage(secretFromBytes(randomBytes(32))), opts())).ack, /^confirmed by RabbitMQ/);
      assert.equal(own.connectionsOpened(), 2);
      assert.equal(proxy.accepted(), 2);
      await take();
    } finally {
      await own.close();
      await proxy.close();
    }
  });

  it('close() closes the pooled connections; later publishes are refused', async () => {
    const own = createAmqpPublisher();
    await own.publish(destination(`${base}?exchange=${exchange}&routing_key=${routingKey}`), signedMessage(secretFromBytes(randomBytes(32))), opts());
    await take();
    assert.equal(own.connections(), 1);
    await own.close();
    assert.equal(own.connections(), 0);
    const err = await rejection(own.publish(destination(`${base}?routing_key=${queue}`), signedMessage(secretFromBytes(randomBytes(32))), opts()));
    assert.equal(err.message, 'aborted: Relais is shutting down');
  });
});
