// `npm run bench:hostile`: how long /healthz takes while one tenant sends the worst inputs that
// run — a costly condition, an endless template, a backtracking schema pattern — on each engine.
// Relais runs as `relais serve` (a real child); each case runs alone, then all three together,
// for `--seconds` each, while a second connection asks /healthz every 10 ms; a baseline first runs
// a harmless condition at the same pace, for what the load alone costs /healthz.
import { parseArgs } from 'node:util';
import { Pool } from 'undici';
import { ADMIN_TOKEN } from './api.ts';
import { ENGINES } from './options.ts';
import { startRelais } from './relais-child.ts';
import { makeStore, type Engine } from './stores.ts';
import { percentiles } from './stats.ts';

const { values } = parseArgs({ options: { engine: { type: 'string' }, seconds: { type: 'string', default: '5' } } });
const engines = values.engine ? (values.engine.split(',') as Engine[]) : [...ENGINES];
const seconds = Number(values.seconds);
const TIMEOUT_MS = 30_000;

/** `[0,…×50].exists(x0, [0,…×50].exists(x1, …))`, ten levels: 50^10 steps if it ran. */
const list = `[${Array(50).fill('0').join(',')}]`;
const NESTED_EXISTS = Array.from({ length: 10 }, (_, i) => `${list}.exists(x${i}, `).join('') + 'false' + ')'.repeat(10);
const ENDLESS_TEMPLATE = '{% for i in range(100000000) %}{% for j in range(100000000) %}{{ i }}{% endfor %}{% endfor %}';
const BACKTRACKING = { type: 'object', properties: { name: { type: 'string', pattern: '^(a+)+$' } } };

interface Case { name: string; request(pool: Pool): Promise<number> }

const headers = { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' };
async function post(pool: Pool, path: string, body: unknown): Promise<number> {
  const res = await pool.request({ path, method: 'POST', headers, body: JSON.stringify(body) });
  await res.body.dump();
  return res.statusCode;
}

/** The same load with harmless input: what /healthz costs under that many requests at all. */
const BASELINE: Case = { name: 'baseline (a plain condition)', request: (pool) => post(pool, '/v1/conditions/check', { condition: 'data.name == "x"', event_type: 'hostile.schema' }) };

const CASES: Case[] = [
  { name: 'condition', request: (pool) => post(pool, '/v1/conditions/check', { condition: NESTED_EXISTS, event_type: 'hostile.schema' }) },
  {
    name: 'template',
    request: (pool) => post(pool, '/v1/tenants/mallory/webhooks/preview', {
      webhook: { url: 'https://example.com/hook', events: ['hostile.schema'], format: 'template', template: ENDLESS_TEMPLATE }, event_type: 'hostile.schema',
    }),
  },
  { name: 'schema', request: (pool) => post(pool, '/v1/tenants/mallory/events', { type: 'hostile.schema', data: { name: `${'a'.repeat(40)}!` } }) },
];

/** Runs `cases` back to back from 4 connections each for the duration; /healthz meanwhile. */
async function measure(url: string, cases: Case[]): Promise<{ healthz: number[]; requests: number; statuses: Set<number> }> {
  // A frozen server must end the run, not hang it: every request gives up after TIMEOUT_MS.
  const attacker = new Pool(url, { connections: 4 * cases.length, headersTimeout: TIMEOUT_MS, bodyTimeout: TIMEOUT_MS });
  const probe = new Pool(url, { connections: 1, headersTimeout: TIMEOUT_MS, bodyTimeout: TIMEOUT_MS });
  const until = Date.now() + seconds * 1000;
  const statuses = new Set<number>();
  let requests = 0;
  const loops = cases.flatMap((c) => Array.from({ length: 4 }, async () => {
    while (Date.now() < until) {
      statuses.add(await c.request(attacker).catch(() => 0)); // 0: no answer in time
      requests++;
    }
  }));
  const healthz: number[] = [];
  const probing = (async () => {
    while (Date.now() < until) {
      const started = performance.now();
      try {
        const res = await probe.request({ path: '/healthz', method: 'GET' });
        await res.body.dump();
      } catch {
        // no answer within TIMEOUT_MS: counted as that long
      }
      healthz.push(performance.now() - started);
      await new Promise((r) => setTimeout(r, 10));
    }
  })();
  await Promise.all([...loops, probing]);
  await Promise.all([attacker.close(), probe.close()]);
  return { healthz, requests, statuses };
}

console.log('| engine | running | requests | their statuses | /healthz p50 / p95 / max ms |');
console.log('|---|---|---:|---|---|');
for (const engine of engines) {
  const store = await makeStore(engine);
  const relais = await startRelais({ ...store.env, RELAIS_PORT: '0', RELAIS_ADMIN_TOKEN: ADMIN_TOKEN, RELAIS_LOG_LEVEL: 'error' });
  try {
    const setup = new Pool(relais.url, { connections: 1 });
    await post(setup, '/v1/tenants', { id: 'mallory', name: 'Mallory' });
    await post(setup, '/v1/event-types', { name: 'hostile.schema', schema: BACKTRACKING, example: { name: 'aaa' } });
    await setup.close();
    for (const cases of [[BASELINE], ...CASES.map((c) => [c]), CASES]) {
      const { healthz, requests, statuses } = await measure(relais.url, cases);
      const p = percentiles(Float64Array.from(healthz));
      const ms = (v: number): string => v.toFixed(1);
      console.log(`| ${engine} | ${cases.map((c) => c.name).join(' + ')} | ${requests} | ${[...statuses].sort().join(', ')} | ${ms(p.p50)} / ${ms(p.p95)} / ${ms(p.max)} |`);
    }
  } finally {
    const stopped = relais.stop();
    const timer = setTimeout(() => relais.kill(), 15_000); // a frozen process ignores SIGTERM
    await stopped;
    clearTimeout(timer);
    await store.dispose();
  }
}
