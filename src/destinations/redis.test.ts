// The Redis Streams publisher against the machine's Redis (127.0.0.1:6379, no auth): a message
// signed as Relais signs it arrives as a stream entry a consumer verifies with the Standard
// Webhooks library; trimming, refusals, a closed port, the SSRF guard, timeouts, shutdown, pooling.
// Without a Redis these tests skip, except under CI=true, where they fail.
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { connect as connectTcp, createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { Webhook } from 'standardwebhooks';
import { parseBrokerUrl, type BrokerDestination } from '../core/destinations.ts';
import { buildRequest } from '../core/request.ts';
import { secretFromBytes } from '../core/signing.ts';
import { parseCidrs, resolveAllowed } from '../dispatcher/ssrf.ts';
import { PublishError, type BrokerMessage, type PublishOptions } from './publisher.ts';
import { createRedisPublisher, type RedisPublisher } from './redis.ts';

const HOST = '127.0.0.1';
const PORT = 6379;

/** Whether something answers PING at HOST:PORT. */
async function redisUp(): Promise<boolean> {
  const probe = new Redis({ host: HOST, port: PORT, lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0, connectTimeout: 1_000 });
  probe.on('error', () => {});
  try {
    await probe.connect();
    return (await probe.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}

const down = (await redisUp()) ? undefined : `no Redis at ${HOST}:${PORT} (apt-get install redis-server): the Redis publisher's tests skip`;
if (down && process.env.CI === 'true') throw new Error(`${down.split(':')[0]}:${PORT}: the Redis publisher cannot be tested under CI`);

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

describe('Redis Streams publisher', { skip: down }, () => {
  let publisher: RedisPublisher;
  let redis: Redis;
  const keys: string[] = [];
  const key = (): string => {
    const k = `relais-test:${randomUUID()}`;
    keys.push(k);
    return k;
  };

  before(() => {
    publisher = createRedisPublisher();
    redis = new Redis({ host: HOST, port: PORT });
  });
  after(async () => {
    for (const db of [1, 0]) {
      await redis.select(db);
      await redis.del(...keys);
    }
    await redis.quit();
    await publisher.close();
  });

  test('a signed message arrives as a stream entry a consumer verifies: body, then one field per header', async () => {
    const stream = key();
    const url = `redis://${HOST}:${PORT}/0?stream=${encodeURIComponent(stream)}`;
    const body = JSON.stringify({ type: 'invoice.paid', data: { customer: 'Müller ✓', amount: 4200 } });
    const message = signedMessage(url, body);
    const { ack } = await publisher.publish(destination(url), message, opts());

    const entries = await redis.xrangeBuffer(stream, '-', '+');
    assert.equal(entries.length, 1);
    const [id, raw] = entries[0]!;
    assert.equal(ack, `XADD ${stream} ${id.toString()}`);
    assert.match(ack, /^XADD \S+ \d+-\d+$/);
    const names = raw.filter((_, i) => i % 2 === 0).map((b) => b.toString());
    assert.equal(names[0], 'body', 'the body comes first');
    const fields = new Map<string, Buffer>();
    for (let i = 0; i < raw.length; i += 2) fields.set(raw[i]!.toString(), raw[i + 1]!);
    assert.ok(fields.get('body')!.equals(Buffer.from(body, 'utf8')), 'the body bytes as sent');
    assert.equal(fields.get('content-type')?.toString(), 'application/json; charset=utf-8');
    assert.equal(fields.get('x-tenant')?.toString(), 'acme', "the webhook's own header, lower-case");
    assert.equal(fields.get('webhook-id')?.toString(), message.id);
    assert.ok(!fields.has('user-agent'));

    const headers = Object.fromEntries([...fields].filter(([name]) => name !== 'body').map(([name, value]) => [name, value.toString()]));
    assert.deepEqual(new Webhook(SECRET).verify(fields.get('body')!.toString('utf8'), headers), JSON.parse(body));
  });

  test('maxlen trims the stream approximately (MAXLEN ~)', async () => {
    const stream = key();
    const url = `redis://${HOST}:${PORT}?stream=${encodeURIComponent(stream)}&maxlen=10`;
    const dest = destination(url);
    for (let i = 0; i < 500; i++) await publisher.publish(dest, signedMessage(url, JSON.stringify({ i })), opts());
    const length = await redis.xlen(stream);
    assert.ok(length >= 10 && length < 200, `XLEN ${length} after 500 entries with maxlen=10`);
    const untrimmed = key();
    const plain = `redis://${HOST}:${PORT}?stream=${encodeURIComponent(untrimmed)}`;
    for (let i = 0; i < 150; i++) await publisher.publish(destination(plain), signedMessage(plain, '{}'), opts());
    assert.equal(await redis.xlen(untrimmed), 150, 'no maxlen: nothing trimmed');
  });

  test('the database in the path is the one written to', async () => {
    const stream = key();
    const url = `redis://${HOST}:${PORT}/1?stream=${encodeURIComponent(stream)}`;
    await publisher.publish(destination(url), signedMessage(url, '{"db":1}'), opts());
    assert.equal(await redis.exists(stream), 0, 'not in database 0');
    const other = new Redis({ host: HOST, port: PORT, db: 1 });
    try {
      assert.equal(await other.xlen(stream), 1);
      await other.del(stream);
    } finally {
      await other.quit();
    }
  });

  test('a key that is not a stream: rejected, with Redis\' WRONGTYPE', async () => {
    const stream = key();
    await redis.set(stream, 'a string, not a stream');
    const url = `redis://${HOST}:${PORT}?stream=${encodeURIComponent(stream)}`;
    const err = await rejection(publisher.publish(destination(url), signedMessage(url, '{}'), opts()));
    assert.equal(err.kind, 'rejected');
    assert.match(err.message, /^WRONGTYPE/);
    assert.equal(await redis.get(stream), 'a string, not a stream');
  });

  test('a refused login: rejected (WRONGPASS), and the next publish tries afresh', async () => {
    const url = `redis://relais-nobody:wrong@${HOST}:${PORT}?stream=${encodeURIComponent(key())}`;
    for (let i = 0; i < 2; i++) {
      const started = performance.now();
      const err = await rejection(publisher.publish(destination(url), signedMessage(url, '{}'), opts()));
      assert.equal(err.kind, 'rejected');
      assert.match(err.message, /WRONGPASS/);
      assert.ok(performance.now() - started < 2_000, 'at once, not at the timeout');
    }
  });

  test('a closed port: connection_refused within the timeout, no unhandled error event', async () => {
    const closedPublisher = createRedisPublisher();
    try {
      const url = `redis://${HOST}:1?stream=orders`;
      for (let i = 0; i < 3; i++) {
        const started = performance.now();
        const err = await rejection(closedPublisher.publish(destination(url), signedMessage(url, '{}'), opts({ timeoutMs: 2_000 })));
        assert.equal(err.kind, 'connection_refused', err.message);
        assert.ok(performance.now() - started < 2_000);
      }
      assert.equal(closedPublisher.connections(), 1, 'one client, reconnecting by itself');
      await new Promise((r) => setTimeout(r, 600)); // its reconnections fail too, silently
    } finally {
      await closedPublisher.close();
    }
  });

  test('an address the SSRF guard refuses: blocked, and no connection made', async () => {
    const guarded = createRedisPublisher();
    try {
      const url = `redis://${HOST}:${PORT}?stream=orders`;
      const strict = (host: string): Promise<string> => resolveAllowed(host, []); // no RELAIS_ALLOW_TARGETS: the loopback is refused
      const err = await rejection(guarded.publish(destination(url), signedMessage(url, '{}'), opts({ resolve: strict })));
      assert.equal(err.kind, 'blocked');
      assert.match(err.message, /RELAIS_ALLOW_TARGETS/);
      assert.equal(guarded.connections(), 0);
    } finally {
      await guarded.close();
    }
  });

  test('the client connects to the address resolve() gives, never to the name', async () => {
    const stream = key();
    const url = `redis://redis.invalid:${PORT}?stream=${encodeURIComponent(stream)}`;
    const asked: string[] = [];
    const pinned = async (host: string): Promise<string> => {
      asked.push(host);
      return HOST;
    };
    const { ack } = await publisher.publish(destination(url), signedMessage(url, '{}'), opts({ resolve: pinned }));
    assert.deepEqual(asked, ['redis.invalid']);
    assert.match(ack, /^XADD /);
    assert.equal(await redis.xlen(stream), 1);
  });

  describe('a server that accepts and never answers', () => {
    let silent: Server;
    let port: number;
    const sockets = new Set<Socket>();
    before(async () => {
      silent = createServer((socket) => {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
      });
      await new Promise<void>((r) => silent.listen(0, HOST, r));
      port = (silent.address() as { port: number }).port;
    });
    after(async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((r) => silent.close(r));
    });

    test('timeout, within the publish\'s own timeout', async () => {
      const p = createRedisPublisher();
      try {
        const url = `redis://${HOST}:${port}?stream=orders`;
        const started = performance.now();
        const err = await rejection(p.publish(destination(url), signedMessage(url, '{}'), opts({ timeoutMs: 300 })));
        const took = performance.now() - started;
        assert.equal(err.kind, 'timeout');
        assert.match(err.message, /300 ms connecting to Redis/);
        assert.ok(took >= 290 && took < 1_500, `${took} ms`);
      } finally {
        await p.close();
      }
    });

    test('shutdown: the abort ends a publish at once', async () => {
      const p = createRedisPublisher();
      try {
        const url = `redis://${HOST}:${port}?stream=orders`;
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
    const p = createRedisPublisher();
    try {
      const stream = key();
      const url = `redis://${HOST}:${proxy.port}?stream=${encodeURIComponent(stream)}`;
      await p.publish(destination(url), signedMessage(url, '{}'), opts());
      proxy.cut();
      await new Promise((r) => setTimeout(r, 50));
      const started = performance.now();
      const err = await rejection(p.publish(destination(url), signedMessage(url, '{}'), opts({ timeoutMs: 5_000 })));
      assert.equal(err.kind, 'connection_reset', err.message);
      assert.ok(performance.now() - started < 500, 'not queued until the reconnection');
      await untilPublished(() => p.publish(destination(url), signedMessage(url, '{}'), opts()), 5_000);
      assert.equal(p.connections(), 1, 'the same client, reconnected');
      assert.equal(await redis.xlen(stream), 2);
    } finally {
      await p.close();
      await proxy.close();
    }
  });

  test('pooling: one client per connection identity, reused by every publish', async () => {
    const p = createRedisPublisher();
    try {
      const a = key();
      const b = key();
      const urlA = `redis://${HOST}:${PORT}/0?stream=${encodeURIComponent(a)}`;
      const urlB = `redis://${HOST}:${PORT}/0?stream=${encodeURIComponent(b)}&maxlen=100`;
      await Promise.all(Array.from({ length: 20 }, (_, i) => p.publish(destination(i % 2 ? urlA : urlB), signedMessage(urlA, '{}'), opts())));
      for (let i = 0; i < 5; i++) await p.publish(destination(urlA), signedMessage(urlA, '{}'), opts());
      assert.equal(p.connections(), 1, 'the stream and maxlen are not part of the connection');
      assert.equal(await redis.xlen(a), 15);
      assert.equal(await redis.xlen(b), 10);

      const urlDb1 = `redis://${HOST}:${PORT}/1?stream=${encodeURIComponent(a)}`;
      await p.publish(destination(urlDb1), signedMessage(urlDb1, '{}'), opts());
      assert.equal(p.connections(), 2, 'another database, another client');
      const other = new Redis({ host: HOST, port: PORT, db: 1 });
      await other.del(a);
      await other.quit();

      await p.close();
      assert.equal(p.connections(), 0);
      const err = await rejection(p.publish(destination(urlA), signedMessage(urlA, '{}'), opts()));
      assert.equal(err.kind, 'network', 'closed: no new connection');
    } finally {
      await p.close();
    }
  });
});
