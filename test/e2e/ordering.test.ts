// Order when asked: a webhook with ordering "key" gets the events of one ordering_key in the
// order they were accepted — a later one is not sent while an earlier one is pending or
// retrying — while different keys go side by side. 50 keys × 200 events to a receiver failing
// at random, the process SIGKILLed midway and started again: no inversion, nothing lost.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { killChild, spawnRelais, type Child } from '../helpers/child.ts';
import { ENGINES, makeEngine, type EngineFixture } from '../helpers/engines.ts';
import { startReceiver, type Receiver } from '../helpers/receiver.ts';
import { ADMIN_TOKEN, testEnv } from '../helpers/relais.ts';
import { waitFor } from '../helpers/wait.ts';

const KEYS = 50;
const PER_KEY = 200;
const FAILURE_RATE = 0.15;
const TENANT = 'ordered';
const TYPE = 'order.changed';

async function call<T>(child: Child, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(child.url + path, { method, headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return JSON.parse(text) as T;
}

interface Hit { key: number; seq: number; ok: boolean }

for (const engine of ENGINES) {
  describe(`ordering by key: ${engine}`, () => {
    const children: Child[] = [];
    let fixture: EngineFixture | undefined;
    let receiver: Receiver | undefined;
    after(async () => {
      await Promise.all(children.map(killChild));
      await receiver?.close();
      await fixture?.dispose();
    });

    it('delivers each key\'s events in order through random failures and a SIGKILL, losing none', async (t) => {
      fixture = await makeEngine(engine);
      const hits: Hit[] = [];
      receiver = await startReceiver((req) => {
        const { data } = JSON.parse(req.body) as { data: { key: number; seq: number } };
        const ok = Math.random() >= FAILURE_RATE;
        hits.push({ key: data.key, seq: data.seq, ok });
        return { status: ok ? 200 : 500, body: ok ? 'ok' : 'try again' };
      });
      // Enough attempts that random failures never exhaust them, quickly spaced.
      const env = testEnv(fixture, { RELAIS_RETRY_SCHEDULE: `0,${Array(14).fill('30ms').join(',')}`, RELAIS_LOG_LEVEL: 'warn' });
      const spawn = async (): Promise<Child> => {
        const child = await spawnRelais(env);
        children.push(child);
        return child;
      };
      let relais = await spawn();
      await call(relais, 'POST', '/v1/tenants', { id: TENANT, name: 'Ordered' });
      await call(relais, 'POST', '/v1/event-types', { name: TYPE });
      await call(relais, 'POST', `/v1/tenants/${TENANT}/webhooks`, { url: `${receiver.url}/hook`, events: [TYPE], ordering: 'key' });
      // Accepted seq by seq, the keys interleaved, in batches.
      const events = Array.from({ length: PER_KEY }, (_, seq) => Array.from({ length: KEYS }, (_, key) => ({ type: TYPE, ordering_key: `k${key}`, data: { key, seq } }))).flat();
      for (let i = 0; i < events.length; i += 500) await call(relais, 'POST', `/v1/tenants/${TENANT}/events/batch`, { events: events.slice(i, i + 500) });

      const succeeded = (): number => new Set(hits.filter((h) => h.ok).map((h) => h.key * PER_KEY + h.seq)).size;
      await waitFor('a third delivered', () => succeeded() >= (KEYS * PER_KEY) / 3, 60_000);
      relais.proc.kill('SIGKILL');
      await relais.exited;
      relais = await spawn();
      await waitFor('every event delivered', () => succeeded() === KEYS * PER_KEY, 120_000);

      // An inversion: a request for seq s of a key while an earlier seq of that key had not yet
      // succeeded. Sending again one that already succeeded (at-least-once, after the kill) is not.
      const done = new Array<number>(KEYS).fill(0); // per key, how many seqs have succeeded, in order
      let inversions = 0;
      let resent = 0;
      for (const h of hits) {
        if (h.seq > done[h.key]!) inversions++;
        else if (h.seq < done[h.key]!) resent++;
        else if (h.ok) done[h.key]!++;
      }
      t.diagnostic(`${engine}: ${hits.length} requests for ${KEYS * PER_KEY} events (${hits.filter((h) => !h.ok).length} failed on purpose, ${resent} sent again after success), ${inversions} inversions`);
      assert.equal(inversions, 0, 'no event of a key sent before the one ahead of it succeeded');
      assert.deepEqual(done, new Array<number>(KEYS).fill(PER_KEY), 'every event of every key delivered');
      const listed = await call<{ data: { ordering_key: string | null; waiting_for_key: boolean }[] }>(relais, 'GET', `/v1/tenants/${TENANT}/deliveries?limit=5`);
      assert.ok(listed.data.every((d) => d.ordering_key !== null && !d.waiting_for_key), 'deliveries show their key');
    });
  });
}
