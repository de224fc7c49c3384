// The NATS JetStream publisher against the machine's NATS (127.0.0.1:4222 with JetStream; NATS_URL
// to point elsewhere). NATS being down fails the suite under CI=true and skips it elsewhere.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { connect as tcpConnect, createServer, type AddressInfo, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { Webhook } from 'standardwebhooks';
import { parseBrokerUrl, type BrokerDestination } from '../core/destinations.ts';
import { buildRequest } from '../core/request.ts';
import { secretFromBytes } from '../core/signing.ts';
import { BlockedTargetError } from '../dispatcher/ssrf.ts';
import { startTarpit } from '../../test/helpers/tarpit.ts';
import { createNatsPublisher } from './nats.ts';
import { PublishError, type BrokerMessage, type PublishOptions } from './publisher.ts';

const BROKER = new URL(process.env.NATS_URL || 'nats://127.0.0.1:4222');
const BROKER_PORT = Number(BROKER.port || 4222);

function reachable(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tcpConnect({ host, port, timeout: 1_000 });
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => { socket.destroy(); resolve(false); });
  });
}

const up = await reachable(BROKER.hostname, BROKER_PORT);
if (!up && process.env.CI === 'true') throw new Error(`NATS is not reachable at ${BROKER.host}: the NATS publisher's tests cannot run (CI=true fails rather than skips)`);
const skip = up ? false : `NATS is not reachable at ${BROKER.host}: start it with JetStream (or set NATS_URL) to run these tests`;

const token = (): string => randomBytes(6).toString('hex');

function destination(url: string): BrokerDestination {
  const parsed = parseBrokerUrl(url);
  if ('problems' in parsed) throw new Error(`bad test URL ${url}: ${JSON.stringify(parsed.problems)}`);
  return parsed.destination;
}

