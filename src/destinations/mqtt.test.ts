// The MQTT 5 publisher against the machine's Mosquitto (127.0.0.1:1883, anonymous): a message
// signed as Relais signs it reaches a subscriber that verifies it with the Standard Webhooks library
// (headers from the user properties); QoS 0, 1 and 2; refusals (PUBACK, CONNACK), a closed port,
// the SSRF guard, timeouts, shutdown, pooling. Without a broker these tests skip, except under
// CI=true, where they fail.
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { connect as connectTcp, createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { connectAsync, type IPublishPacket, type MqttClient } from 'mqtt';
import { Webhook } from 'standardwebhooks';
import { parseBrokerUrl, type BrokerDestination } from '../core/destinations.ts';
import { buildRequest } from '../core/request.ts';
import { secretFromBytes } from '../core/signing.ts';
import { parseCidrs, resolveAllowed } from '../dispatcher/ssrf.ts';
import { createMqttPublisher, type MqttPublisher } from './mqtt.ts';
import { PublishError, type BrokerMessage, type PublishOptions } from './publisher.ts';

const HOST = '127.0.0.1';
const PORT = 1883;

function reachable(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connectTcp({ host, port, timeout: 1_000 });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

const down = (await reachable(HOST, PORT)) ? undefined : `no MQTT broker at ${HOST}:${PORT} (apt-get install mosquitto): the MQTT publisher's tests skip`;
if (down && process.env.CI === 'true') throw new Error(`no MQTT broker at ${HOST}:${PORT}: the MQTT publisher cannot be tested under CI`);

// The SSRF guard as the dispatcher runs it, with the loopback allowed as RELAIS_ALLOW_TARGETS would.
const ALLOW = parseCidrs(['127.0.0.0/8']);
const resolve = (host: string): Promise<string> => resolveAllowed(host, ALLOW);
const opts = (extra: Partial<PublishOptions> = {}): PublishOptions => ({ timeoutMs: 3_000, resolve, ...extra });

function destination(url: string): BrokerDestination {
  const parsed = parseBrokerUrl(url);
  if ('problems' in parsed) throw new Error(JSON.stringify(parsed.problems));
  return parsed.destination;
}

const SECRET = secretFromBytes(randomBytes(32));

/** A message exactly as Relais makes one: buildRequest's signed request, its headers as the broker's metadata. */
function signedMessage(url: string, body: string): BrokerMessage {
  const req = buildRequest({
    webhook: { url, method: 'POST', headers: { 'X-Tenant': 'acme' }, signatureScheme: 'standard' },
    secrets: [SECRET],
    rendered: { contentType: 'application/json; charset=utf-8', body },
    msgId: `msg_${randomUUID()}`,
    timestampS: Math.floor(Date.now() / 1000),
  });
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) if (name !== 'user-agent') headers[name.toLowerCase()] = value;
  return { id: headers['webhook-id']!, body: req.body, contentType: headers['content-type']!, headers };
}

async function rejection(promise: Promise<unknown>): Promise<PublishError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof PublishError, `a PublishError, not ${String(err)}`);
    return err;
  }
  assert.fail('the publish succeeded');
}

const topic = (): string => `relais-test/${randomUUID()}`;

/** A subscriber on `t` (subscribed before anything is published), and the next message it receives. */
async function subscriber(t: string): Promise<{ client: MqttClient; next: () => Promise<{ payload: Buffer; packet: IPublishPacket }> }> {
  const client = await connectAsync({ host: HOST, port: PORT, protocolVersion: 5, clientId: `relais-test-${randomUUID()}`, reconnectPeriod: 0 });
  await client.subscribeAsync(t, { qos: 2 });
  const received: { payload: Buffer; packet: IPublishPacket }[] = [];
  const waiting: ((m: { payload: Buffer; packet: IPublishPacket }) => void)[] = [];
  client.on('message', (_topic, payload, packet) => {
    const m = { payload, packet };
    const w = waiting.shift();
    if (w) w(m);
    else received.push(m);
  });
  const next = (): Promise<{ payload: Buffer; packet: IPublishPacket }> => {
    const m = received.shift();
    if (m) return Promise.resolve(m);
    return new Promise((res, rej) => {
      const timer = setTimeout(() => rej(new Error(`no message on ${t} within 3 s`)), 3_000);
      waiting.push((got) => {
        clearTimeout(timer);
        res(got);
      });
    });
  };
  return { client, next };
}

