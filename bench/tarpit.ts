// The tarpit scenario (not in the default run: `--scenario tarpit`): one tenant floods receivers
// that accept the connection and never answer, while another tenant's events, paced, go to the
// benchmark receiver. The flooding tenant has three such webhooks and one with max_concurrency
// 1000, and sends 75 events (300 deliveries), each request held until Relais' request timeout
// (RELAIS_REQUEST_TIMEOUT, 15 s by default). The row is the other tenant's: its p50/p95/p99 from
// event sent to delivery received, measured while the flood holds its slots. With the slots
// shared first come, first served (RELAIS_TENANT_RESERVE=0 in the environment of the run) they
// waited for the flood's requests to time out.
import { startTarpit } from '../test/helpers/tarpit.ts';
import { setUpTenant } from './api.ts';
import { thousands } from './progress.ts';
import type { Row, Session } from './scenarios.ts';
import { latencies, percentiles, round } from './stats.ts';

const FLOOD_TENANT = 'tarpit-flood';
const FLOOD_TYPE = 'bench.flood';
const FLOOD_EVENTS = 75;
const FLOOD_WEBHOOKS = 4;
/** The other tenant's pace, and for how long (while the flood's requests hang). */
const CALM_RATE = 50;
const CALM_SECONDS = 5;
const QUICK_SECONDS = 2;
/** How long to wait for the other tenant's deliveries: past several request timeouts, for the policy off. */
const ARRIVAL_TIMEOUT_MS = 180_000;

const now = (): number => performance.timeOrigin + performance.now();
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));


export async function runTarpit(s: Session, name: string): Promise<Row> {
  // One tarpit per webhook: Relais opens at most 64 connections per origin, and the flood is
  // meant to be bounded by nothing but the dispatcher's own slots.
  const tarpits = await Promise.all(Array.from({ length: FLOOD_WEBHOOKS }, startTarpit));
  const tarpit = { open: () => tarpits.reduce((sum, t) => sum + t.open(), 0) };
  try {
    await setUpTenant(s.api, FLOOD_TENANT, s.receiver.url, 0, FLOOD_TYPE);
    for (const [i, t] of tarpits.entries()) {
      const wide = i === FLOOD_WEBHOOKS - 1 ? { max_concurrency: 1000 } : {};
      await s.api.call('POST', `/v1/tenants/${FLOOD_TENANT}/webhooks`, { url: `${t.url}/hook`, events: [FLOOD_TYPE], ...wide }, 201);
    }
    await setUpTenant(s.api, name, s.receiver.url, 1);
    await s.receiver.reset();
    const storedBefore = await s.db.deliveries();
    const sizeBefore = await s.db.sizeBytes();
    const rssStart = s.relais.rssMb();
    const cpuStart = s.relais.cpuMs();
    s.relais.resetPeak();

    const events = Array.from({ length: FLOOD_EVENTS }, (_, n) => ({ type: FLOOD_TYPE, data: { n } }));
    await s.api.call('POST', `/v1/tenants/${FLOOD_TENANT}/events/batch`, { events }, 202);
    // The flood takes what it may: wait until the tarpit's count of open requests stops rising.
    const settleBy = now() + 10_000;
    for (let last = -1, stable = 0; stable < 5 && now() < settleBy; await sleep(100)) {
      const open = tarpit.open();
      stable = open === last && open > 0 ? stable + 1 : 0;
      last = open;
    }
    const floodOpen = tarpit.open();

    const count = Math.round(CALM_RATE * (s.options.quick ? QUICK_SECONDS : CALM_SECONDS));
    const sentAt = new Float64Array(count);
    const acceptedAt = new Float64Array(count);
    const started = now();
    const sends: Promise<number>[] = [];
    for (let n = 0; n < count;) {
      const due = Math.min(count, Math.floor(((now() - started) / 1000) * CALM_RATE) + 1);
      for (; n < due; n++) {
        const k = n;
        sentAt[k] = now();
        sends.push(s.api.send(name, k, 'calm').then((made) => {
          acceptedAt[k] = now();
          return made;
        }));
      }
      await sleep(5);
    }
    const expected = (await Promise.all(sends)).reduce((a, b) => a + b, 0);
    const ingestEnd = now();
    const deadline = now() + ARRIVAL_TIMEOUT_MS;
    for (;;) {
      const { unique } = await s.receiver.count();
      s.progress.show(`${s.engine} ${name}: ${thousands(unique)}/${thousands(expected)} of the other tenant's deliveries; the flood holds ${tarpit.open()} requests open`);
      if (unique >= expected || now() > deadline) break;
      await sleep(20);
    }
    s.progress.clear();
    const done = now();
    const floodOpenAtEnd = tarpit.open();
    const records = await s.receiver.take();
    const lat = percentiles(latencies(records.n, records.at, sentAt));
    const accept = percentiles(acceptedAt.map((at, n) => at - sentAt[n]!));
    const statuses = await s.db.statuses(name);
    const durationS = (done - started) / 1000;
    return {
      engine: s.engine,
      scenario: name,
      events: count,
      deliveries: expected,
      delivered_per_s: round(records.unique / durationS),
      raw_limit_per_s: round(s.rawPerS),
      ratio: round(records.unique / durationS / s.rawPerS, 3),
      p50_ms: round(lat.p50, 1),
      p95_ms: round(lat.p95, 1),
      p99_ms: round(lat.p99, 1),
      peak_rss_mb: round(s.relais.peakRssMb(), 1),
      cpu_ms_per_1000: round((s.relais.cpuMs() - cpuStart) / expected * 1000),
      db_cpu_ms_per_1000: null,
      store_bytes_per_1000: round(((await s.db.sizeBytes()) - sizeBefore) / expected * 1000),
      stored_before: storedBefore,
      max_ms: round(lat.max, 1),
      accept_p50_ms: round(accept.p50, 1),
      accept_p99_ms: round(accept.p99, 1),
      ingest_s: round((ingestEnd - started) / 1000, 3),
      duration_s: round(durationS, 3),
      webhooks: 1,
      offered_per_s: CALM_RATE,
      received: records.unique,
      duplicates: records.duplicates,
      lost: Math.max(0, expected - records.unique),
      // Recorded or not yet: the row is about arrival; a delivery still being recorded is not a failure.
      not_succeeded: Object.entries(statuses).reduce((sum, [status, n]) => sum + (status === 'failed' || status === 'cancelled' ? n : 0), 0),
      rss_start_mb: round(rssStart, 1),
      body_bytes: records.bodyBytes,
      flood_deliveries: FLOOD_EVENTS * FLOOD_WEBHOOKS,
      flood_open_requests: floodOpen,
      flood_open_requests_at_end: floodOpenAtEnd,
    };
  } finally {
    // The flood's webhooks go (their pending deliveries cancelled), then its requests are cut.
    const hooks = await s.api.call<{ data: { id: string }[] }>('GET', `/v1/tenants/${FLOOD_TENANT}/webhooks`, undefined, 200).catch(() => ({ data: [] }));
    for (const h of hooks.data) await s.api.call('DELETE', `/v1/tenants/${FLOOD_TENANT}/webhooks/${h.id}`, undefined, [200, 204]).catch(() => undefined);
    await Promise.all(tarpits.map((t) => t.close()));
  }
}
