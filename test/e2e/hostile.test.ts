// A checked-in corpus of hostile requests (test/fixtures/hostile/cases.json, made by generate.ts)
// replayed against both engines: every answer is a correct 2xx or a 4xx problem naming the field,
// never a 5xx, and after each request the server is up and /healthz answers in under 100 ms.
// HOSTILE_REPORT=1 only counts (and lists what would fail), for before/after figures;
// HOSTILE_SKIP=worst,… leaves classes out (a case that blocks the event loop blocks this process too).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from '../helpers/engines.ts';
import { ADMIN_TOKEN, seed, startRelais, type TestRelais } from '../helpers/relais.ts';

interface Case {
  name: string;
  class: string;
  method: string;
  path: string;
  body?: unknown;
  raw?: string;
  expect: { status: number[]; field?: string };
}
interface Problem { errors?: { field: string; message: string }[] }

const ALL_CASES = JSON.parse(readFileSync(new URL('../fixtures/hostile/cases.json', import.meta.url), 'utf8')) as Case[];
const REPORT_ONLY = process.env.HOSTILE_REPORT === '1';
const SKIP = new Set((process.env.HOSTILE_SKIP ?? '').split(',').filter(Boolean));
const CASES = ALL_CASES.filter((c) => !SKIP.has(c.class));
const HEALTH_MS = 100;
const URL_OK = 'http://127.0.0.1:9/hook';

/** The JSON text of a case's body, its expansions made (see generate.ts). Never recursive in the depth of $deep. */
function bodyText(body: unknown): string {
  const made: string[] = [];
  const mark = (text: string) => `@@${made.push(text) - 1}@@`;
  const text = JSON.stringify(body, (_key, v: unknown) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    const o = v as Record<string, unknown>;
    if ('$deep' in o) return mark('['.repeat(o.$deep as number) + ']'.repeat(o.$deep as number));
    if ('$repeat' in o) return mark(JSON.stringify((o.$repeat as string).repeat(o.times as number) + ((o.then as string) ?? '')));
    if ('$array' in o) return mark(`[${new Array<string>(o.length as number).fill(JSON.stringify(o.$array)).join(',')}]`);
    if ('$entries' in o) {
      const value = JSON.stringify(o.value);
      return mark(`{${Array.from({ length: o.$entries as number }, (_, i) => `${JSON.stringify(`${o.prefix as string}${i}`)}:${value}`).join(',')}}`);
    }
    if ('$number' in o) return mark(o.$number as string);
    if ('$raw' in o) return mark(o.$raw as string);
    return v;
  });
  return text.replace(/"@@(\d+)@@"/g, (_m, i: string) => made[Number(i)]!);
}

/** `/v1/tenants/acme/webhooks/{other}` → `PATCH /v1/tenants/{tenant}/webhooks/{webhook}`, as /openapi.json writes it. */
const template = (c: Case) => `${c.method} ${c.path.split('?')[0]!.replace('/tenants/acme', '/tenants/{tenant}').replace('{other}', '{webhook}').replace(/\/tokens\/[^/]+$/, '/tokens/{token_id}')}`;

