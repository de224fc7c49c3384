// A webhook's own request settings end to end, on both engines, against real loopback receivers:
// its timeout (the server's stays for the others), follow_redirects (off: a 3xx is the answer;
// on: what each hop sends, the hop limit, the SSRF guard on every hop), and the delivery detail
// telling who caused the event and what it is about.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { ENGINES } from '../helpers/engines.ts';
import { relaisWithReceiver, seed } from '../helpers/relais.ts';
import { waitFor } from '../helpers/wait.ts';

interface Redirect { status: number; method: string; url: string }
interface Detail {
  status: string;
  event: { actor: { id: string | number | null; name: string | null; email: string | null } | null; resource: { type: string; id: string | number } | null };
  attempts: {
    succeeded: boolean;
    duration_ms: number;
    request: { method: string; url: string; body: string };
    response: { status: number; body: string; redirects: Redirect[] } | null;
    error: { kind: string; message: string } | null;
  }[];
}
interface Page { data: { id: string; webhook_id: string; status: string }[] }

const ONE_ATTEMPT = { retry: { mode: 'none' } };

for (const engine of ENGINES) {
  describe(`a webhook's request settings: ${engine}`, () => {
    // Loopback is allowed at 127.0.0.1 only, where the receiver listens: 127.0.0.2 stands for an
    // internal address the guard blocks. The server's request timeout is 2 s.
    const suite = relaisWithReceiver(engine, { RELAIS_ALLOW_TARGETS: '127.0.0.1/32', RELAIS_REQUEST_TIMEOUT: '2s' });
    const path = (r: { path: string }) => r.path.split('?')[0]!;
    const hits = (p: string) => suite.receiver.received.filter((r) => path(r) === p);

    /** The tenant's deliveries, once all `count` are settled, with their webhook's id. */
    async function settled(tenant: string, count: number): Promise<(Detail & { webhook_id: string })[]> {
      return waitFor(`${count} settled deliveries of ${tenant}`, async () => {
        const page = (await suite.t.call<Page>('GET', `/v1/tenants/${tenant}/deliveries`)).body.data;
        if (page.length !== count || page.some((d) => d.status !== 'succeeded' && d.status !== 'failed')) return undefined;
        return Promise.all(page.map(async (d) => ({ ...(await suite.t.call<Detail>('GET', `/v1/tenants/${tenant}/deliveries/${d.id}`)).body, webhook_id: d.webhook_id })));
      });
    }
    async function only(tenant: string): Promise<Detail> {
      return (await settled(tenant, 1))[0]!;
    }

    it('honours a webhook\'s timeout; webhooks without one keep the server\'s', async () => {
      suite.receiver.respond = (r) => ({ status: 200, delayMs: Number(new URL(r.path, 'http://x').searchParams.get('delay') ?? 0) });
      const url = (delay: number) => `${suite.receiver.url}/slow?delay=${delay}`;
      const { webhook: short } = await seed(suite.t, url(2_000), { tenant: 'timeouts', type: 'slow.event', webhook: { ...ONE_ATTEMPT, timeout: '1s' } });
      const server = await suite.t.call<{ id: string }>('POST', '/v1/tenants/timeouts/webhooks', { url: url(1_500), events: ['slow.event'], ...ONE_ATTEMPT });
      const long = await suite.t.call<{ id: string; timeout: string }>('POST', '/v1/tenants/timeouts/webhooks', { url: url(2_500), events: ['slow.event'], ...ONE_ATTEMPT, timeout: '3s' });
      assert.equal(long.body.timeout, '3s');
      await suite.t.call('POST', '/v1/tenants/timeouts/events', { type: 'slow.event', data: {} });
      const details = new Map((await settled('timeouts', 3)).map((d) => [d.webhook_id, d]));

      const timedOut = details.get(short.id)!.attempts[0]!;
      assert.equal(timedOut.error?.kind, 'timeout');
      assert.match(timedOut.error?.message ?? '', /within 1000 ms/);
      assert.ok(timedOut.duration_ms >= 1_000 && timedOut.duration_ms < 1_700, `recorded after ${timedOut.duration_ms} ms, not ~1 s`);
      const byServer = details.get(server.body.id)!.attempts[0]!;
      assert.equal(byServer.response?.status, 200, 'a 1.5 s answer within the server\'s 2 s');
      const byLong = details.get(long.body.id)!.attempts[0]!;
      assert.equal(byLong.response?.status, 200, 'a 2.5 s answer within the webhook\'s 3 s, past the server\'s 2 s');
    });

    it('off (the default): a 302 is the answer, recorded as a failure, and not followed', async () => {
      suite.receiver.respond = (r) => (path(r) === '/off/start' ? { status: 302, headers: { location: '/off/target' } } : { status: 200 });
      await seed(suite.t, `${suite.receiver.url}/off/start`, { tenant: 'redirect-off', type: 'off.event', webhook: ONE_ATTEMPT });
      await suite.t.call('POST', '/v1/tenants/redirect-off/events', { type: 'off.event', data: {} });
      const detail = await only('redirect-off');
      assert.equal(detail.status, 'failed');
      assert.equal(detail.attempts[0]?.response?.status, 302);
      assert.deepEqual(detail.attempts[0]?.response?.redirects, []);
      assert.equal(hits('/off/target').length, 0);
    });

    it('on: a 307 goes on with the same POST, body and signatures, which verify at the final receiver', async () => {
      suite.receiver.respond = (r) => (path(r) === '/307/start' ? { status: 307, headers: { location: '/307/final' } } : { status: 200, body: 'final' });
      const { webhook } = await seed(suite.t, `${suite.receiver.url}/307/start`, { tenant: 'redirect-307', type: 'r307.event', webhook: { ...ONE_ATTEMPT, follow_redirects: true } });
      await suite.t.call('POST', '/v1/tenants/redirect-307/events', { type: 'r307.event', data: { order: 7 } });
      const detail = await only('redirect-307');
      const [got] = hits('/307/final');
      assert.equal(got?.method, 'POST');
      const verified = new StandardWebhook(webhook.secret).verify(got!.body, {
        'webhook-id': String(got!.headers['webhook-id']), 'webhook-timestamp': String(got!.headers['webhook-timestamp']), 'webhook-signature': String(got!.headers['webhook-signature']),
      });
      assert.deepEqual((verified as { data: unknown }).data, { order: 7 });
      assert.equal(got?.body, hits('/307/start')[0]?.body, 'the same bytes on both hops');

      assert.equal(detail.status, 'succeeded');
      const [attempt] = detail.attempts;
      assert.equal(attempt?.request.url, `${suite.receiver.url}/307/start`, 'the request as the webhook made it');
      assert.equal(attempt?.response?.body, 'final');
      assert.deepEqual(attempt?.response?.redirects, [{ status: 307, method: 'POST', url: `${suite.receiver.url}/307/final` }]);
    });

    it('on: a 302 goes on as a GET without body', async () => {
      suite.receiver.respond = (r) => (path(r) === '/302/start' ? { status: 302, headers: { location: `${suite.receiver.url}/302/final` } } : { status: 204 });
      await seed(suite.t, `${suite.receiver.url}/302/start`, { tenant: 'redirect-302', type: 'r302.event', webhook: { ...ONE_ATTEMPT, follow_redirects: true } });
      await suite.t.call('POST', '/v1/tenants/redirect-302/events', { type: 'r302.event', data: { order: 8 } });
      const detail = await only('redirect-302');
      const [got] = hits('/302/final');
      assert.deepEqual([got?.method, got?.body, got?.headers['content-type']], ['GET', '', undefined]);
      assert.equal(detail.status, 'succeeded');
      assert.deepEqual(detail.attempts[0]?.response?.redirects.map((r) => [r.status, r.method]), [[302, 'GET']]);
    });

    it('on: a 6th redirect fails the attempt, saying so', async () => {
      suite.receiver.respond = (r) => {
        const n = Number(/^\/hops\/(\d+)$/.exec(path(r))?.[1]);
        return n > 0 ? { status: 301, headers: { location: `/hops/${n - 1}` } } : { status: 200 };
      };
      await seed(suite.t, `${suite.receiver.url}/hops/6`, { tenant: 'redirect-six', type: 'six.event', webhook: { ...ONE_ATTEMPT, follow_redirects: true } });
      await suite.t.call('POST', '/v1/tenants/redirect-six/events', { type: 'six.event', data: {} });
      const detail = await only('redirect-six');
      assert.equal(detail.status, 'failed');
      assert.equal(detail.attempts[0]?.response, null);
      assert.equal(detail.attempts[0]?.error?.kind, 'redirect');
      assert.match(detail.attempts[0]?.error?.message ?? '', /more than 5 redirects/);
      assert.equal(hits('/hops/0').length, 0, 'the 6th hop was not made');
      assert.equal(hits('/hops/1').length, 1);
    });

    it('on: a redirect to an address the SSRF guard blocks is blocked, as the URL itself would be', async () => {
      const port = new URL(suite.receiver.url).port;
      suite.receiver.respond = (r) => (path(r) === '/ssrf/start' ? { status: 307, headers: { location: `http://127.0.0.2:${port}/ssrf/internal` } } : { status: 200 });
      await seed(suite.t, `${suite.receiver.url}/ssrf/start`, { tenant: 'redirect-ssrf', type: 'ssrf.event', webhook: { ...ONE_ATTEMPT, follow_redirects: true } });
      await seed(suite.t, `http://127.0.0.2:${port}/ssrf/internal`, { tenant: 'direct-ssrf', type: 'ssrf.event', webhook: ONE_ATTEMPT });
      await suite.t.call('POST', '/v1/tenants/redirect-ssrf/events', { type: 'ssrf.event', data: {} });
      await suite.t.call('POST', '/v1/tenants/direct-ssrf/events', { type: 'ssrf.event', data: {} });
      const [viaRedirect, direct] = [(await only('redirect-ssrf')).attempts[0]!, (await only('direct-ssrf')).attempts[0]!];
      assert.equal(viaRedirect.error?.kind, 'blocked');
      assert.equal(direct.error?.kind, 'blocked');
      assert.equal(viaRedirect.error?.message, `after 1 redirect(s) (307 → POST http://127.0.0.2:${port}/ssrf/internal): ${direct.error?.message}`);
      assert.equal(hits('/ssrf/start').length, 1);
    });

    it('the delivery detail tells who caused the event and what it is about', async () => {
      suite.receiver.respond = () => ({ status: 200 });
      await seed(suite.t, `${suite.receiver.url}/subject`, { tenant: 'subject', type: 'doc.updated' });
      await suite.t.call('POST', '/v1/tenants/subject/events', {
        type: 'doc.updated', data: { name: 'SINV-0001' }, actor: { id: 'u-42', name: 'Ann Martin', email: 'ann@example.com' }, resource: { type: 'Sales Invoice', id: 'SINV-0001' },
      });
      await suite.t.call('POST', '/v1/tenants/subject/events', { type: 'doc.updated', data: {}, actor: { name: 'Cron' } });
      const details = await settled('subject', 2);
      const said = details.find((d) => d.event.resource !== null)!;
      assert.deepEqual(said.event.actor, { id: 'u-42', name: 'Ann Martin', email: 'ann@example.com' });
      assert.deepEqual(said.event.resource, { type: 'Sales Invoice', id: 'SINV-0001' });
      const partly = details.find((d) => d.event.resource === null)!;
      assert.deepEqual(partly.event.actor, { id: null, name: 'Cron', email: null });
    });
  });
}
