// The client's retries, against a tiny loopback server that answers as each test tells it: 429,
// 502, 503, 504 and network errors are retried with backoff, Retry-After (seconds or an HTTP date)
// is waited for, only requests safe to make twice are retried, and an event keeps its one
// idempotency id through every attempt.
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Relais, RelaisApiError, retryAfterMs, type RetryInfo, type RetryOptions } from '../src/index.ts';
import { closedPort } from '../../test/helpers/receiver.ts';

interface Hit { method: string; url: string; headers: IncomingHttpHeaders; body: string; at: number }
interface Reply { status: number; headers?: Record<string, string>; body?: string; delayMs?: number }

/** A server answering each request with the next reply of the script (its last one once past the end). */
function fake() {
  const hits: Hit[] = [];
  let script: Reply[] = [{ status: 200, body: '{}' }];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      hits.push({ method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() });
      const reply = script[Math.min(hits.length - 1, script.length - 1)]!;
      const send = () => {
        res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
        res.end(reply.body ?? '');
      };
      if (reply.delayMs) setTimeout(send, reply.delayMs); else send();
    });
  });
  return {
    hits,
    url: '',
    server,
    /** Clears the hits and sets the replies to come. */
    answer(replies: Reply[]) {
      hits.length = 0;
      script = replies;
    },
  };
}

const PROBLEM_503 = JSON.stringify({ type: 'about:blank', title: 'Service Unavailable', status: 503, detail: 'the database is unavailable', code: 'RELAIS_ERR_UNAVAILABLE' });
const TENANT = JSON.stringify({ id: 'acme', name: 'Acme' });

