// The sender following redirects, against real loopback receivers: what each hop sends, the
// hop limit, the SSRF guard on every hop, one deadline for all of them.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startReceiver, type Receiver } from '../../test/helpers/receiver.ts';
import { createSender } from './sender.ts';

describe('sender: redirects', () => {
  let receiver: Receiver;
  // Loopback is allowed at 127.0.0.1 only: 127.0.0.2 stands for an internal address.
  const sender = createSender({ timeoutMs: 2_000, allowTargets: ['127.0.0.1/32'] });
  const signed = { method: 'POST' as const, headers: { 'content-type': 'application/json', 'webhook-id': 'msg_1', 'webhook-signature': 'v1,sig' }, body: '{"a":1}' };
  const send = (path: string, followRedirects = true, timeoutMs?: number) =>
    sender.send({ ...signed, url: receiver.url + path }, { followRedirects, timeoutMs });
  const hits = (path: string) => receiver.received.filter((r) => r.path === path);

  before(async () => {
    receiver = await startReceiver((req) => {
      const [, kind, arg] = req.path.split('/');
      if (kind === 'to') return { status: Number(arg), headers: { location: decodeURIComponent(req.path.split('/').slice(3).join('/')) } };
      if (kind === 'chain') return Number(arg) > 0 ? { status: 302, headers: { location: `/chain/${Number(arg) - 1}` } } : { status: 200, body: 'end of chain' };
      if (kind === 'slow-to') return { status: 307, headers: { location: '/slow' }, delayMs: 400 };
      if (kind === 'slow') return { status: 200, delayMs: 400 };
      return { status: 200, body: `got ${req.method}` };
    });
  });
  after(async () => {
    await sender.close();
    await receiver.close();
  });

  it('off: a 302 is the answer, and nothing follows it', async () => {
    const outcome = await send('/to/302/%2Foff-target', false);
    assert.equal(outcome.response?.status, 302);
    assert.equal(outcome.response?.redirects, undefined);
    assert.equal(hits('/off-target').length, 0);
  });

  it('307 and 308 send the same method, body and signature headers on', async () => {
    const outcome = await send(`/to/307/${encodeURIComponent('/to/308/%2Fkept')}`);
    assert.equal(outcome.response?.status, 200);
    const [got] = hits('/kept');
    assert.deepEqual([got?.method, got?.body, got?.headers['content-type'], got?.headers['webhook-signature'], got?.headers['webhook-id']],
      ['POST', '{"a":1}', 'application/json', 'v1,sig', 'msg_1']);
    assert.deepEqual(outcome.response?.redirects, [
      { status: 307, method: 'POST', url: `${receiver.url}/to/308/%2Fkept` },
      { status: 308, method: 'POST', url: `${receiver.url}/kept` },
    ]);
  });

  it('302 goes on as a GET without body or Content-Type; the final answer decides', async () => {
    const outcome = await send('/to/302/%2Fas-get');
    assert.equal(outcome.response?.body, 'got GET');
    const [got] = hits('/as-get');
    assert.deepEqual([got?.method, got?.body, got?.headers['content-type'], got?.headers['webhook-signature']], ['GET', '', undefined, 'v1,sig']);
  });

  it('follows 5 redirects, and fails on the 6th, saying so', async () => {
    const five = await send('/chain/5');
    assert.equal(five.response?.body, 'end of chain');
    assert.equal(five.response?.redirects?.length, 5);
    const six = await send('/chain/6');
    assert.equal(six.response, null);
    assert.equal(six.error?.kind, 'redirect');
    assert.match(six.error?.message ?? '', /more than 5 redirects/);
    assert.match(six.error?.message ?? '', /\/chain\/0/, 'names where the 6th would have gone');
    assert.equal(hits('/chain/0').length, 1, 'only the 5-hop chain reached its end');
  });

  it('blocks a redirect to an address the guard blocks, as it would the URL itself', async () => {
    const port = new URL(receiver.url).port;
    for (const target of [`http://127.0.0.2:${port}/internal`, 'http://10.1.2.3/internal', 'http://169.254.169.254/latest/meta-data']) {
      const outcome = await send(`/to/302/${encodeURIComponent(target)}`);
      assert.equal(outcome.error?.kind, 'blocked', target);
      assert.match(outcome.error?.message ?? '', /RELAIS_ALLOW_TARGETS/);
      assert.match(outcome.error?.message ?? '', /after 1 redirect\(s\) \(302 → GET /, 'the message tells where the redirect led');
    }
    assert.equal(hits('/internal').length, 0);
  });

  it('refuses a redirect to another scheme or with credentials in the URL', async () => {
    const port = new URL(receiver.url).port;
    const scheme = await send(`/to/307/${encodeURIComponent('file:///etc/passwd')}`);
    assert.equal(scheme.error?.kind, 'redirect');
    const credentials = await send(`/to/307/${encodeURIComponent(`http://user:pw@127.0.0.1:${port}/creds`)}`);
    assert.equal(credentials.error?.kind, 'redirect');
    assert.doesNotMatch(credentials.error?.message ?? '', /pw@/);
    assert.equal(hits('/creds').length, 0);
  });

  it('one deadline for every hop', async () => {
    const outcome = await send('/slow-to', true, 600); // 400 ms to the redirect, 400 more to the answer
    assert.equal(outcome.error?.kind, 'timeout');
    assert.ok(outcome.durationMs < 900, `gave up after ${outcome.durationMs} ms`);
    assert.match(outcome.error?.message ?? '', /^after 1 redirect/);
  });
});