for (const engine of ENGINES) {
  describe(`hostile requests: ${engine}`, () => {
    let t: TestRelais;
    let ids: Record<string, string>;
    before(async () => {
      t = await startRelais(engine);
      const { webhook } = await seed(t, URL_OK, { tenant: 'acme', type: 'order.paid' });
      await t.call('POST', '/v1/event-types', { name: 'order.shipped', example: { order: 1 } });
      const other = await t.call<{ id: string }>('POST', '/v1/tenants/acme/webhooks', { url: URL_OK, events: ['order.paid'] });
      await t.call('POST', '/v1/tenants/acme/events', { type: 'order.paid', data: { order: 1 } });
      const deliveries = await t.call<{ data: { id: string }[] }>('GET', '/v1/tenants/acme/deliveries');
      ids = { webhook: webhook.id, other: other.body.id, delivery: deliveries.body.data[0]!.id };
    });
    after(() => t.close());

    it('the corpus covers every write route of the OpenAPI document', async () => {
      const doc = (await t.call<{ paths: Record<string, Record<string, unknown>> }>('GET', '/openapi.json', undefined, null)).body;
      const writes = Object.entries(doc.paths).flatMap(([path, ops]) =>
        Object.keys(ops).filter((m) => ['post', 'put', 'patch', 'delete'].includes(m)).map((m) => `${m.toUpperCase()} ${path}`));
      const covered = new Set(ALL_CASES.map(template));
      assert.ok(writes.length >= 16, `write routes: ${writes.join(', ')}`);
      assert.deepEqual(writes.filter((w) => !covered.has(w)), [], 'write routes missing from the corpus');
    });

    it('answers every case with a correct 2xx or a 4xx naming the field, never a 5xx, and stays healthy', async () => {
      const counts = { cases: 0, '4xx with field': 0, '4xx without field': 0, '2xx': 0, '5xx': 0, 'no answer': 0, 'unexpected status': 0, 'slow or failed /healthz': 0 };
      const failures: string[] = [];
      let slowestHealthMs = 0;
      let slowestAfter = '';
      for (const c of CASES) {
        counts.cases++;
        const path = c.path.replace(/\{(webhook|other|delivery)\}/g, (_m, k: string) => ids[k]!);
        const text = c.raw ?? (c.body === undefined ? undefined : bodyText(c.body));
        const headers: Record<string, string> = { authorization: `Bearer ${ADMIN_TOKEN}` };
        if (text !== undefined) headers['content-type'] = 'application/json';
        let status = 0;
        let problem: Problem | undefined;
        try {
          const res = await fetch(t.url + path, { method: c.method, headers, body: text, signal: AbortSignal.timeout(30_000) });
          status = res.status;
          const answer = await res.text();
          if (status >= 400) problem = JSON.parse(answer) as Problem;
        } catch (err) {
          counts['no answer']++;
          failures.push(`${c.name}: no answer (${(err as Error).message})`);
        }
        const fields = (problem?.errors ?? []).map((e) => e.field).filter((f) => f.length > 0);
        if (status >= 500) {
          counts['5xx']++;
          failures.push(`${c.name}: ${status}`);
        } else if (status >= 400) {
          counts[fields.length ? '4xx with field' : '4xx without field']++;
          const want = c.expect.field;
          if (!fields.length) failures.push(`${c.name}: ${status} names no field`);
          else if (want !== undefined && !fields.some((f) => f === want || f.startsWith(`${want}.`) || f.startsWith(`${want}[`))) {
            failures.push(`${c.name}: ${status} names ${JSON.stringify(fields)}, not ${want}`);
          }
        } else if (status >= 200 && status < 300) {
          counts['2xx']++;
        }
        if (status > 0 && !c.expect.status.includes(status)) {
          counts['unexpected status']++;
          failures.push(`${c.name}: ${status}, expected one of ${c.expect.status.join(', ')} ${fields.length ? JSON.stringify(fields) : ''}`);
        }
        const started = performance.now();
        const health = await fetch(`${t.url}/healthz`, { signal: AbortSignal.timeout(30_000) }).then((r) => r.status, () => 0);
        const healthMs = performance.now() - started;
        if (healthMs > slowestHealthMs) [slowestHealthMs, slowestAfter] = [healthMs, c.name];
        if (health !== 200 || healthMs > HEALTH_MS) {
          counts['slow or failed /healthz']++;
          failures.push(`${c.name}: /healthz ${health} in ${healthMs.toFixed(0)} ms`);
        }
      }
      console.log(`hostile corpus on ${engine}: ${JSON.stringify(counts)}, slowest /healthz ${slowestHealthMs.toFixed(1)} ms (after "${slowestAfter}")${SKIP.size ? ` (skipped: ${[...SKIP].join(', ')})` : ''}`);
      if (REPORT_ONLY) {
        console.log(failures.map((f) => `  ${f.slice(0, 300)}`).join('\n'));
        return;
      }
      assert.deepEqual(failures, []);
    });
  });
}
