// Deliveries made by hand, as integrators rely on them, on both engines: a resend and the recovery
// of a failed delivery carry the first delivery's webhook-id (receivers de-duplicate on it), signed
// over that id; they say what made them (origin) and their attempts that they were manual; the
// log filters by event, and an event is readable by its id — its own tenant's only.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { ENGINES } from '../helpers/engines.ts';
import { relaisWithReceiver } from '../helpers/relais.ts';
import type { Received } from '../helpers/receiver.ts';
import { waitFor } from '../helpers/wait.ts';

interface Delivery { id: string; message_id: string; origin: string; event_id: string; webhook_id: string; status: string }
interface Detail extends Delivery { attempts: { manual: boolean; request: { headers: Record<string, string> } }[] }
interface EventOut { id: string; idempotency_id: string | null; type: string; data: unknown; deliveries: number; received_at: string }

for (const engine of ENGINES) {
  describe(`deliveries made by hand: ${engine}`, () => {
    const suite = relaisWithReceiver(engine);
    const tenant = 'manual';
    let secret: string;
    let hook: string;
    let other: string;
    let eventId: string;
    let first: Delivery;

    const at = (path: string): Received[] => suite.receiver.received.filter((r) => r.path === path);
    const detail = async (id: string): Promise<Detail> => {
      const res = await suite.t.call<Detail>('GET', `/v1/tenants/${tenant}/deliveries/${id}`);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return res.body;
    };
    /** The receiver's check: the request verifies, over the webhook-id it carries. */
    const verified = (r: Received): string => {
      const headers = Object.fromEntries(Object.entries(r.headers).map(([k, v]) => [k, String(v)]));
      new Webhook(secret).verify(r.body, headers);
      return headers['webhook-id']!;
    };

    it('sets up: an event whose delivery to one webhook fails once (no retries), and to another succeeds', async () => {
      const t = suite.t;
      assert.equal((await t.call('POST', '/v1/tenants', { id: tenant, name: tenant })).status, 201);
      assert.ok([200, 201].includes((await t.call('POST', '/v1/event-types', { name: 'invoice.paid' })).status));
      suite.receiver.respond = (req) => ({ status: req.path === '/flaky' && at('/flaky').length === 1 ? 500 : 200 });
      const a = await t.call<{ id: string; secret: string }>('POST', `/v1/tenants/${tenant}/webhooks`, { url: `${suite.receiver.url}/flaky`, events: ['invoice.*'], retry: { mode: 'none' } });
      assert.equal(a.status, 201, JSON.stringify(a.body));
      const b = await t.call<{ id: string }>('POST', `/v1/tenants/${tenant}/webhooks`, { url: `${suite.receiver.url}/steady`, events: ['invoice.*'] });
      assert.equal(b.status, 201, JSON.stringify(b.body));
      [hook, secret, other] = [a.body.id, a.body.secret, b.body.id];
      const sent = await t.call<{ id: string }>('POST', `/v1/tenants/${tenant}/events`, { type: 'invoice.paid', id: 'inv-7-paid', data: { invoice: 7 } });
      assert.equal(sent.status, 202);
      eventId = sent.body.id;
      first = await waitFor('the failed delivery', async () => {
        const list = await t.call<{ data: Delivery[] }>('GET', `/v1/tenants/${tenant}/deliveries?webhook=${hook}`);
        const d = list.body.data[0];
        return d?.status === 'failed' && d;
      });
      assert.equal(first.origin, 'event');
      assert.equal(first.message_id, first.id, 'an event\'s own delivery carries its own id');
      assert.equal(verified(at('/flaky')[0]!), first.id);
      assert.deepEqual((await detail(first.id)).attempts.map((a) => a.manual), [false]);
    });

    it('a resend carries the first delivery\'s webhook-id, signed over it, and its attempt says it was manual', async () => {
      const res = await suite.t.call<Delivery>('POST', `/v1/tenants/${tenant}/deliveries/${first.id}/resend`);
      assert.equal(res.status, 202, JSON.stringify(res.body));
      assert.notEqual(res.body.id, first.id, 'a new delivery in the log');
      assert.equal(res.body.message_id, first.id);
      assert.equal(res.body.origin, 'resend');
      await waitFor('the resend to arrive', () => at('/flaky').length === 2);
      assert.equal(verified(at('/flaky')[1]!), first.id, 'the receiver sees the same webhook-id: one message');
      const resent = await waitFor('the resend to succeed', async () => { const d = await detail(res.body.id); return d.status === 'succeeded' && d; });
      assert.deepEqual(resent.attempts.map((a) => a.manual), [true]);
      assert.equal(resent.attempts[0]!.request.headers['webhook-id'], first.id);
    });

    it('recovering the failed delivery keeps its webhook-id too', async () => {
      // A second event failing on the flaky webhook, then recovered.
      suite.receiver.respond = (req) => ({ status: req.path === '/flaky' ? 503 : 200 });
      const sent = await suite.t.call<{ id: string }>('POST', `/v1/tenants/${tenant}/events`, { type: 'invoice.paid', data: { invoice: 8 } });
      const failed = await waitFor('the second failure', async () => {
        const list = await suite.t.call<{ data: Delivery[] }>('GET', `/v1/tenants/${tenant}/deliveries?webhook=${hook}&event=${sent.body.id}`);
        const d = list.body.data[0];
        return d?.status === 'failed' && d;
      });
      suite.receiver.respond = () => ({ status: 200 });
      const since = new Date(Date.now() - 60_000).toISOString();
      const recovered = await suite.t.call<{ resent: number }>('POST', `/v1/tenants/${tenant}/webhooks/${hook}/recover`, { since });
      assert.equal(recovered.status, 202, JSON.stringify(recovered.body));
      assert.equal(recovered.body.resent, 1, 'only the second event\'s delivery is failed now (the first was resent successfully)');
      const again = await waitFor('the recovered delivery', async () => {
        const list = await suite.t.call<{ data: Delivery[] }>('GET', `/v1/tenants/${tenant}/deliveries?event=${sent.body.id}&webhook=${hook}`);
        return list.body.data.find((d) => d.origin === 'recovery' && d.status === 'succeeded');
      });
      assert.equal(again.message_id, failed.id);
      assert.equal(verified(at('/flaky').at(-1)!), failed.id);
      assert.deepEqual((await detail(again.id)).attempts.map((a) => a.manual), [true]);
    });

    it('lists the deliveries of one event, and reads the event by its id', async () => {
      const list = await suite.t.call<{ data: Delivery[] }>('GET', `/v1/tenants/${tenant}/deliveries?event=${eventId}`);
      assert.equal(list.status, 200);
      assert.deepEqual(new Set(list.body.data.map((d) => d.event_id)), new Set([eventId]));
      assert.deepEqual(list.body.data.map((d) => `${d.webhook_id === hook ? 'flaky' : d.webhook_id === other ? 'steady' : '?'}:${d.origin}`).sort(),
        ['flaky:event', 'flaky:resend', 'steady:event']);

      const event = await suite.t.call<EventOut>('GET', `/v1/tenants/${tenant}/events/${eventId}`);
      assert.equal(event.status, 200, JSON.stringify(event.body));
      assert.deepEqual({ id: event.body.id, idempotency_id: event.body.idempotency_id, type: event.body.type, data: event.body.data, deliveries: event.body.deliveries },
        { id: eventId, idempotency_id: 'inv-7-paid', type: 'invoice.paid', data: { invoice: 7 }, deliveries: 2 });
      assert.ok(!Number.isNaN(Date.parse(event.body.received_at)));

      const missing = await suite.t.call<{ status: number }>('GET', `/v1/tenants/${tenant}/events/evt_nope`);
      assert.equal(missing.status, 404);
    });

    it('another tenant sees neither the event nor its deliveries', async () => {
      assert.equal((await suite.t.call('POST', '/v1/tenants', { id: 'stranger', name: 'stranger' })).status, 201);
      const token = await suite.t.call<{ token: string }>('POST', '/v1/tenants/stranger/tokens', { name: 'stranger' });
      assert.equal(token.status, 201, JSON.stringify(token.body));
      const as = (path: string) => fetch(`${suite.t.url}${path}`, { headers: { authorization: `Bearer ${token.body.token}` } });
      assert.equal((await as(`/v1/tenants/stranger/events/${eventId}`)).status, 404, 'not found under its own tenant');
      assert.equal((await as(`/v1/tenants/${tenant}/events/${eventId}`)).status, 404, 'another tenant\'s path: not found, as everywhere');
      const theirs = await (await as(`/v1/tenants/stranger/deliveries?event=${eventId}`)).json() as { data: unknown[] };
      assert.deepEqual(theirs.data, []);
    });
  });
}
