// Exporting a tenant's delivery log before retention prunes it, end to end on both engines: the
// listing's creation time range (`since` inclusive, `until` exclusive), and the same route asked
// for NDJSON streaming every matching delivery with its event and attempts — across more than one
// store batch, without duplicates, secrets redacted, and only the token's own tenant.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ENGINES } from '../helpers/engines.ts';
import { ADMIN_TOKEN, relaisWithReceiver, type TestRelais } from '../helpers/relais.ts';
import { waitFor } from '../helpers/wait.ts';
import { EXPORT_BATCH } from '../../src/services/delivery-export.ts';

interface Delivery { id: string; webhook_id: string; event_type: string; status: string; created_at: string }
interface Detail extends Delivery { event: { id: string; type: string }; attempts: { request: { headers: Record<string, string> } }[] }
interface Problem { status: number; errors?: { field: string; message: string }[] }

const NDJSON = 'application/x-ndjson';
const SECRET_VALUE = 'sup3r-s3cret-header-value';
const KEY_VALUE = 'sk_live_never_shown_0123';
const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The route asked for NDJSON: status, content type, the raw text and its lines parsed. */
async function exportLog(t: TestRelais, tenant: string, query = '', token = ADMIN_TOKEN) {
  const res = await fetch(`${t.url}/v1/tenants/${tenant}/deliveries${query}`, { headers: { authorization: `Bearer ${token}`, accept: NDJSON } });
  const text = await res.text();
  const lines = res.status === 200 ? text.split('\n').filter((l, i, all) => l !== '' || i < all.length - 1) : [];
  return { status: res.status, type: res.headers.get('content-type'), text, endsWithNewline: text === '' || text.endsWith('\n'), lines: lines.map((l) => JSON.parse(l) as Detail) };
}

