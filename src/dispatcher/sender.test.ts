// The sender against a real loopback receiver: deadlines and shutdown aborts (redirects: sender-redirects.test.ts).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startReceiver, type Receiver } from '../../test/helpers/receiver.ts';
import { startTarpit } from '../../test/helpers/tarpit.ts';
import { createSender } from './sender.ts';

describe('sender', () => {
  let receiver: Receiver;
  const sender = createSender({ timeoutMs: 300, allowTargets: ['127.0.0.0/8'] });
  const post = (path: string) => sender.send({ method: 'POST', url: receiver.url + path, headers: { 'content-type': 'application/json' }, body: '{}' });

  before(async () => {
    receiver = await startReceiver((req) => {
      if (req.path === '/slow') return { status: 200, delayMs: 2_000 };
      if (req.path.startsWith('/echo')) return { status: 201, body: `got ${req.method} ${req.body}`, headers: { 'x-seen': String(req.headers['webhook-id']) } };
      return { status: 204 };
    });
  });
  after(async () => {
    await sender.close();
    await receiver.close();
  });

  it('answers within the deadline are responses', async () => {
    const outcome = await post('/fast');
    assert.equal(outcome.response?.status, 204);
    assert.equal(outcome.error, null);
  });

  it('sends the exact request, query string included, and records the whole answer', async () => {
    const outcome = await sender.send({ method: 'PUT', url: `${receiver.url}/echo?x=1`, headers: { 'content-type': 'text/plain', 'webhook-id': 'msg_1' }, body: 'hello' });
    const got = receiver.received.at(-1)!;
    assert.deepEqual([got.method, got.path, got.body, got.headers['content-type']], ['PUT', '/echo?x=1', 'hello', 'text/plain']);
    assert.equal(outcome.response?.status, 201);
    assert.equal(outcome.response?.body, 'got PUT hello');
    assert.equal(outcome.response?.headers['x-seen'], 'msg_1');
    assert.equal(outcome.response?.bodyTruncated, false);
  });

  it('sends no body with GET', async () => {
    const outcome = await sender.send({ method: 'GET', url: `${receiver.url}/echo`, headers: {}, body: 'ignored' });
    assert.equal(outcome.response?.body, 'got GET ');
  });

  it('a receiver slower than the timeout is a timeout, reported once the deadline passes', async () => {
    const outcome = await post('/slow');
    assert.equal(outcome.response, null);
    assert.equal(outcome.error?.kind, 'timeout');
    assert.ok(outcome.durationMs >= 300, `gave up after ${outcome.durationMs} ms, before the 300 ms timeout`);
    assert.equal(outcome.interrupted, undefined);
  });

  it('a request\'s own timeout overrides the sender\'s, shorter or longer', async () => {
    const short = await sender.send({ method: 'POST', url: `${receiver.url}/slow`, headers: {}, body: '' }, { timeoutMs: 100 });
    assert.equal(short.error?.kind, 'timeout');
    assert.match(short.error?.message ?? '', /within 100 ms/);
    assert.ok(short.durationMs < 300, `gave up after ${short.durationMs} ms, not at its own 100 ms`);
    const long = await sender.send({ method: 'POST', url: `${receiver.url}/slow`, headers: {}, body: '' }, { timeoutMs: 3_000 });
    assert.equal(long.response?.status, 200, 'a 2 s answer within a 3 s timeout, though the sender\'s default is 300 ms');
  });

  it('a request\'s timeout bounds its wait for a connection too (a TLS handshake that never ends)', async () => {
    const tarpit = await startTarpit();
    const patient = createSender({ timeoutMs: 5_000, allowTargets: ['127.0.0.0/8'] });
    try {
      const outcome = await patient.send({ method: 'POST', url: tarpit.url.replace('http:', 'https:'), headers: {}, body: '' }, { timeoutMs: 300 });
      assert.equal(outcome.error?.kind, 'timeout');
      assert.ok(outcome.durationMs < 1_000, `gave up after ${outcome.durationMs} ms, not at its own 300 ms`);
    } finally {
      await patient.close();
      await tarpit.close();
    }
  });

  it('abortAll interrupts what is in flight, and says so', async () => {
    const pending = post('/slow');
    await new Promise((r) => setTimeout(r, 50));
    sender.abortAll();
    const outcome = await pending;
    assert.equal(outcome.interrupted, true);
    assert.equal(outcome.response, null);
  });
});