/** A message signed exactly as Relais signs an HTTP delivery, with the headers a broker gets. */
function signedMessage(secret: string, msgId = `msg_${randomBytes(8).toString('hex')}`): BrokerMessage {
  const req = buildRequest({
    webhook: { url: 'nats://unused', method: 'POST', headers: { 'X-Tenant': 'acme' }, signatureScheme: 'standard' },
    secrets: [secret],
    rendered: { contentType: 'application/json', body: JSON.stringify({ type: 'order.created', data: { id: token(), note: 'héllo ✓' } }) },
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

/** A TCP proxy to the broker that can cut every connection through it. */
async function startProxy(host: string, port: number) {
  const pairs = new Set<[Socket, Socket]>();
  let accepted = 0;
  const server = createServer((client) => {
    accepted++;
    const upstream = tcpConnect({ host, port });
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    client.pipe(upstream);
    upstream.pipe(client);
    for (const s of pair) {
      s.on('error', () => {});
      s.on('close', () => { pairs.delete(pair); client.destroy(); upstream.destroy(); });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    accepted: () => accepted,
    cut: () => { for (const [a, b] of pairs) { a.destroy(); b.destroy(); } },
    close: () => new Promise<void>((resolve) => { for (const [a, b] of pairs) { a.destroy(); b.destroy(); } server.close(() => resolve()); }),
  };
}

/** A server that speaks just enough NATS to refuse every login. */
async function startRefusingServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
    socket.write(`INFO {"server_id":"FAKE","version":"2.10.0","proto":1,"headers":true,"max_payload":1048576,"auth_required":true}\r\n`);
    socket.on('data', (chunk) => {
      if (chunk.toString().startsWith('CONNECT')) socket.end(`-ERR 'Authorization Violation'\r\n`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise((resolve) => { for (const s of sockets) s.destroy(); server.close(() => resolve()); }),
  };
}

describe('NATS publisher', { skip }, () => {
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  const stream = `RELAIS_TEST_${token().toUpperCase()}`;
  const prefix = `relais-test.${token()}`;
  const subject = `${prefix}.orders`;
  const base = `nats://${BROKER.username ? `${BROKER.username}:${BROKER.password}@` : ''}${BROKER.hostname}:${BROKER_PORT}`;
  const publisher = createNatsPublisher();

  before(async () => {
    nc = await connect({ servers: [`${BROKER.hostname}:${BROKER_PORT}`], ...(BROKER.username ? { user: BROKER.username, pass: BROKER.password } : {}) });
    jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: stream, subjects: [`${prefix}.>`], duplicate_window: 60_000_000_000 });
  });

  after(async () => {
    await publisher.close();
    await jsm.streams.delete(stream).catch(() => {});
    await nc.close();
  });

  it('publishes the signed body and headers to the stream, and they verify as Standard Webhooks', async () => {
    const secret = secretFromBytes(randomBytes(32));
    const message = signedMessage(secret);
    const { ack } = await publisher.publish(destination(`${base}?subject=${subject}`), message, opts());
    const m = /^stream (\S+) seq (\d+)$/.exec(ack);
    assert.ok(m, `ack text: ${ack}`);
    assert.equal(m[1], stream);

    const stored = await jsm.streams.getMessage(stream, { seq: Number(m[2]) });
    assert.ok(stored);
    assert.equal(stored.subject, subject);
    assert.equal(Buffer.from(stored.data).toString('utf8'), message.body);
    const headers: Record<string, string> = {};
    for (const name of stored.header.keys()) headers[name] = stored.header.get(name);
    assert.equal(headers['content-type'], 'application/json');
    assert.equal(headers['webhook-id'], message.id);
    assert.equal(headers['x-tenant'], 'acme');
    assert.equal(headers['Nats-Msg-Id'], message.id);
    assert.doesNotThrow(() => new Webhook(secret).verify(Buffer.from(stored.data), headers));
    assert.throws(() => new Webhook(secretFromBytes(randomBytes(32))).verify(Buffer.from(stored.data), headers));
  });

  it('the same webhook-id twice is stored once, and the second ack says duplicate', async () => {
    const before = (await jsm.streams.info(stream)).state.messages;
    const message = signedMessage(secretFromBytes(randomBytes(32)));
    const d = destination(`${base}?subject=${subject}`);
    const first = await publisher.publish(d, message, opts());
    const second = await publisher.publish(d, message, opts());
    assert.doesNotMatch(first.ack, /duplicate/);
    assert.match(second.ack, /duplicate: true/);
    assert.equal(/seq (\d+)/.exec(second.ack)?.[1], /seq (\d+)/.exec(first.ack)?.[1]);
    assert.equal((await jsm.streams.info(stream)).state.messages, before + 1);
  });

  it('pools one connection per connection identity, whatever the subject', async () => {
    const opened = publisher.connectionsOpened();
    await publisher.publish(destination(`${base}?subject=${subject}`), signedMessage(secretFromBytes(randomBytes(32))), opts());
    await Promise.all([1, 2, 3].map(() => publisher.publish(destination(`${base}?subject=${prefix}.other`), signedMessage(secretFromBytes(randomBytes(32))), opts())));
    assert.equal(publisher.connectionsOpened(), opened);
    assert.equal(publisher.connections(), 1);
  });

  it('a subject no stream captures is rejected', async () => {
    const err = await rejection(publisher.publish(destination(`${base}?subject=relais-test.nowhere.${token()}`), signedMessage(secretFromBytes(randomBytes(32))), opts()));
    assert.equal(err.kind, 'rejected');
    assert.match(err.message, /no JetStream stream captures subject "relais-test\.nowhere\.[0-9a-f]+"/);
  });

  it('what JetStream refuses (a full stream, discard new) is rejected with its reason', async () => {
    const full = `RELAIS_TEST_FULL_${token().toUpperCase()}`;
    const fullSubject = `relais-test.full.${token()}`;
    await jsm.streams.add({ name: full, subjects: [fullSubject], max_msgs: 1, discard: 'new' as never });
    try {
      const d = destination(`${base}?subject=${fullSubject}`);
      await publisher.publish(d, signedMessage(secretFromBytes(randomBytes(32))), opts());
      const err = await rejection(publisher.publish(d, signedMessage(secretFromBytes(randomBytes(32))), opts()));
      assert.equal(err.kind, 'rejected');
      assert.match(err.message, /maximum messages exceeded/);
    } finally {
      await jsm.streams.delete(full);
    }
  });

  it('a closed port is connection_refused, and the failed connection is not pooled', async () => {
    const before = publisher.connections();
    const err = await rejection(publisher.publish(destination(`nats://127.0.0.1:1?subject=${subject}`), signedMessage(secretFromBytes(randomBytes(32))), opts()));
    assert.equal(err.kind, 'connection_refused');
    assert.equal(publisher.connections(), before);
  });

  it('a refused login is rejected', async () => {
    const server = await startRefusingServer();
    try {
      const err = await rejection(publisher.publish(destination(`nats://relais:wrong@127.0.0.1:${server.port}?subject=${subject}`), signedMessage(secretFromBytes(randomBytes(32))), opts()));
      assert.equal(err.kind, 'rejected');
      assert.match(err.message, /NATS refused the login.*Authorization Violation/i);
    } finally {
      await server.close();
    }
  });

  it('connects to the address resolve() gives, never resolving the name itself', async () => {
    const asked: string[] = [];
    const resolve = async (host: string): Promise<string> => { asked.push(host); return BROKER.hostname; };
    const d = destination(`nats://${BROKER.username ? `${BROKER.username}:${BROKER.password}@` : ''}nats.invalid:${BROKER_PORT}?subject=${subject}`);
    assert.match((await publisher.publish(d, signedMessage(secretFromBytes(randomBytes(32))), opts({ resolve }))).ack, /^stream /);
    assert.deepEqual(asked, ['nats.invalid']);
  });

  it('a blocked target passes through as blocked', async () => {
    const resolve = async (): Promise<string> => { throw new BlockedTargetError('10.0.0.1'); };
    const err = await rejection(publisher.publish(destination(`nats://internal.example:4222?subject=${subject}`), signedMessage(secretFromBytes(randomBytes(32))), opts({ resolve })));
    assert.equal(err.kind, 'blocked');
    assert.match(err.message, /10\.0\.0\.1 is not a public unicast address/);
  });

  it('a server that never answers is a timeout within timeoutMs', async () => {
    const tarpit = await startTarpit();
    try {
      const port = new URL(tarpit.url).port;
      const started = performance.now();
      const err = await rejection(publisher.publish(destination(`nats://127.0.0.1:${port}?subject=${subject}`), signedMessage(secretFromBytes(randomBytes(32))), opts({ timeoutMs: 300 })));
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
      const err = await rejection(publisher.publish(destination(`nats://127.0.0.1:${port}?subject=${subject}`), signedMessage(secretFromBytes(randomBytes(32))), opts({ timeoutMs: 5_000, signal: abort.signal })));
      assert.equal(err.kind, 'network');
      assert.equal(err.message, 'aborted: Relais is shutting down');
      assert.ok(performance.now() - started < 1_000);
    } finally {
      await tarpit.close();
    }
  });

  it('a lost connection is reconnected by the library: the next publish goes through on the same pooled connection', async () => {
    const proxy = await startProxy(BROKER.hostname, BROKER_PORT);
    const own = createNatsPublisher();
    try {
      const d = destination(`nats://${BROKER.username ? `${BROKER.username}:${BROKER.password}@` : ''}127.0.0.1:${proxy.port}?subject=${subject}`);
      await own.publish(d, signedMessage(secretFromBytes(randomBytes(32))), opts());
      proxy.cut();
      await new Promise((r) => setTimeout(r, 100)); // the library has seen the disconnect: the publish waits for its reconnect
      assert.match((await own.publish(d, signedMessage(secretFromBytes(randomBytes(32))), opts({ timeoutMs: 5_000 }))).ack, /^stream /);
      assert.equal(own.connectionsOpened(), 1);
      assert.equal(proxy.accepted(), 2);
    } finally {
      await own.close();
      await proxy.close();
    }
  });

  it('close() drains the pooled connections; later publishes are refused', async () => {
    const own = createNatsPublisher();
    await own.publish(destination(`${base}?subject=${subject}`), signedMessage(secretFromBytes(randomBytes(32))), opts());
    assert.equal(own.connections(), 1);
    await own.close();
    assert.equal(own.connections(), 0);
    const err = await rejection(own.publish(destination(`${base}?subject=${subject}`), signedMessage(secretFromBytes(randomBytes(32))), opts()));
    assert.equal(err.message, 'aborted: Relais is shutting down');
  });
});