/** The Standard Webhooks headers, as a subscriber rebuilds them from the MQTT 5 properties. */
function headersOf(packet: IPublishPacket): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(packet.properties?.userProperties ?? {})) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  if (packet.properties?.contentType) headers['content-type'] = packet.properties.contentType;
  return headers;
}

/** A TCP proxy to HOST:`port` whose connections can be cut, as a broker restart or a network fault would. */
async function proxyTo(port: number): Promise<{ port: number; cut: () => void; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connectTcp({ host: HOST, port });
    const end = (): void => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    sockets.add(client).add(upstream);
    client.pipe(upstream).pipe(client);
    for (const s of [client, upstream]) s.on('error', end).on('close', end);
  });
  await new Promise<void>((r) => server.listen(0, HOST, r));
  const cut = (): void => {
    for (const socket of sockets) socket.destroy();
  };
  return {
    port: (server.address() as { port: number }).port,
    cut,
    close: () => new Promise<void>((r) => {
      cut();
      server.close(() => r());
    }),
  };
}

/** Publishes until one succeeds (the client has reconnected by itself), within `withinMs`. */
async function untilPublished(publish: () => Promise<unknown>, withinMs: number): Promise<number> {
  const started = performance.now();
  for (;;) {
    try {
      await publish();
      return performance.now() - started;
    } catch (err) {
      if (performance.now() - started > withinMs) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

describe('MQTT 5 publisher', { skip: down }, () => {
  let publisher: MqttPublisher;

  before(() => {
    publisher = createMqttPublisher();
  });
  after(async () => {
    await publisher.close();
  });

  for (const qos of [1, 0, 2] as const) {
    test(`QoS ${qos}: a signed message reaches a subscriber that verifies it (body, content type, user properties)`, async () => {
      const t = topic();
      const sub = await subscriber(t);
      try {
        const url = `mqtt://${HOST}:${PORT}?topic=${encodeURIComponent(t)}&qos=${qos}`;
        const body = JSON.stringify({ type: 'invoice.paid', data: { customer: 'Müller ✓', amount: 4200, qos } });
        const message = signedMessage(url, body);
        const { ack } = await publisher.publish(destination(url), message, opts());
        assert.equal(ack, qos === 0 ? 'sent (QoS 0: no acknowledgement)' : `${qos === 1 ? 'PUBACK' : 'PUBCOMP'} from the broker (topic ${t}, QoS ${qos})`);

        const { payload, packet } = await sub.next();
        assert.ok(payload.equals(Buffer.from(body, 'utf8')), 'the body bytes as sent');
        assert.equal(packet.retain, false);
        assert.equal(packet.properties?.contentType, 'application/json; charset=utf-8');
        const props = packet.properties?.userProperties ?? {};
        assert.equal(props['webhook-id'], message.id);
        assert.equal(props['x-tenant'], 'acme', "the webhook's own header, lower-case");
        assert.ok(!('content-type' in props), 'the content type is its own property');
        assert.ok(!('user-agent' in props));
        assert.deepEqual(new Webhook(SECRET).verify(payload.toString('utf8'), headersOf(packet)), JSON.parse(body));
      } finally {
        await sub.client.endAsync();
      }
    });
  }

  test('the default QoS is 1: acknowledged by the broker', async () => {
    const t = topic();
    const url = `mqtt://${HOST}:${PORT}?topic=${encodeURIComponent(t)}`;
    const { ack } = await publisher.publish(destination(url), signedMessage(url, '{}'), opts());
    assert.equal(ack, `PUBACK from the broker (topic ${t}, QoS 1)`);
  });

  test('a PUBACK refusing the message (Mosquitto: clients may not publish to $SYS): rejected, with the reason', async () => {
    const url = `mqtt://${HOST}:${PORT}?topic=${encodeURIComponent('$SYS/relais-test')}&qos=1`;
    const err = await rejection(publisher.publish(destination(url), signedMessage(url, '{}'), opts()));
    assert.equal(err.kind, 'rejected');
    assert.match(err.message, /refused the message: Not authorized \(reason code 0x87\)/);
    // The connection is fine for the next message.
    const ok = `mqtt://${HOST}:${PORT}?topic=${encodeURIComponent(topic())}`;
    await publisher.publish(destination(ok), signedMessage(ok, '{}'), opts());
  });

  test('a closed port: connection_refused within the timeout, no unhandled error event', async () => {
    const p = createMqttPublisher();
    try {
      const url = `mqtt://${HOST}:1?topic=orders`;
      for (let i = 0; i < 3; i++) {
        const started = performance.now();
        const err = await rejection(p.publish(destination(url), signedMessage(url, '{}'), opts({ timeoutMs: 2_000 })));
        assert.equal(err.kind, 'connection_refused', err.message);
        assert.ok(performance.now() - started < 2_000);
      }
      assert.equal(p.connections(), 1, 'one client, reconnecting by itself');
    } finally {
      await p.close();
    }
  });

  test('an address the SSRF guard refuses: blocked, and no connection made', async () => {
    const p = createMqttPublisher();
    try {
      const url = `mqtt://${HOST}:${PORT}?topic=orders`;
      const strict = (host: string): Promise<string> => resolveAllowed(host, []); // no RELAIS_ALLOW_TARGETS: the loopback is refused
      const err = await rejection(p.publish(destination(url), signedMessage(url, '{}'), opts({ resolve: strict })));
      assert.equal(err.kind, 'blocked');
      assert.match(err.message, /RELAIS_ALLOW_TARGETS/);
      assert.equal(p.connections(), 0);
    } finally {
      await p.close();
    }
  });

  test('the client connects to the address resolve() gives, never to the name', async () => {
    const t = topic();
    const sub = await subscriber(t);
    try {
      const url = `mqtt://mqtt.invalid:${PORT}?topic=${encodeURIComponent(t)}`;
      const asked: string[] = [];
      const pinned = async (host: string): Promise<string> => {
        asked.push(host);
        return HOST;
      };
      await publisher.publish(destination(url), signedMessage(url, '{"pinned":true}'), opts({ resolve: pinned }));
      assert.deepEqual(asked, ['mqtt.invalid']);
      assert.equal((await sub.next()).payload.toString(), '{"pinned":true}');
    } finally {
      await sub.client.endAsync();
    }
  });

  describe('brokers of our own', () => {
    let server: Server;
    let port: number;
    let mode: 'silent' | 'refuse' = 'silent';
    const sockets = new Set<Socket>();
    before(async () => {
      server = createServer((socket) => {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
        socket.on('error', () => {});
        // An MQTT 5 CONNACK refusing the CONNECT: reason code 0x86, bad user name or password.
        if (mode === 'refuse') socket.once('data', () => socket.end(Buffer.from([0x20, 0x03, 0x00, 0x86, 0x00])));
      });
      await new Promise<void>((r) => server.listen(0, HOST, r));
      port = (server.address() as { port: number }).port;
    });
    after(async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((r) => server.close(r));
    });

    test('a CONNACK refusal (bad credentials): rejected, and the next publish tries afresh', async () => {
      mode = 'refuse';
      const p = createMqttPublisher();
      try {
        const url = `mqtt://relais:wrong@${HOST}:${port}?topic=orders`;
        for (let i = 0; i < 2; i++) {
          const started = performance.now();
          const err = await rejection(p.publish(destination(url), signedMessage(url, '{}'), opts()));
          assert.equal(err.kind, 'rejected');
          assert.match(err.message, /refused the connection: Bad User Name or Password \(reason code 0x86\)/);
          assert.ok(performance.now() - started < 2_000, 'at once, not at the timeout');
          assert.equal(p.connections(), 0, 'the refused client is not kept');
        }
      } finally {
        await p.close();
      }
    });

    test('a broker that never answers CONNECT: timeout, within the publish\'s own timeout', async () => {
      mode = 'silent';
      const p = createMqttPublisher();
      try {
        const url = `mqtt://${HOST}:${port}?topic=orders`;
        const started = performance.now();
        const err = await rejection(p.publish(destination(url), signedMessage(url, '{}'), opts({ timeoutMs: 300 })));
        const took = performance.now() - started;
        assert.equal(err.kind, 'timeout');
        assert.match(err.message, /300 ms connecting to the MQTT broker/);
        assert.ok(took >= 290 && took < 1_500, `${took} ms`);
      } finally {
        await p.close();
      }
    });

    test('shutdown: the abort ends a publish at once', async () => {
      mode = 'silent';
      const p = createMqttPublisher();
      try {
        const url = `mqtt://${HOST}:${port}?topic=orders`;
        const abort = new AbortController();
        setTimeout(() => abort.abort(), 50);
        const started = performance.now();
        const err = await rejection(p.publish(destination(url), signedMessage(url, '{}'), opts({ timeoutMs: 10_000, signal: abort.signal })));
        assert.equal(err.kind, 'network');
        assert.equal(err.message, 'aborted: Relais is shutting down');
        assert.ok(performance.now() - started < 1_000);
        const already = await rejection(p.publish(destination(url), signedMessage(url, '{}'), opts({ signal: abort.signal })));
        assert.equal(already.message, 'aborted: Relais is shutting down');
      } finally {
        await p.close();
      }
    });
  });

  test('a dropped connection: publishes fail at once meanwhile, and the client reconnects by itself', async () => {
    const proxy = await proxyTo(PORT);
    const p = createMqttPublisher();
    const t = topic();
    const sub = await subscriber(t);
    try {
      const url = `mqtt://${HOST}:${proxy.port}?topic=${encodeURIComponent(t)}`;
      await p.publish(destination(url), signedMessage(url, '{"n":1}'), opts());
      assert.equal((await sub.next()).payload.toString(), '{"n":1}');
      proxy.cut();
      await new Promise((r) => setTimeout(r, 50));
      for (const qos of [1, 0]) {
        const started = performance.now();
        const dest = destination(`${url}&qos=${qos}`);
        const err = await rejection(p.publish(dest, signedMessage(url, '{"lost":true}'), opts({ timeoutMs: 5_000 })));
        assert.equal(err.kind, 'connection_reset', err.message);
        assert.ok(performance.now() - started < 500, 'not queued until the reconnection');
      }
      await untilPublished(() => p.publish(destination(url), signedMessage(url, '{"n":2}'), opts()), 6_000);
      assert.equal(p.connections(), 1, 'the same client, reconnected');
      assert.equal((await sub.next()).payload.toString(), '{"n":2}', 'what failed was not sent later');
    } finally {
      await sub.client.endAsync();
      await p.close();
      await proxy.close();
    }
  });

  test('pooling: one client per connection identity, reused by every publish', async () => {
    const p = createMqttPublisher();
    try {
      const a = `mqtt://${HOST}:${PORT}?topic=${encodeURIComponent(topic())}&qos=1`;
      const b = `mqtt://${HOST}:${PORT}?topic=${encodeURIComponent(topic())}&qos=0`;
      await Promise.all(Array.from({ length: 20 }, (_, i) => p.publish(destination(i % 2 ? a : b), signedMessage(a, '{}'), opts())));
      for (let i = 0; i < 5; i++) await p.publish(destination(a), signedMessage(a, '{}'), opts());
      assert.equal(p.connections(), 1, 'the topic and QoS are not part of the connection');

      const other = `mqtt://someone:secret@${HOST}:${PORT}?topic=${encodeURIComponent(topic())}`;
      await p.publish(destination(other), signedMessage(other, '{}'), opts());
      assert.equal(p.connections(), 2, 'other credentials, another client');

      await p.close();
      assert.equal(p.connections(), 0);
      const err = await rejection(p.publish(destination(a), signedMessage(a, '{}'), opts()));
      assert.equal(err.kind, 'network', 'closed: no new connection');
    } finally {
      await p.close();
    }
  });
});
