// /metrics, the access log and a worker-only process's port, against a real Relais and real
// receivers: the counters move as events are ingested and delivered, on both engines, with the
// dispatcher in the API's thread and in its own (whose counters must reach the API's /metrics).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { spawnRelais, killChild, type Child } from '../helpers/child.ts';
import { ENGINES, makeEngine, type EngineFixture } from '../helpers/engines.ts';
import { closedPort, startReceiver, type Receiver } from '../helpers/receiver.ts';
import { ADMIN_TOKEN, seed, startRelais, testEnv, type TestRelais } from '../helpers/relais.ts';
import { waitFor } from '../helpers/wait.ts';
import { sample } from '../helpers/metrics.ts';

async function scrape(url: string): Promise<string> {
  const res = await fetch(`${url}/metrics`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  return res.text();
}

for (const engine of ENGINES) {
  for (const thread of [false, true]) {
    describe(`/metrics: ${engine}, dispatcher ${thread ? 'in its own thread' : 'in the API thread'}`, () => {
      let t: TestRelais;
      let receiver: Receiver;
      before(async () => {
        receiver = await startReceiver();
        // One attempt, then a retry an hour later: failed deliveries stay in the queue to be counted.
        t = await startRelais(engine, { RELAIS_DISPATCH_THREAD: thread ? 'on' : 'off', RELAIS_RETRY_SCHEDULE: '0,1h', RELAIS_LOG_LEVEL: 'debug' });
      });
      after(async () => {
        await t.close();
        await receiver.close();
      });

      it('counts events, deliveries, attempts by result and error kind, and the queue', async () => {
        assert.equal(t.relais.engine.placement, thread ? 'thread' : 'here');
        const { tenant, type, webhook } = await seed(t, `${receiver.url}/ok`);
        await seed(t, `http://127.0.0.1:${await closedPort()}/refused`);
        const before = await scrape(t.url);
        for (const n of [1, 2, 3]) assert.equal((await t.call('POST', `/v1/tenants/${tenant}/events`, { type, data: { n } })).status, 202);
        assert.equal((await t.call('POST', `/v1/tenants/${tenant}/events/batch`, { events: [{ type, data: { n: 4 } }] })).status, 202);
        assert.equal((await t.call('POST', `/v1/tenants/${tenant}/events`, { id: 'evt_same', type, data: {} })).status, 202);
        assert.equal((await t.call('POST', `/v1/tenants/${tenant}/events`, { id: 'evt_same', type, data: {} })).status, 202);
        const delta = (text: string, series: string): number => sample(text, series) - sample(before, series);

        const text = await waitFor('the attempts to be counted', async () => {
          const now = await scrape(t.url);
          return delta(now, 'relais_delivery_attempts_total{result="failed"}') >= 5 && delta(now, 'relais_delivery_attempts_total{result="succeeded"}') >= 5
            && sample(now, 'relais_queue_deliveries{state="all"}') >= 5 && now;
        }, 10_000);
        assert.equal(delta(text, 'relais_events_ingested_total{result="stored"}'), 5);
        assert.equal(delta(text, 'relais_events_ingested_total{result="duplicate"}'), 1);
        assert.equal(delta(text, 'relais_deliveries_created_total'), 10);
        assert.equal(delta(text, 'relais_delivery_outcomes_total{outcome="succeeded"}'), 5);
        assert.equal(delta(text, 'relais_delivery_outcomes_total{outcome="retry_scheduled"}'), 5);
        assert.equal(delta(text, 'relais_delivery_attempt_errors_total{error_kind="connection_refused"}'), 5);
        assert.equal(delta(text, 'relais_delivery_attempt_duration_seconds_count'), 10);
        assert.equal(sample(text, 'relais_delivery_attempt_duration_seconds_bucket{le="+Inf"}'), sample(text, 'relais_delivery_attempt_duration_seconds_count'));
        assert.ok(delta(text, 'relais_ingest_request_duration_seconds_count{route="single"}') >= 5);
        assert.equal(delta(text, 'relais_ingest_request_duration_seconds_count{route="batch"}'), 1);
        assert.equal(sample(text, 'relais_deliveries_in_flight'), 0);
        assert.equal(sample(text, 'relais_webhooks_disabled{by="relais"}'), 0);
        assert.equal(sample(text, 'relais_store_unavailable_errors_total'), 0);
        assert.equal(sample(text, 'relais_queue_deliveries{state="due"}'), 0, 'the retries are an hour away');
        assert.equal(sample(text, 'relais_queue_oldest_due_age_seconds'), 0);
        assert.match(text, /^process_cpu_seconds_total /m);
        // Public: no tenant, webhook or token in it.
        for (const secret of [tenant, webhook.id, webhook.secret, ADMIN_TOKEN]) assert.ok(!text.includes(secret), `${secret} in /metrics`);
      });

      it('logs each request with its route pattern and tenant, and each attempt at debug, never a token', async () => {
        const line = await waitFor('the access log line', () => t.logs.map((l) => JSON.parse(l) as Record<string, unknown>)
          .find((l) => l.msg === 'request' && l.route === '/v1/tenants/:tenant/events' && l.status === 202));
        assert.equal(line.tenant, 'acme');
        assert.equal(line.level, 30);
        assert.equal(typeof line.ms, 'number');
        assert.equal(typeof line.reqId, 'string');
        const attempt = await waitFor('the attempt debug line', () => t.logs.map((l) => JSON.parse(l) as Record<string, unknown>)
          .find((l) => l.msg === 'delivery attempt succeeded'));
        assert.equal(attempt.status, 200);
        assert.equal(typeof attempt.delivery, 'string');
        assert.equal(typeof attempt.webhook, 'string');
        assert.equal(typeof attempt.ms, 'number');
        // A page-link token in a query string stays out of the log: only the route is written.
        await fetch(`${t.url}/v1/me?token=query-secret-123`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
        await waitFor('the /v1/me line', () => t.logs.some((l) => l.includes('"route":"/v1/me"')));
        for (const l of t.logs) {
          assert.ok(!l.includes(ADMIN_TOKEN), `token in the log: ${l}`);
          assert.ok(!l.includes('query-secret-123'), `query in the log: ${l}`);
        }
      });
    });
  }
}

describe('a worker-only process serves /healthz and /metrics on its port', () => {
  let fixture: EngineFixture;
  let child: Child | undefined;
  before(async () => { fixture = await makeEngine('sqlite'); });
  after(async () => {
    await killChild(child);
    await fixture.dispose();
  });

  it('answers both, and nothing of the API', async () => {
    child = await spawnRelais(testEnv(fixture, { RELAIS_ROLES: 'worker', RELAIS_PORT: '0', RELAIS_HOST: '127.0.0.1' }));
    assert.equal(child.url, '', 'no API');
    const url = await waitFor('its health URL', () => /Health:\s+(http:\/\/\S+)\/healthz/.exec(child!.output())?.[1]);
    const health = await fetch(`${url}/healthz`);
    assert.equal(health.status, 200);
    assert.equal(((await health.json()) as { status: string }).status, 'ok');
    const text = await scrape(url);
    assert.match(text, /^relais_delivery_attempts_total\{result="succeeded"\} 0$/m);
    assert.match(text, /^relais_queue_deliveries\{state="all"\} 0$/m);
    assert.equal((await fetch(`${url}/v1/me`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).status, 404);
  });
});
