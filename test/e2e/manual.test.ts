// What a webhook's owner does by hand: rotate its secret, resend a delivery, send a test event.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { ENGINES } from '../helpers/engines.ts';
import type { Received } from '../helpers/receiver.ts';
import { relaisWithReceiver, seed } from '../helpers/relais.ts';
import { waitFor } from '../helpers/wait.ts';

const verifies = (secret: string, r: Received): boolean => {
  try {
    new StandardWebhook(secret).verify(r.body, { 'webhook-id': String(r.headers['webhook-id']), 'webhook-timestamp': String(r.headers['webhook-timestamp']), 'webhook-signature': String(r.headers['webhook-signature']) });
    return true;
  } catch {
    return false;
  }
};

for (const engine of ENGINES) {
  describe(`by hand: ${engine}`, () => {
    // A short overlap, so the test sees it end.
    const suite = relaisWithReceiver(engine, { RELAIS_SECRET_OVERLAP: '1500ms' });
    const at = (path: string) => suite.receiver.received.filter((r) => r.path === path);

    it('rotates a secret: both sign during the overlap, only the new one after', async () => {
      const { t, receiver } = suite;
      const { webhook } = await seed(t, `${receiver.url}/rot`, { tenant: 'rot', type: 'rot.event' });
      const rotated = await t.call<{ secret: string; previous_secret_expires_at: string }>('POST', `/v1/tenants/rot/webhooks/${webhook.id}/rotate-secret`);
      assert.equal(rotated.status, 200);
      assert.notEqual(rotated.body.secret, webhook.secret);
      assert.ok(Date.parse(rotated.body.previous_secret_expires_at) > Date.now());
      assert.equal((await t.call<{ secret: string }>('GET', `/v1/tenants/rot/webhooks/${webhook.id}/secret`)).body.secret, rotated.body.secret);

      await t.call('POST', '/v1/tenants/rot/events', { type: 'rot.event', data: { n: 1 } });
      const [during] = await waitFor('a request during the overlap', () => at('/rot').length === 1 && at('/rot'));
      assert.equal(String(during!.headers['webhook-signature']).split(' ').length, 2);
      assert.ok(verifies(rotated.body.secret, during!), 'the new secret verifies');
      assert.ok(verifies(webhook.secret, during!), 'the previous secret still verifies');

      await new Promise((r) => setTimeout(r, Date.parse(rotated.body.previous_secret_expires_at) - Date.now() + 50));
      await t.call('POST', '/v1/tenants/rot/events', { type: 'rot.event', data: { n: 2 } });
      const after = await waitFor('a request after the overlap', () => at('/rot')[1]);
      assert.ok(verifies(rotated.body.secret, after));
      assert.ok(!verifies(webhook.secret, after), 'the previous secret no longer signs');

      const chosen = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
      const own = await t.call<{ secret: string }>('POST', `/v1/tenants/rot/webhooks/${webhook.id}/rotate-secret`, { secret: chosen });
      assert.equal(own.body.secret, chosen);
      assert.equal((await t.call('POST', `/v1/tenants/rot/webhooks/${webhook.id}/rotate-secret`, { secret: 'nope' })).status, 422);
    });

    it('resends a delivery as a new delivery of the same event, with the same body', async () => {
      const { t, receiver } = suite;
      await seed(t, `${receiver.url}/again`, { tenant: 'again', type: 'again.event' });
      await t.call('POST', '/v1/tenants/again/events', { type: 'again.event', data: { n: 7 } });
      const [first] = await waitFor('the first request', () => at('/again').length === 1 && at('/again'));
      const original = String(first!.headers['webhook-id']);
      await waitFor('it to succeed', async () => (await t.call<{ status: string }>('GET', `/v1/tenants/again/deliveries/${original}`)).body.status === 'succeeded');
      const res = await t.call<{ id: string; message_id: string; event_id: string; status: string }>('POST', `/v1/tenants/again/deliveries/${original}/resend`);
      assert.equal(res.status, 202);
      assert.notEqual(res.body.id, original, 'a new delivery in the log');
      assert.equal(res.body.message_id, original);
      const second = await waitFor('the resent request', () => at('/again')[1]);
      assert.equal(second.headers['webhook-id'], original, 'the first delivery\'s webhook-id: receivers de-duplicate on it');
      assert.equal(JSON.parse(second.body).data.n, 7);
      const both = (await t.call<{ data: { event_id: string }[] }>('GET', '/v1/tenants/again/deliveries')).body.data;
      assert.equal(both.length, 2);
      assert.equal(both[0]?.event_id, both[1]?.event_id);
      assert.equal((await t.call('POST', '/v1/tenants/again/deliveries/dlv_nope/resend')).status, 404);
    });

    it('sends a test event and answers with the attempt\'s outcome', async () => {
      const { t, receiver } = suite;
      receiver.respond = (r) => (r.path === '/test-bad' ? { status: 503, body: 'down for maintenance' } : { status: 200, body: 'ok' });
      await t.call('POST', '/v1/tenants', { id: 'tst', name: 'Test' });
      await t.call('POST', '/v1/event-types', { name: 'tst.event', example: { hello: 'world' } });
      const good = await t.call<{ id: string }>('POST', '/v1/tenants/tst/webhooks', { url: `${receiver.url}/test-good`, events: ['tst.event'] });
      const bad = await t.call<{ id: string }>('POST', '/v1/tenants/tst/webhooks', { url: `${receiver.url}/test-bad`, events: ['tst.*'], retry: { mode: 'none' } });

      const ok = await t.call<{ status: string; attempts: { succeeded: boolean; response: { status: number } | null }[]; event: { data: unknown } }>('POST', `/v1/tenants/tst/webhooks/${good.body.id}/test`);
      assert.equal(ok.status, 200);
      assert.equal(ok.body.attempts[0]?.succeeded, true);
      assert.equal(ok.body.attempts[0]?.response?.status, 200);
      assert.deepEqual(ok.body.event.data, { hello: 'world' });
      assert.equal(at('/test-bad').length, 0, 'a test goes to that webhook only');

      const ko = await t.call<{ attempts: { succeeded: boolean; response: { status: number; body: string } | null }[] }>('POST', `/v1/tenants/tst/webhooks/${bad.body.id}/test`, { event_type: 'tst.event' });
      assert.equal(ko.body.attempts[0]?.succeeded, false);
      assert.equal(ko.body.attempts[0]?.response?.body, 'down for maintenance');
      assert.equal((await t.call('POST', `/v1/tenants/tst/webhooks/${bad.body.id}/test`)).status, 422, 'a pattern-only webhook needs the type named');

      await t.call('PATCH', `/v1/tenants/tst/webhooks/${good.body.id}`, { enabled: false });
      assert.equal((await t.call('POST', `/v1/tenants/tst/webhooks/${good.body.id}/test`)).status, 409);
    });
  });
}
