// Events in, signed deliveries out: the delivery core end to end, on both engines, against
// real loopback receivers.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { ENGINES } from '../helpers/engines.ts';
import { closedPort } from '../helpers/receiver.ts';
import { relaisWithReceiver, seed } from '../helpers/relais.ts';
import { waitFor } from '../helpers/wait.ts';

interface DeliveryDetail {
  id: string;
  status: string;
  attempt_count: number;
  webhook_id: string;
  attempts: {
    succeeded: boolean;
    request: { method: string; url: string; headers: Record<string, string>; body: string };
    response: { status: number; body: string } | null;
    error: { kind: string; message: string } | null;
  }[];
}
interface Page { data: { id: string; status: string }[] }

for (const engine of ENGINES) {
  describe(`delivery core: ${engine}`, () => {
    const suite = relaisWithReceiver(engine);

    async function delivered(tenant: string, id: string, status = 'succeeded'): Promise<DeliveryDetail> {
      return waitFor(`delivery ${id} ${status}`, async () => {
        const res = await suite.t.call<DeliveryDetail>('GET', `/v1/tenants/${tenant}/deliveries/${id}`);
        return res.body.status === status ? res.body : undefined;
      });
    }
    async function deliveryOf(tenant: string, eventType: string): Promise<string> {
      const page = await waitFor('a delivery', async () => (await suite.t.call<Page>('GET', `/v1/tenants/${tenant}/deliveries?event_type=${eventType}`)).body.data[0]);
      return page.id;
    }

    it('delivers a Standard Webhooks request that the public library verifies', async () => {
      suite.receiver.respond = () => ({ status: 200, body: 'thanks' });
      const { webhook } = await seed(suite.t, `${suite.receiver.url}/standard`, { tenant: 'std', type: 'order.paid', webhook: { headers: { 'X-Api-Key': 'k-123' } } });
      const sent = await suite.t.call<{ id: string; deliveries: number; duplicate: boolean }>('POST', '/v1/tenants/std/events',
        { type: 'order.paid', data: { order: 42, total: 9.5, tags: ['a'] }, occurred_at: '2026-01-02T03:04:05.000Z' });
      assert.equal(sent.status, 202);
      assert.equal(sent.body.deliveries, 1);
      assert.equal(sent.body.duplicate, false);

      const req = await waitFor('the request', () => suite.receiver.received.find((r) => r.path === '/standard'));
      const verified = new StandardWebhook(webhook.secret).verify(req.body, {
        'webhook-id': String(req.headers['webhook-id']),
        'webhook-timestamp': String(req.headers['webhook-timestamp']),
        'webhook-signature': String(req.headers['webhook-signature']),
      });
      assert.deepEqual(verified, { type: 'order.paid', timestamp: '2026-01-02T03:04:05.000Z', data: { order: 42, total: 9.5, tags: ['a'] } });
      assert.equal(req.method, 'POST');
      assert.equal(req.headers['content-type'], 'application/json');
      assert.equal(req.headers['x-api-key'], 'k-123');

      const detail = await delivered('std', String(req.headers['webhook-id']));
      assert.equal(detail.attempt_count, 1);
      const [attempt] = detail.attempts;
      assert.equal(attempt?.response?.status, 200);
      assert.equal(attempt?.response?.body, 'thanks');
      assert.equal(attempt?.request.body, req.body, 'the attempt records the exact bytes sent');
      assert.equal(attempt?.request.headers['x-api-key'], '[redacted]', 'secret headers are not kept in the log');
      assert.equal(attempt?.request.headers['webhook-id'], detail.id);
    });

    it('retries a 500 with the same webhook-id and ends succeeded after two attempts', async () => {
      suite.receiver.respond = (r) => (r.path === '/flaky' && suite.receiver.received.filter((x) => x.path === '/flaky').length === 1
        ? { status: 500, body: 'boom' } : { status: 204 });
      await seed(suite.t, `${suite.receiver.url}/flaky`, { tenant: 'flaky', type: 'flaky.event' });
      await suite.t.call('POST', '/v1/tenants/flaky/events', { type: 'flaky.event', data: { n: 1 } });
      const id = await deliveryOf('flaky', 'flaky.event');
      const detail = await delivered('flaky', id);
      const hits = suite.receiver.received.filter((r) => r.path === '/flaky');
      assert.equal(hits.length, 2);
      assert.equal(hits[0]?.headers['webhook-id'], id);
      assert.equal(hits[1]?.headers['webhook-id'], id);
      assert.equal(hits[0]?.body, hits[1]?.body, 'a retry sends the same body');
      assert.equal(detail.attempt_count, 2);
      assert.deepEqual(detail.attempts.map((a) => [a.succeeded, a.response?.status]), [[false, 500], [true, 204]]);
      assert.equal(detail.attempts[0]?.response?.body, 'boom');
    });

    it('records a connection error for an unreachable URL, then fails once the schedule is spent', async () => {
      const port = await closedPort();
      await seed(suite.t, `http://127.0.0.1:${port}/nobody`, { tenant: 'down', type: 'down.event' });
      await suite.t.call('POST', '/v1/tenants/down/events', { type: 'down.event', data: {} });
      const id = await deliveryOf('down', 'down.event');
      const detail = await delivered('down', id, 'failed');
      assert.equal(detail.attempt_count, 3, 'the test schedule allows three attempts');
      for (const a of detail.attempts) {
        assert.equal(a.response, null);
        assert.equal(a.error?.kind, 'connection_refused');
      }
    });

    it('records a 3xx as a failure and does not follow it', async () => {
      suite.receiver.respond = (r) => (r.path === '/moved' ? { status: 301, headers: { location: `${suite.receiver.url}/elsewhere` } } : { status: 200 });
      await seed(suite.t, `${suite.receiver.url}/moved`, { tenant: 'moved', type: 'moved.event', webhook: { retry: { mode: 'none' } } });
      await suite.t.call('POST', '/v1/tenants/moved/events', { type: 'moved.event', data: {} });
      const detail = await delivered('moved', await deliveryOf('moved', 'moved.event'), 'failed');
      assert.equal(detail.attempts.length, 1, 'retry mode none makes one attempt');
      assert.equal(detail.attempts[0]?.response?.status, 301);
      assert.ok(!suite.receiver.received.some((r) => r.path === '/elsewhere'));
    });

    it('truncates a large response body to 64 KiB', async () => {
      suite.receiver.respond = (r) => (r.path === '/big' ? { status: 200, body: 'x'.repeat(200_000) } : { status: 200 });
      await seed(suite.t, `${suite.receiver.url}/big`, { tenant: 'big', type: 'big.event' });
      await suite.t.call('POST', '/v1/tenants/big/events', { type: 'big.event', data: {} });
      const detail = await delivered('big', await deliveryOf('big', 'big.event'));
      assert.equal(detail.attempts[0]?.response?.body.length, 64 * 1024);
      assert.equal((detail.attempts[0]?.response as { body_truncated?: boolean }).body_truncated, true);
    });

    it('stores an event sent twice with the same id once, with no new deliveries', async () => {
      suite.receiver.respond = () => ({ status: 200 });
      await seed(suite.t, `${suite.receiver.url}/idem`, { tenant: 'idem', type: 'idem.event' });
      const first = await suite.t.call<{ id: string; deliveries: number; duplicate: boolean }>('POST', '/v1/tenants/idem/events', { type: 'idem.event', id: 'order-7', data: { v: 1 } });
      const second = await suite.t.call<{ id: string; deliveries: number; duplicate: boolean }>('POST', '/v1/tenants/idem/events', { type: 'idem.event', id: 'order-7', data: { v: 1 } }); // same content (other content: 409, test/e2e/problems.test.ts)
      assert.equal(first.status, 202);
      assert.equal(second.status, 202);
      assert.equal(second.body.id, first.body.id);
      assert.equal(second.body.deliveries, 1);
      assert.equal(second.body.duplicate, true);
      await waitFor('the delivery', () => suite.receiver.received.some((r) => r.path === '/idem'));
      await new Promise((r) => setTimeout(r, 200));
      const hits = suite.receiver.received.filter((r) => r.path === '/idem');
      assert.equal(hits.length, 1);
      assert.deepEqual(JSON.parse(hits[0]!.body).data, { v: 1 });
      assert.equal((await suite.t.call<Page>('GET', '/v1/tenants/idem/deliveries')).body.data.length, 1);
    });

    it('takes a batch of events in one call, each fanned out to every matching webhook', async () => {
      suite.receiver.respond = () => ({ status: 200 });
      await seed(suite.t, `${suite.receiver.url}/batch-a`, { tenant: 'batch', type: 'batch.one' });
      await suite.t.call('POST', '/v1/event-types', { name: 'batch.two' });
      await suite.t.call('POST', '/v1/tenants/batch/webhooks', { url: `${suite.receiver.url}/batch-b`, events: ['batch.*'] });
      await suite.t.call('POST', '/v1/tenants/batch/webhooks', { url: `${suite.receiver.url}/batch-c`, events: ['*'], enabled: false });
      const res = await suite.t.call<{ events: { id: string; deliveries: number; duplicate: boolean }[] }>('POST', '/v1/tenants/batch/events/batch', {
        events: [{ type: 'batch.one', data: { i: 1 } }, { type: 'batch.two', data: { i: 2 } }, { type: 'batch.one', data: { i: 3 }, id: 'b3' }, { type: 'batch.one', data: { i: 3 }, id: 'b3' }],
      });
      assert.equal(res.status, 202);
      assert.deepEqual(res.body.events.map((e) => [e.deliveries, e.duplicate]), [[2, false], [1, false], [2, false], [2, true]]);
      await waitFor('five requests', () => suite.receiver.received.filter((r) => r.path.startsWith('/batch-')).length === 5);
      assert.ok(!suite.receiver.received.some((r) => r.path === '/batch-c'), 'a disabled webhook gets nothing');
    });

    it('holds a disabled webhook\'s pending deliveries and sends them when it is enabled again', async () => {
      let healthy = false;
      suite.receiver.respond = (r) => (r.path === '/held' && !healthy ? { status: 503 } : { status: 200 });
      const { webhook } = await seed(suite.t, `${suite.receiver.url}/held`, { tenant: 'held', type: 'held.event', webhook: { retry: { mode: 'custom', schedule: ['0', '1h'] } } });
      await suite.t.call('POST', '/v1/tenants/held/events', { type: 'held.event', data: { n: 1 } });
      const id = await deliveryOf('held', 'held.event');
      const waiting = await waitFor('the retry to be scheduled', async () => {
        const d = (await suite.t.call<DeliveryDetail & { next_attempt_at: string | null }>('GET', `/v1/tenants/held/deliveries/${id}`)).body;
        return d.attempt_count === 1 && d.status === 'pending' ? d : undefined;
      });
      assert.ok(Date.parse(waiting.next_attempt_at ?? '') > Date.now() + 30 * 60_000, 'next attempt in about an hour');

      assert.equal((await suite.t.call('PATCH', `/v1/tenants/held/webhooks/${webhook.id}`, { enabled: false })).status, 200);
      const held = (await suite.t.call<{ status: string; next_attempt_at: string | null }>('GET', `/v1/tenants/held/deliveries/${id}`)).body;
      assert.deepEqual([held.status, held.next_attempt_at], ['pending', null], 'kept, not dropped, and not due');
      const sentWhileDisabled = await suite.t.call<{ deliveries: number }>('POST', '/v1/tenants/held/events', { type: 'held.event', data: { n: 2 } });
      assert.equal(sentWhileDisabled.body.deliveries, 0, 'a disabled webhook takes no new events');

      healthy = true;
      assert.equal((await suite.t.call('PATCH', `/v1/tenants/held/webhooks/${webhook.id}`, { enabled: true })).status, 200);
      const detail = await delivered('held', id);
      assert.equal(detail.attempt_count, 2);
    });

    it('never writes secrets to its logs or its API listings', async () => {
      const { webhook } = await seed(suite.t, `${suite.receiver.url}/secret`, { tenant: 'sec', type: 'sec.event', webhook: { headers: { Authorization: 'Bearer receiver-token-xyz' } } });
      await suite.t.call('POST', '/v1/tenants/sec/events', { type: 'sec.event', data: {} });
      await waitFor('the request', () => suite.receiver.received.some((r) => r.path === '/secret'));
      const listing = JSON.stringify((await suite.t.call('GET', '/v1/tenants/sec/webhooks')).body);
      const one = JSON.stringify((await suite.t.call('GET', `/v1/tenants/sec/webhooks/${webhook.id}`)).body);
      const log = JSON.stringify((await suite.t.call('GET', '/v1/tenants/sec/deliveries')).body);
      for (const text of [listing, one, log, suite.t.logs.join('\n')]) {
        assert.ok(!text.includes(webhook.secret), 'no signing secret');
        assert.ok(!text.includes('receiver-token-xyz'), 'no secret header value');
      }
      assert.equal((await suite.t.call<{ secret: string }>('GET', `/v1/tenants/sec/webhooks/${webhook.id}/secret`)).body.secret, webhook.secret);
    });
  });
}
