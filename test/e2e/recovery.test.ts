// Nothing accepted is skipped (issue 17): a webhook disabled by its failure policy keeps getting
// its events as held deliveries, sent in order when it is enabled again or dropped on request;
// one disabled by hand gets none, and `recover` delivers what it missed, or resends what failed.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RECOVER_MAX_EVENTS } from '../../src/core/recovery.ts';
import { ENGINES } from '../helpers/engines.ts';
import { relaisWithReceiver, seed } from '../helpers/relais.ts';
import { waitFor } from '../helpers/wait.ts';

interface DeliveryRow { id: string; event_id: string; status: string; held: boolean; next_attempt_at: string | null; origin: string }
interface Recovered { count: number; resent: number; created: number; until: string; next_since: string | null }
interface Problem { code: string; errors?: { field: string }[] }

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

for (const engine of ENGINES) {
  describe(`held and recovered deliveries: ${engine}`, () => {
    // Disabled after 3 failed attempts in a row, at once. The disabling follows the third failure's
    // record, asynchronously: the fourth attempt comes late enough that it always lands first (at
    // 50 ms a loaded machine sent a fourth request before the webhook was disabled).
    const suite = relaisWithReceiver(engine, { RELAIS_DISABLE_AFTER_FAILURES: '3', RELAIS_DISABLE_AFTER: '0', RELAIS_RETRY_SCHEDULE: '0,50ms,50ms,5s,5s,5s' });
    /** Paths whose receiver answers 500. */
    const down = new Set<string>();
    const at = (path: string) => suite.receiver.received.filter((r) => r.path === path);
    const numbers = (path: string) => at(path).map((r) => (JSON.parse(r.body) as { data: { n: number } }).data.n);
    const deliveries = async (tenant: string, query: string) =>
      (await suite.t.call<{ data: DeliveryRow[] }>('GET', `/v1/tenants/${tenant}/deliveries?limit=200&${query}`)).body.data;
    const send = async (tenant: string, type: string, n: number) =>
      (await suite.t.call<{ deliveries: number }>('POST', `/v1/tenants/${tenant}/events`, { type, data: { n } })).body.deliveries;
    const recover = (tenant: string, webhook: string, body: unknown, token?: string) =>
      suite.t.call<Recovered & Problem>('POST', `/v1/tenants/${tenant}/webhooks/${webhook}/recover`, body, token);

    /** A webhook whose receiver fails, until Relais disables it (its first event, n = 0, is then held). */
    async function autoDisabled(tenant: string, webhook: Record<string, unknown> = {}): Promise<string> {
      const { t, receiver } = suite;
      receiver.respond = (r) => ({ status: down.has(r.path) ? 500 : 200 });
      down.add(`/${tenant}`);
      const seeded = await seed(t, `${receiver.url}/${tenant}`, { tenant, type: `${tenant}.event`, webhook });
      assert.equal(await send(tenant, `${tenant}.event`, 0), 1);
      await waitFor('the webhook disabled by its failure policy', async () =>
        (await t.call<{ disabled_reason: string | null }>('GET', `/v1/tenants/${tenant}/webhooks/${seeded.webhook.id}`)).body.disabled_reason ?? undefined);
      return seeded.webhook.id;
    }

    it('holds the events an auto-disabled webhook matches, shows and counts them, and sends them in order once enabled', async () => {
      const { t } = suite;
      // One request at a time, so the receiver sees them in the order they are sent.
      const webhook = await autoDisabled('held', { max_concurrency: 1, condition: 'data.n >= 0' });
      await t.call('POST', '/v1/event-types', { name: 'held.other' });
      for (let n = 1; n <= 12; n++) assert.equal(await send('held', 'held.event', n), 1, 'counted in the event\'s deliveries');
      assert.equal(await send('held', 'held.event', -1), 0, 'its condition applies while it is disabled');
      assert.equal(await send('held', 'held.other', 13), 0, 'and its event types');

      const held = await deliveries('held', `webhook=${webhook}&held=true`);
      assert.equal(held.length, 13, 'the first, failing delivery and the twelve since');
      assert.ok(held.every((d) => d.status === 'pending' && d.held && d.next_attempt_at === null));
      assert.deepEqual(await deliveries('held', `webhook=${webhook}&held=false`), []);
      assert.equal((await t.call<DeliveryRow>('GET', `/v1/tenants/held/deliveries/${held[0]!.id}`)).body.held, true);
      await pause(300);
      assert.equal(at('/held').length, 3, 'nothing is sent while it is disabled');

      down.delete('/held');
      assert.equal((await t.call('PATCH', `/v1/tenants/held/webhooks/${webhook}`, { enabled: true })).status, 200);
      await waitFor('every held delivery sent', async () => (await deliveries('held', `webhook=${webhook}`)).every((d) => d.status === 'succeeded'));
      assert.deepEqual(numbers('/held').slice(3), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], 'in the order the events were accepted');
    });

    it('drops the held deliveries when the tenant cancels them', async () => {
      const { t } = suite;
      const webhook = await autoDisabled('drop');
      for (let n = 1; n <= 3; n++) assert.equal(await send('drop', 'drop.event', n), 1);
      const res = await t.call<{ cancelled: number }>('POST', `/v1/tenants/drop/webhooks/${webhook}/cancel-pending`);
      assert.deepEqual(res.body, { cancelled: 4 });
      assert.deepEqual(await deliveries('drop', 'held=true'), []);
      assert.deepEqual((await deliveries('drop', `webhook=${webhook}`)).map((d) => d.status), ['cancelled', 'cancelled', 'cancelled', 'cancelled']);
      down.delete('/drop');
      await t.call('PATCH', `/v1/tenants/drop/webhooks/${webhook}`, { enabled: true });
      await pause(300);
      assert.equal(at('/drop').length, 3, 'nothing cancelled goes out on re-enable');
    });

    it('gives a webhook disabled by hand nothing; recover with missing delivers exactly the matching events it missed, once', async () => {
      const { t, receiver } = suite;
      const { webhook } = await seed(t, `${receiver.url}/miss`, { tenant: 'miss', type: 'miss.event', webhook: { condition: 'data.n > 0', max_concurrency: 1 } });
      await t.call('POST', '/v1/event-types', { name: 'miss.other' });
      const since = new Date(Date.now() - 1).toISOString();
      assert.equal(await send('miss', 'miss.event', 1), 1);
      await waitFor('the first delivered', () => at('/miss').length === 1);
      await t.call('PATCH', `/v1/tenants/miss/webhooks/${webhook.id}`, { enabled: false });
      for (const [type, n] of [['miss.event', 2], ['miss.event', 0], ['miss.other', 3], ['miss.event', 4]] as const) {
        assert.equal(await send('miss', type, n), 0, 'no delivery while disabled by hand');
      }
      assert.equal((await deliveries('miss', `webhook=${webhook.id}`)).length, 1);
      await t.call('PATCH', `/v1/tenants/miss/webhooks/${webhook.id}`, { enabled: true });

      const res = await recover('miss', webhook.id, { since, missing: true });
      assert.equal(res.status, 202);
      assert.deepEqual({ ...res.body, until: undefined }, { count: 2, resent: 0, created: 2, next_since: null, until: undefined });
      assert.ok(Date.parse(res.body.until) <= Date.now());
      await waitFor('the missed events delivered', () => at('/miss').length === 3);
      assert.deepEqual((await recover('miss', webhook.id, { since, missing: true })).body.created, 0, 'what it has now is not missing');
      await pause(300);
      assert.deepEqual(numbers('/miss'), [1, 2, 4], 'not the filtered out, not the other type, not the one delivered already; in order, once');
    });

    it('recover without missing resends the failed deliveries only, as new deliveries', async () => {
      const { t, receiver } = suite;
      const failing = new Set([1, 2]);
      receiver.respond = (r) => ({ status: r.path === '/again' && failing.has((JSON.parse(r.body) as { data: { n: number } }).data.n) ? 500 : 200 });
      const { webhook } = await seed(t, `${receiver.url}/again`, { tenant: 'again', type: 'again.event', webhook: { retry: { mode: 'none' } } });
      const since = new Date(Date.now() - 1).toISOString();
      for (const n of [1, 2, 3]) await send('again', 'again.event', n);
      await waitFor('two failed, one succeeded', async () =>
        (await deliveries('again', `webhook=${webhook.id}`)).map((d) => d.status).sort().join() === 'failed,failed,succeeded');
      await t.call('PATCH', `/v1/tenants/again/webhooks/${webhook.id}`, { enabled: false });
      assert.equal(await send('again', 'again.event', 4), 0);
      await t.call('PATCH', `/v1/tenants/again/webhooks/${webhook.id}`, { enabled: true });
      failing.clear();

      const res = await recover('again', webhook.id, { since });
      assert.equal(res.status, 202);
      assert.deepEqual([res.body.count, res.body.resent, res.body.created], [2, 2, 0]);
      await waitFor('the failed two sent again', () => at('/again').length === 5);
      assert.deepEqual(numbers('/again').slice(3).sort(), [1, 2]);
      // New deliveries, but each carries the failed one's webhook-id, as a resend by hand does:
      // a receiver that de-duplicates on it sees one message per event.
      const idOf = (r: { body: string; headers: Record<string, unknown> }) => [(JSON.parse(r.body) as { data: { n: number } }).data.n, String(r.headers['webhook-id'])] as const;
      const firstIds = new Map(at('/again').slice(0, 3).map(idOf));
      for (const r of at('/again').slice(3)) {
        const [n, id] = idOf(r);
        assert.equal(id, firstIds.get(n), `event ${n} resent with its first webhook-id`);
      }
      const recovered = (await deliveries('again', `webhook=${webhook.id}`)).filter((d) => d.origin === 'recovery');
      assert.equal(recovered.length, 2, 'two new deliveries in the log');
      assert.equal((await recover('again', webhook.id, { since })).body.resent, 0, 'they succeeded since');
      await pause(300);
      assert.equal(at('/again').length, 5, 'the missed event is not created without missing: true');
    });

    it('walks at most the bound per call and says where to go on', async () => {
      const { t, receiver } = suite;
      const { webhook } = await seed(t, `${receiver.url}/bulk`, { tenant: 'bulk', type: 'bulk.hit' });
      await t.call('POST', '/v1/event-types', { name: 'bulk.miss' });
      await t.call('PATCH', `/v1/tenants/bulk/webhooks/${webhook.id}`, { enabled: false });
      const since = new Date(Date.now() - 1).toISOString();
      const batches = RECOVER_MAX_EVENTS / 1000 + 1;
      for (let b = 0; b < batches; b++) {
        // Each batch is received in a millisecond of its own; three hits in the first, two in the last.
        const hits = b === 0 ? [1, 2, 3] : b === batches - 1 ? [4, 5] : [];
        const events = Array.from({ length: 1000 }, (_, i) => (i < hits.length ? { type: 'bulk.hit', data: { n: hits[i] } } : { type: 'bulk.miss', data: {} }));
        assert.equal((await t.call('POST', '/v1/tenants/bulk/events/batch', { events })).status, 202);
        await pause(2);
      }
      await t.call('PATCH', `/v1/tenants/bulk/webhooks/${webhook.id}`, { enabled: true });

      const first = (await recover('bulk', webhook.id, { since, missing: true })).body;
      assert.equal(first.created, 3, 'the first 10,000 events');
      assert.ok(first.next_since !== null && Date.parse(first.next_since) > Date.parse(since));
      const rest = (await recover('bulk', webhook.id, { since: first.next_since, until: first.until, missing: true })).body;
      assert.deepEqual([rest.created, rest.next_since, rest.until], [2, null, first.until]);
      await waitFor('five delivered', () => at('/bulk').length === 5);
      assert.deepEqual(numbers('/bulk').sort(), [1, 2, 3, 4, 5]);
    });

    it('names the field of a bad window, and answers 404 for a webhook that is not the tenant\'s', async () => {
      const { t, receiver } = suite;
      const { webhook } = await seed(t, `${receiver.url}/val`, { tenant: 'val', type: 'val.event' });
      await t.call('POST', '/v1/tenants', { id: 'val2', name: 'Other' });
      const hour = 3_600_000;
      const iso = (ms: number) => new Date(ms).toISOString();
      const cases: [unknown, string][] = [
        [{}, 'since'],
        [{ since: 'yesterday' }, 'since'],
        [{ since: iso(Date.now() + hour) }, 'since'],
        [{ since: iso(Date.now() - hour), until: iso(Date.now() - 2 * hour) }, 'until'],
        [{ since: iso(Date.now() - hour), until: iso(Date.now() + hour) }, 'until'],
        [{ since: iso(Date.now() - hour), missing: 'yes' }, 'missing'],
        [{ since: iso(Date.now() - hour), bogus: 1 }, 'bogus'],
      ];
      for (const [body, field] of cases) {
        const res = await recover('val', webhook.id, body);
        assert.equal(res.status, 422, JSON.stringify(body));
        assert.deepEqual(res.body.errors?.map((e) => e.field), [field], JSON.stringify(body));
      }
      const ok = { since: iso(Date.now() - hour) };
      assert.equal((await recover('val', 'wh_nope', ok)).status, 404);
      const mine = (await t.call<{ token: string }>('POST', '/v1/tenants/val/tokens', {})).body.token;
      const theirs = (await t.call<{ token: string }>('POST', '/v1/tenants/val2/tokens', {})).body.token;
      assert.equal((await recover('val', webhook.id, ok, theirs)).status, 404, 'another tenant\'s token');
      assert.equal((await recover('val2', webhook.id, ok, theirs)).status, 404, 'another tenant\'s webhook on its own path');
      assert.equal((await recover('val', webhook.id, ok, mine)).status, 202);
    });
  });
}