describe('retries', () => {
  const f = fake();
  const retries: RetryInfo[] = [];
  const client = (retry: RetryOptions = {}, extra: Partial<ConstructorParameters<typeof Relais>[0]> = {}) =>
    new Relais({ baseUrl: f.url, token: 't', retry: { baseDelayMs: 50, ...retry }, random: () => 1, onRetry: (info) => retries.push(info), ...extra });

  before(async () => {
    await new Promise<void>((resolve) => f.server.listen(0, '127.0.0.1', resolve));
    f.url = `http://127.0.0.1:${(f.server.address() as AddressInfo).port}`;
  });
  after(async () => {
    f.server.closeAllConnections();
    await new Promise((resolve) => f.server.close(resolve));
  });
  const reset = (replies: Reply[]) => {
    f.answer(replies);
    retries.length = 0;
  };

  it('waits the Retry-After of a 503 (seconds), then succeeds on the second attempt', async () => {
    reset([{ status: 503, headers: { 'retry-after': '1' }, body: PROBLEM_503 }, { status: 200, body: TENANT }]);
    const started = Date.now();
    const tenant = await client().tenants.get('acme');
    const elapsed = Date.now() - started;
    assert.deepEqual(tenant, { id: 'acme', name: 'Acme' });
    assert.equal(f.hits.length, 2);
    const gap = f.hits[1]!.at - f.hits[0]!.at;
    assert.ok(gap >= 950 && gap < 2_500, `waited ${gap} ms between attempts, not the 1 s asked`);
    assert.ok(elapsed >= 950, `answered after ${elapsed} ms`);
    assert.deepEqual(retries.map((r) => [r.attempt, r.status, r.delayMs, r.method]), [[1, 503, 1000, 'GET']]);
    assert.equal(f.hits[1]!.headers.authorization, 'Bearer t');
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    assert.equal(retryAfterMs('1', now), 1_000);
    assert.equal(retryAfterMs(' 120 ', now), 120_000);
    assert.equal(retryAfterMs('Thu, 01 Jan 2026 00:00:02 GMT', now), 2_000);
    assert.equal(retryAfterMs('Wed, 31 Dec 2025 23:59:00 GMT', now), 0, 'a date past: no wait');
    assert.equal(retryAfterMs('soon', now), undefined);
    assert.equal(retryAfterMs(null, now), undefined);
  });

  it('waits until a Retry-After HTTP date', async () => {
    const at = new Date(Math.ceil(Date.now() / 1000) * 1000 + 1_000);
    reset([{ status: 429, headers: { 'retry-after': at.toUTCString() } }, { status: 200, body: TENANT }]);
    await client().tenants.get('acme');
    assert.equal(f.hits.length, 2);
    assert.ok(f.hits[1]!.at >= at.getTime() - 5, `retried at ${f.hits[1]!.at}, before ${at.getTime()}`);
  });

  it('backs off exponentially without Retry-After, and throws the last answer after maxAttempts', async () => {
    reset([{ status: 502, body: '<html>bad gateway</html>', headers: { 'content-type': 'text/html' } }, { status: 504 }, { status: 429, body: PROBLEM_503 }]);
    const err = await client({ maxAttempts: 3 }).tenants.get('acme').then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof RelaisApiError);
    assert.equal(err.status, 429);
    assert.equal(err.detail, 'the database is unavailable');
    assert.equal(f.hits.length, 3);
    assert.deepEqual(retries.map((r) => [r.status, r.delayMs]), [[502, 50], [504, 100]], 'base × 2^(n-1), full jitter at its top');
  });

  it('keeps the answer when it is no problem detail (a proxy\'s page)', async () => {
    reset([{ status: 502, body: '<html>bad gateway</html>', headers: { 'content-type': 'text/html' } }]);
    const err = await client({ maxAttempts: 1 }).tenants.get('acme').then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof RelaisApiError);
    assert.equal(err.status, 502);
    assert.equal(err.title, 'Bad Gateway');
    assert.equal(err.detail, '<html>bad gateway</html>');
    assert.equal(err.code, undefined);
    assert.deepEqual(err.errors, []);
  });

  it('does not retry a 500, nor a POST that creates something', async () => {
    reset([{ status: 500, body: '{"type":"about:blank","title":"Internal Server Error","status":500,"detail":"x","code":"RELAIS_ERR_INTERNAL"}' }]);
    await assert.rejects(client().tenants.get('acme'), (e: RelaisApiError) => e.status === 500);
    assert.equal(f.hits.length, 1);
    reset([{ status: 503, headers: { 'retry-after': '0' }, body: PROBLEM_503 }]);
    await assert.rejects(client().webhooks.create('acme', { url: 'https://example.com/h', events: ['a.b'] }), (e: RelaisApiError) => e.status === 503);
    await assert.rejects(client().deliveries.resend('acme', 'dlv_1'), (e: RelaisApiError) => e.status === 503);
    assert.equal(f.hits.length, 2, 'each POST made once');
    assert.deepEqual(retries, []);
  });

  it('retries an event, with the same generated idempotency id each time', async () => {
    reset([{ status: 503, headers: { 'retry-after': '0' } }, { status: 503 }, { status: 202, body: '{"id":"evt_1","type":"a.b","deliveries":1,"duplicate":false}' }]);
    const sent = await client().events.send('acme', { type: 'a.b', data: { n: 1 } });
    assert.equal(f.hits.length, 3);
    const ids = f.hits.map((h) => (JSON.parse(h.body) as { id: string }).id);
    assert.equal(new Set(ids).size, 1, `ids: ${ids.join(', ')}`);
    assert.equal(sent.idempotency_id, ids[0]);
    assert.match(sent.idempotency_id, /^sdk_[0-9a-f-]{36}$/);
    assert.equal(sent.id, 'evt_1');
    assert.deepEqual(f.hits.map((h) => [h.method, h.url]), Array(3).fill(['POST', '/v1/tenants/acme/events']));
  });

  it('keeps the caller\'s idempotency id, and gives each event of a batch its own', async () => {
    reset([{ status: 504 }, { status: 202, body: '{"events":[{"id":"evt_1","type":"a.b","deliveries":0,"duplicate":false},{"id":"evt_2","type":"a.b","deliveries":0,"duplicate":false}]}' }]);
    const sent = await client().events.sendBatch('acme', [{ type: 'a.b', data: 1, id: 'order-1' }, { type: 'a.b', data: 2 }]);
    assert.equal(f.hits.length, 2);
    assert.equal(f.hits[0]!.body, f.hits[1]!.body, 'the same body, twice');
    assert.deepEqual(sent.map((s) => s.idempotency_id), (JSON.parse(f.hits[0]!.body) as { events: { id: string }[] }).events.map((e) => e.id));
    assert.equal(sent[0]!.idempotency_id, 'order-1');
  });

  it('does not wait a Retry-After longer than maxRetryAfterMs: the answer is thrown at once', async () => {
    reset([{ status: 503, headers: { 'retry-after': '3600' }, body: PROBLEM_503 }]);
    const started = Date.now();
    await assert.rejects(client().tenants.get('acme'), (e: RelaisApiError) => e.status === 503 && e.headers.get('retry-after') === '3600');
    assert.ok(Date.now() - started < 1_000);
    assert.equal(f.hits.length, 1);
  });

  it('retries network errors and an attempt\'s timeout, then throws the error', async () => {
    const port = await closedPort();
    reset([]);
    const offline = new Relais({ baseUrl: `http://127.0.0.1:${port}`, token: 't', retry: { maxAttempts: 3, baseDelayMs: 10 }, onRetry: (info) => retries.push(info) });
    await assert.rejects(offline.tokens.list('acme'), TypeError);
    assert.deepEqual(retries.map((r) => [r.attempt, r.status]), [[1, undefined], [2, undefined]]);

    reset([{ status: 200, body: TENANT, delayMs: 400 }]);
    await assert.rejects(client({ maxAttempts: 2 }, { timeoutMs: 100 }).tenants.get('acme'), (e: Error) => e.name === 'TimeoutError');
    assert.equal(f.hits.length, 2);
  });

  it('stops waiting when the caller aborts', async () => {
    reset([{ status: 503, headers: { 'retry-after': '30' } }]);
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('caller gave up')), 100);
    const started = Date.now();
    await assert.rejects(client().api.GET('/v1/tenants/{tenant}', { params: { path: { tenant: 'acme' } }, signal: controller.signal }), /caller gave up/);
    assert.ok(Date.now() - started < 1_000);
    assert.equal(f.hits.length, 1);
  });

  it('retry: false makes one attempt', async () => {
    reset([{ status: 503, headers: { 'retry-after': '0' } }, { status: 200, body: TENANT }]);
    await assert.rejects(new Relais({ baseUrl: f.url, token: 't', retry: false }).tenants.get('acme'), (e: RelaisApiError) => e.status === 503);
    assert.equal(f.hits.length, 1);
  });
});