/** Every delivery of the JSON listing, page after page. */
async function listAll(t: TestRelais, tenant: string, query = ''): Promise<Delivery[]> {
  const all: Delivery[] = [];
  for (let before: string | null = ''; before !== null;) {
    const sep = query ? '&' : '?';
    const res: { status: number; body: { data: Delivery[]; next_cursor: string | null } } = await t.call('GET', `/v1/tenants/${tenant}/deliveries${query}${before ? `${sep}before=${before}` : ''}`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    all.push(...res.body.data);
    before = res.body.next_cursor;
  }
  return all;
}

for (const engine of ENGINES) {
  describe(`deliveries export: ${engine}`, () => {
    const suite = relaisWithReceiver(engine);
    const tenant = 'exporter';
    let hookA: string;
    let hookB: string;
    /** The delivery ids made by each of three rounds of events, and the times between rounds. */
    const rounds: string[][] = [];
    const between: string[] = [];

    async function send(type: string, n: number, to = tenant): Promise<void> {
      const res = await suite.t.call('POST', `/v1/tenants/${to}/events/batch`, { events: Array.from({ length: n }, (_, i) => ({ type, data: { n: i } })) });
      assert.equal(res.status, 202, JSON.stringify(res.body));
    }

    it('sets up: two webhooks, one with secret headers, and three rounds of events apart in time', async () => {
      const t = suite.t;
      assert.equal((await t.call('POST', '/v1/tenants', { id: tenant, name: tenant })).status, 201);
      for (const name of ['order.paid', 'order.refunded']) assert.ok([200, 201].includes((await t.call('POST', '/v1/event-types', { name })).status));
      const a = await t.call<{ id: string }>('POST', `/v1/tenants/${tenant}/webhooks`, {
        url: `${suite.receiver.url}/a`, events: ['order.*'], headers: { 'X-Custom-Pass': SECRET_VALUE, 'X-Api-Key': KEY_VALUE, 'X-Plain': 'shown' }, secret_headers: ['X-Custom-Pass'],
      });
      assert.equal(a.status, 201, JSON.stringify(a.body));
      const b = await t.call<{ id: string }>('POST', `/v1/tenants/${tenant}/webhooks`, { url: `${suite.receiver.url}/b`, events: ['order.refunded'] });
      assert.equal(b.status, 201, JSON.stringify(b.body));
      hookA = a.body.id;
      hookB = b.body.id;

      let seen = new Set<string>();
      for (const [type, n] of [['order.paid', 2], ['order.refunded', 3], ['order.paid', 2]] as const) {
        if (rounds.length > 0) {
          await pause(30);
          between.push(new Date().toISOString());
          await pause(30);
        }
        await send(type, n);
        const ids = (await listAll(t, tenant)).map((d) => d.id);
        rounds.push(ids.filter((id) => !seen.has(id)));
        seen = new Set(ids);
      }
      assert.deepEqual(rounds.map((r) => r.length), [2, 6, 2], 'order.refunded goes to both webhooks');
      const all = rounds.flat();
      await waitFor('every delivery sent', async () => {
        const list = await listAll(t, tenant);
        return list.length === all.length && list.every((d) => d.status === 'succeeded');
      });
    });

    it('the time range picks exactly the deliveries created in it: since inclusive, until exclusive', async () => {
      const t = suite.t;
      const ids = async (query: string) => (await listAll(t, tenant, query)).map((d) => d.id).sort();
      const sorted = (xs: string[]) => [...xs].sort();
      assert.deepEqual(await ids(`?since=${between[0]}&until=${between[1]}`), sorted(rounds[1]!));
      assert.deepEqual(await ids(`?since=${between[0]}`), sorted([...rounds[1]!, ...rounds[2]!]));
      assert.deepEqual(await ids(`?until=${between[0]}`), sorted(rounds[0]!));
      assert.deepEqual(await ids(`?since=${between[1]}&webhook=${hookA}`), sorted(rounds[2]!));
      assert.deepEqual(await ids(`?since=${between[0]}&until=${between[1]}&webhook=${hookB}`).then((x) => x.length), 3);

      // The boundaries, on a delivery's own creation time.
      const one = (await listAll(t, tenant)).find((d) => d.id === rounds[1]![0])!;
      const at = encodeURIComponent(one.created_at);
      assert.ok((await ids(`?since=${at}`)).includes(one.id), 'since is inclusive');
      assert.ok(!(await ids(`?until=${at}`)).includes(one.id), 'until is exclusive');
      // An offset other than Z is the same instant.
      const plusTwo = new Date(Date.parse(between[0]!) + 2 * 3_600_000).toISOString().replace('Z', '+02:00');
      assert.deepEqual(await ids(`?since=${encodeURIComponent(plusTwo)}&until=${between[1]}`), sorted(rounds[1]!));
    });

    it('NDJSON: one line per matching delivery, each as GET …/deliveries/:id shows it, attempts included; filters honoured', async () => {
      const t = suite.t;
      const out = await exportLog(t, tenant, `?since=${between[0]}&until=${between[1]}`);
      assert.equal(out.status, 200, out.text);
      assert.match(out.type ?? '', /^application\/x-ndjson/);
      assert.ok(out.endsWithNewline, 'every line ends with a newline');
      assert.deepEqual(out.lines.map((l) => l.id).sort(), [...rounds[1]!].sort());
      for (const line of out.lines) {
        assert.ok(line.attempts.length >= 1, `${line.id} has its attempt`);
        const detail = await t.call<Detail>('GET', `/v1/tenants/${tenant}/deliveries/${line.id}`);
        assert.deepEqual(line, detail.body, 'the same shape and values as the delivery\'s own read');
      }
      const ids = out.lines.map((l) => l.id);
      assert.deepEqual(ids, [...ids].sort().reverse(), 'newest first, as the listing');

      const byHook = await exportLog(t, tenant, `?webhook=${hookB}`);
      assert.deepEqual(byHook.lines.map((l) => l.webhook_id), [hookB, hookB, hookB]);
      const byType = await exportLog(t, tenant, '?event_type=order.paid');
      assert.equal(byType.lines.length, 4);
      assert.ok(byType.lines.every((l) => l.event.type === 'order.paid'));
      const byStatus = await exportLog(t, tenant, '?status=failed');
      assert.deepEqual([byStatus.status, byStatus.text], [200, ''], 'nothing matches: an empty export');

      const json = await t.call<{ data: Delivery[] }>('GET', `/v1/tenants/${tenant}/deliveries?limit=2`);
      assert.match(json.headers.get('content-type') ?? '', /^application\/json/, 'no Accept: the JSON page, as before');
      assert.equal(json.body.data.length, 2);
      const preferJson = await fetch(`${t.url}/v1/tenants/${tenant}/deliveries?limit=2`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}`, accept: `application/json, ${NDJSON};q=0.5` } });
      assert.match(preferJson.headers.get('content-type') ?? '', /^application\/json/, 'JSON preferred: JSON');
      assert.equal(((await preferJson.json()) as { data: unknown[] }).data.length, 2);
    });

    it('secret header values appear nowhere in the export', async () => {
      const out = await exportLog(suite.t, tenant);
      assert.equal(out.lines.length, rounds.flat().length);
      assert.ok(!out.text.includes(SECRET_VALUE), 'a secret_headers value');
      assert.ok(!out.text.includes(KEY_VALUE), 'a credential-looking header');
      const headers = out.lines.find((l) => l.webhook_id === hookA)!.attempts[0]!.request.headers;
      assert.equal(headers['x-custom-pass'], '[redacted]', 'a secret_headers value');
      assert.equal(headers['x-api-key'], '[redacted]', 'a credential-looking header');
      assert.equal(headers['x-plain'], 'shown');
      assert.ok(suite.receiver.received.some((r) => r.headers['x-custom-pass'] === SECRET_VALUE), 'the receiver did get it');
    });

    it('exports every delivery across store batches, without duplicates', async () => {
      const t = suite.t;
      const bulk = 'exporter-bulk';
      assert.equal((await t.call('POST', '/v1/tenants', { id: bulk, name: bulk })).status, 201);
      assert.equal((await t.call('POST', `/v1/tenants/${bulk}/webhooks`, { url: `${suite.receiver.url}/bulk`, events: ['order.paid'] })).status, 201);
      const count = 2 * EXPORT_BATCH + 37;
      await send('order.paid', count, bulk);
      const listed = (await listAll(t, bulk)).map((d) => d.id);
      assert.equal(listed.length, count);
      const out = await exportLog(t, bulk);
      assert.equal(out.status, 200);
      const ids = out.lines.map((l) => l.id);
      assert.equal(ids.length, count, 'every delivery');
      assert.equal(new Set(ids).size, count, 'none twice');
      assert.deepEqual([...ids].sort(), [...listed].sort(), 'the same as the listing, page after page');
      assert.ok(out.lines.every((l) => l.event.type === 'order.paid' && Array.isArray(l.attempts)));

      const since = encodeURIComponent(out.lines[EXPORT_BATCH + 5]!.created_at);
      const ranged = await exportLog(t, bulk, `?since=${since}`);
      const expected = (await listAll(t, bulk, `?since=${since}`)).map((d) => d.id);
      assert.deepEqual(ranged.lines.map((l) => l.id), expected, 'a range across batches: the listing\'s, in order');
    });

    it('a bad since or until is a 422 problem naming the field', async () => {
      const t = suite.t;
      for (const [query, field] of [['?since=yesterday', 'query.since'], ['?until=2026-13-01T00:00:00Z', 'query.until'], ['?since=2026-01-01', 'query.since']] as const) {
        for (const accept of ['application/json', NDJSON]) {
          const res = await fetch(`${t.url}/v1/tenants/${tenant}/deliveries${query}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}`, accept } });
          assert.equal(res.status, 422, `${query} (${accept})`);
          assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/);
          const body = (await res.json()) as Problem;
          assert.equal(body.errors?.[0]?.field, field, `${query}: ${JSON.stringify(body)}`);
        }
      }
    });

    it('a tenant token exports its own tenant only', async () => {
      const t = suite.t;
      assert.equal((await t.call('POST', '/v1/tenants', { id: 'exporter-other', name: 'other' })).status, 201);
      const other = (await t.call<{ token: string }>('POST', '/v1/tenants/exporter-other/tokens', {})).body.token;
      const own = (await t.call<{ token: string }>('POST', `/v1/tenants/${tenant}/tokens`, {})).body.token;

      const refused = await exportLog(t, tenant, '', other);
      assert.equal(refused.status, 404, 'another tenant\'s log is not found');
      for (const id of rounds.flat()) assert.ok(!refused.text.includes(id));
      const empty = await exportLog(t, 'exporter-other', '', other);
      assert.deepEqual([empty.status, empty.lines.length], [200, 0], 'its own log is empty');

      const mine = await exportLog(t, tenant, '', own);
      assert.equal(mine.status, 200);
      assert.deepEqual(mine.lines.map((l) => l.id).sort(), rounds.flat().sort(), 'the tenant\'s own token exports all of its log');
    });
  });
}
