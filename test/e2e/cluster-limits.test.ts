// A webhook's max_concurrency and rate_limit hold across worker processes sharing PostgreSQL:
// one api process and three workers, as real `relais serve` processes. Each worker alone keeps
// within the limits; without the shared slots and rate cell, three of them together sent three
// requests at once to a webhook with max_concurrency 1, and three times its rate.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { killChild, spawnRelais, type Child } from '../helpers/child.ts';
import { makeEngine, type EngineFixture } from '../helpers/engines.ts';
import { startReceiver, type Receiver } from '../helpers/receiver.ts';
import { ADMIN_TOKEN, testEnv } from '../helpers/relais.ts';
import { waitFor } from '../helpers/wait.ts';

const TENANT = 'cluster';
const SERIAL_EVENTS = 200;
const RATE = 10;
const RATED_EVENTS = 80;

async function call<T>(api: Child, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(api.url + path, {
    method, headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return JSON.parse(text) as T;
}

describe('limits across three worker processes (PostgreSQL)', () => {
  let fixture: EngineFixture;
  let receiver: Receiver;
  const children: Child[] = [];
  let inFlight = 0;
  let mostAtOnce = 0;

  before(async () => {
    fixture = await makeEngine('postgres');
    receiver = await startReceiver((req) => {
      if (!req.path.startsWith('/serial')) return { status: 200, body: 'ok' };
      inFlight++;
      mostAtOnce = Math.max(mostAtOnce, inFlight);
      return { status: 200, body: 'ok', delayMs: 15, sent: () => { inFlight--; } };
    });
    const env = (roles: string): Record<string, string> => testEnv(fixture, { RELAIS_ROLES: roles, RELAIS_LOG_LEVEL: 'warn' });
    const api = await spawnRelais(env('api'));
    children.push(api);
    children.push(...await Promise.all([1, 2, 3].map(() => spawnRelais({ ...env('worker'), RELAIS_CONCURRENCY: '4', RELAIS_TENANT_RESERVE: '0' }))));
  });
  after(async () => {
    await Promise.all(children.map(killChild));
    await receiver.close();
    await fixture.dispose();
  });

  it('max_concurrency 1: the receiver never sees two requests at once; rate_limit 10: 10 a second in all', async (t) => {
    const api = children[0]!;
    await call(api, 'POST', '/v1/tenants', { id: TENANT, name: 'Cluster' });
    await call(api, 'POST', '/v1/event-types', { name: 'serial.event' });
    await call(api, 'POST', '/v1/event-types', { name: 'rated.event' });
    await call(api, 'POST', `/v1/tenants/${TENANT}/webhooks`, { url: `${receiver.url}/serial`, events: ['serial.event'], max_concurrency: 1 });
    await call(api, 'POST', `/v1/tenants/${TENANT}/webhooks`, { url: `${receiver.url}/rated`, events: ['rated.event'], rate_limit: RATE });
    // All due at once; each worker claims at most its four slots' worth, so all three hold some.
    const batch = (type: string, count: number) => call(api, 'POST', `/v1/tenants/${TENANT}/events/batch`, { events: Array.from({ length: count }, (_, n) => ({ type, data: { n } })) });
    await Promise.all([batch('serial.event', SERIAL_EVENTS), batch('rated.event', RATED_EVENTS)]);
    const got = (prefix: string) => receiver.received.filter((r) => r.path.startsWith(prefix));
    await waitFor('every delivery', () => got('/serial').length >= SERIAL_EVENTS && got('/rated').length >= RATED_EVENTS, 60_000);

    const rated = got('/rated').map((r) => r.at).sort((a, b) => a - b);
    // Spaced by the rate from the first request to the last (any second holds at most RATE + 1).
    const steady = (rated.length - 1) / ((rated.at(-1)! - rated[0]!) / 1000);
    const mostInASecond = Math.max(...rated.map((at) => rated.filter((b) => b >= at && b < at + 1_000).length));
    t.diagnostic(`max_concurrency 1: at most ${mostAtOnce} at once over ${got('/serial').length} requests; rate_limit ${RATE}: ${steady.toFixed(2)}/s, at most ${mostInASecond} in any second`);
    assert.equal(mostAtOnce, 1, 'never two requests at once');
    assert.ok(steady >= RATE * 0.9 && steady <= RATE * 1.1, `${steady.toFixed(2)} requests a second, for ${RATE}`);
    assert.ok(mostInASecond <= RATE + 1, `${mostInASecond} requests in one second`);
  });
});
