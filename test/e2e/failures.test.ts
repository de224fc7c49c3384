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

    it('cancels the deliveries a disabled webhook holds, on request', async () => {
      const { t, receiver } = suite;
      // Two deliveries that failed once and wait an hour for their retry, then held by disabling.
      const { webhook } = await seed(t, `${receiver.url}/cancel`, { tenant: 'cancel', type: 'cancel.event', webhook: { retry: { mode: 'custom', schedule: ['0', '1h'] } } });
      receiver.respond = (r) => (r.path === '/cancel' ? { status: 500 } : { status: 200 });
      await t.call('POST', '/v1/tenants/cancel/events/batch', { events: [{ type: 'cancel.event', data: {} }, { type: 'cancel.event', data: {} }] });
      await waitFor('both attempted once', async () => (await deliveries('cancel', '&event_type=cancel.event')).every((d) => d.attempt_count === 1 && d.status === 'pending'));
      await t.call('PATCH', `/v1/tenants/cancel/webhooks/${webhook.id}`, { enabled: false });
      const res = await t.call<{ cancelled: number }>('POST', `/v1/tenants/cancel/webhooks/${webhook.id}/cancel-pending`);
      assert.deepEqual(res.body, { cancelled: 2 });
      assert.ok((await deliveries('cancel', '&event_type=cancel.event')).every((d) => d.status === 'cancelled'));
      await t.call('PATCH', `/v1/tenants/cancel/webhooks/${webhook.id}`, { enabled: true });
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(receiver.received.filter((r) => r.path === '/cancel').length, 2, 'nothing cancelled goes out on re-enable');
    });

    it('tells webhook.* subscribers about webhooks created, updated and deleted', async () => {
      const { t, receiver } = suite;
      receiver.respond = () => ({ status: 200 });
      await seed(t, `${receiver.url}/watch-all`, { tenant: 'life', type: 'life.event', webhook: { events: ['webhook.*'] } });
      const made = await t.call<{ id: string }>('POST', '/v1/tenants/life/webhooks', { url: `${receiver.url}/other`, events: ['life.event'], headers: { Authorization: 'Bearer hidden-token' } });
      await t.call('PATCH', `/v1/tenants/life/webhooks/${made.body.id}`, { description: 'renamed' });
      await t.call('DELETE', `/v1/tenants/life/webhooks/${made.body.id}`);
      const seen = await waitFor('three lifecycle events about it', () => {
        const got = receiver.received.filter((r) => r.path === '/watch-all').map((r) => JSON.parse(r.body) as { type: string; data: { id: string; description: string | null } });
        return got.filter((e) => e.data.id === made.body.id).length >= 3 && got;
      });
      const about = seen.filter((e) => e.data.id === made.body.id).map((e) => e.type).sort();
      assert.deepEqual(about, ['webhook.created', 'webhook.deleted', 'webhook.updated']);
      assert.equal(seen.find((e) => e.type === 'webhook.updated' && e.data.id === made.body.id)?.data.description, 'renamed');
      assert.ok(!receiver.received.some((r) => r.body.includes('hidden-token')), 'headers stay redacted');
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
