// When receivers fail: 410 Gone, Retry-After, auto-disable with a webhook.disabled event to the
// tenant's other webhooks, and the held backlog drained on re-enable.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ENGINES } from '../helpers/engines.ts';
import { relaisWithReceiver, seed } from '../helpers/relais.ts';
import { waitFor } from '../helpers/wait.ts';

interface WebhookOut { enabled: boolean; disabled_reason?: string }
interface DeliveryRow { id: string; status: string; next_attempt_at: string | null; attempt_count: number; event_type: string }

for (const engine of ENGINES) {
  describe(`failing receivers: ${engine}`, () => {
    // Disable after 3 failed attempts in a row, at once (no minimum duration).
    const suite = relaisWithReceiver(engine, { RELAIS_DISABLE_AFTER_FAILURES: '3', RELAIS_DISABLE_AFTER: '0', RELAIS_RETRY_SCHEDULE: '0,50ms,50ms,50ms,50ms,50ms' });
    const deliveries = async (tenant: string, query = '') =>
      (await suite.t.call<{ data: DeliveryRow[] }>('GET', `/v1/tenants/${tenant}/deliveries?limit=200${query}`)).body.data;

    it('disables a webhook at once when its receiver answers 410 Gone', async () => {
      const { t, receiver } = suite;
      receiver.respond = (r) => (r.path === '/gone' ? { status: 410 } : { status: 200 });
      const { webhook } = await seed(t, `${receiver.url}/gone`, { tenant: 'gone', type: 'gone.event' });
      await t.call('POST', '/v1/tenants/gone/events', { type: 'gone.event', data: {} });
      const after = await waitFor('the webhook disabled', async () => {
        const w = (await t.call<WebhookOut>('GET', `/v1/tenants/gone/webhooks/${webhook.id}`)).body;
        return w.enabled ? undefined : w;
      });
      assert.match(JSON.stringify(after), /410 Gone/);
      const [d] = await deliveries('gone', '&event_type=gone.event');
      assert.deepEqual([d?.status, d?.attempt_count], ['failed', 1], 'a 410 is not retried');
    });

    it('waits as long as Retry-After asks on a 429', async () => {
      const { t, receiver } = suite;
      let calls = 0;
      receiver.respond = (r) => (r.path === '/slow' && ++calls === 1 ? { status: 429, headers: { 'retry-after': '2' } } : { status: 200 });
      await seed(t, `${receiver.url}/slow`, { tenant: 'slow', type: 'slow.event' });
      await t.call('POST', '/v1/tenants/slow/events', { type: 'slow.event', data: {} });
      const pending = await waitFor('the retry scheduled', async () => (await deliveries('slow')).find((d) => d.status === 'pending' && d.attempt_count === 1));
      const waitMs = Date.parse(pending.next_attempt_at!) - Date.now();
      assert.ok(waitMs > 1_000, `next attempt ~2 s away, not the schedule's 50 ms (${waitMs} ms)`);
      const hits = () => receiver.received.filter((r) => r.path === '/slow');
      await waitFor('the second attempt', () => hits().length === 2, 5_000);
      assert.ok(hits()[1]!.at - hits()[0]!.at >= 1_900, 'the second attempt came after Retry-After');
    });

    it('disables a webhook that keeps failing, tells its siblings, and drains the backlog on re-enable', async () => {
      const { t, receiver } = suite;
      let up = false;
      receiver.respond = (r) => (r.path === '/down' && !up ? { status: 500 } : { status: 200 });
      const { webhook } = await seed(t, `${receiver.url}/down`, { tenant: 'down', type: 'down.event' });
      await t.call('POST', '/v1/event-types', { name: 'down.other' });
      const sibling = await t.call<{ id: string }>('POST', '/v1/tenants/down/webhooks', { url: `${receiver.url}/watcher`, events: ['webhook.disabled'] });
      assert.equal(sibling.status, 201);

      await t.call('POST', '/v1/tenants/down/events', { type: 'down.event', data: { n: 1 } });
      const disabled = await waitFor('the webhook disabled', async () => {
        const w = (await t.call<WebhookOut>('GET', `/v1/tenants/down/webhooks/${webhook.id}`)).body;
        return w.enabled ? undefined : w;
      });
      assert.equal(disabled.enabled, false);
      assert.match(disabled.disabled_reason ?? '', /3 failed attempts in a row/);
      const notice = await waitFor('webhook.disabled at the sibling', () => receiver.received.find((r) => r.path === '/watcher'));
      const body = JSON.parse(notice.body) as { type: string; data: { id: string; disabled_reason: string; secret?: string } };
      assert.equal(body.type, 'webhook.disabled');
      assert.equal(body.data.id, webhook.id);
      assert.match(body.data.disabled_reason, /3 failed attempts in a row/);
      assert.equal(body.data.secret, undefined, 'lifecycle events never carry the secret');
      assert.equal(receiver.received.filter((r) => r.path === '/down' && r.body.includes('webhook.disabled')).length, 0, 'the disabled webhook is not told');

      // While disabled, the failing delivery and new ones are kept, not dropped.
      const held = (await deliveries('down', '&event_type=down.event')).filter((d) => d.status === 'pending');
      assert.equal(held.length, 1);
      assert.equal(held[0]?.next_attempt_at, null);

      up = true;
      assert.equal((await t.call('PATCH', `/v1/tenants/down/webhooks/${webhook.id}`, { enabled: true })).status, 200);
      await waitFor('the backlog delivered', async () => (await deliveries('down', '&event_type=down.event')).every((d) => d.status === 'succeeded'));
      const w = (await t.call<WebhookOut & { disabled_reason: string | null; health: { consecutive_failures: number; last_success_at: string | null } }>('GET', `/v1/tenants/down/webhooks/${webhook.id}`)).body;
      assert.equal(w.enabled, true);
      assert.equal(w.disabled_reason, null);
      assert.equal(w.health.consecutive_failures, 0, 'the success reset the record');
      assert.ok(w.health.last_success_at);
    });
  });
}
