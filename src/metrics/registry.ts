// One process's metrics, in Prometheus' text format (prom-client), with a registry of its own so
// that several Relais in one process (tests) do not share counts. Three sources:
// - the API's own instruments (events ingested, request time of the events routes), updated per request;
// - the dispatcher's counters (dispatcher/counters.ts), read at scrape time from the memory its
//   thread writes, so counts made in the dispatcher thread reach this thread's /metrics;
// - the store, asked at scrape time (queue depth, oldest due age, disabled webhooks) with one
//   query each through an index, cached for STORE_CACHE_MS so frequent scrapes cannot load it.
// Labels are bounded and say nothing of tenants: /metrics is public, like /healthz (api/ops.ts).
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry, type Metric } from 'prom-client';
import { DURATION_BUCKETS_S, FAILURE_KINDS, OUTCOMES, type DispatchCounters } from '../dispatcher/counters.ts';
import type { Store } from '../store/store.ts';

const STORE_CACHE_MS = 2_000;

export interface MetricsDeps {
  store: Pick<Store, 'unavailableErrors'> & { deliveries: Pick<Store['deliveries'], 'queueStats'>; webhooks: Pick<Store['webhooks'], 'countDisabled'> };
  /** The dispatcher's counters; none in a process that does not deliver. */
  dispatch: DispatchCounters | undefined;
  now?: () => number;
}

/** What the API records per request (api/access-log.ts) and per ingest (routes/events.ts). */
export interface ApiMetrics {
  /** An events route answered (`route`: single or batch) after `ms`. */
  ingestRequest(route: 'single' | 'batch', ms: number): void;
  /** Events accepted: `created` stored, `duplicates` already seen (their id), `deliveries` created for them. */
  ingested(created: number, duplicates: number, deliveries: number): void;
}

export interface Metrics extends ApiMetrics {
  readonly contentType: string;
  /** The whole exposition, as a scrape receives it. */
  text(): Promise<string>;
}

/** Calls `load` at most once per `ms` (concurrent callers share the call); undefined when it failed (the database away). */
function cached<T>(ms: number, now: () => number, load: () => Promise<T>): () => Promise<T | undefined> {
  let at = -Infinity;
  let value: Promise<T | undefined> | undefined;
  return () => {
    if (!value || now() - at >= ms) {
      at = now();
      value = load().catch(() => undefined);
    }
    return value;
  };
}

export function createMetrics({ store, dispatch, now = Date.now }: MetricsDeps): Metrics {
  const registry = new Registry();
  const registers = [registry];
  collectDefaultMetrics({ register: registry });

  // The API's own.
  const events = new Counter({ name: 'relais_events_ingested_total', help: 'Events accepted by the API: stored, or already stored (an id seen before)', labelNames: ['result'] as const, registers });
  const stored = events.labels('stored');
  const duplicate = events.labels('duplicate');
  const created = new Counter({ name: 'relais_deliveries_created_total', help: 'Deliveries created by ingest (one per matching webhook)', registers });
  const ingestSeconds = new Histogram({
    name: 'relais_ingest_request_duration_seconds', help: 'Time the API took to answer a request to the events routes', labelNames: ['route'] as const, registers,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  });
  const single = ingestSeconds.labels('single');
  const batch = ingestSeconds.labels('batch');

  // The store, at scrape time.
  const storeStats = cached(STORE_CACHE_MS, now, async () => {
    const [queue, disabled] = await Promise.all([store.deliveries.queueStats(now()), store.webhooks.countDisabled()]);
    return { queue, disabled, at: now() };
  });
  new Gauge({
    name: 'relais_queue_deliveries', help: 'Deliveries in the queue (pending or being sent; held ones aside): all, and those due now', labelNames: ['state'] as const, registers,
    async collect() {
      const s = await storeStats();
      this.reset();
      if (!s) return;
      this.set({ state: 'all' }, s.queue.live);
      this.set({ state: 'due' }, s.queue.due);
    },
  });
  new Gauge({
    name: 'relais_queue_oldest_due_age_seconds', help: 'How long the earliest due delivery has been due (0: none is late)', registers,
    async collect() {
      const s = await storeStats();
      this.reset();
      if (!s) return;
      const oldest = s.queue.oldestDueAt;
      this.set(oldest === undefined ? 0 : Math.max(0, (s.at - oldest) / 1000));
    },
  });
  new Gauge({
    name: 'relais_webhooks_disabled', help: 'Disabled webhooks: by Relais (failing receivers) or by their owner', labelNames: ['by'] as const, registers,
    async collect() {
      const s = await storeStats();
      this.reset();
      if (!s) return;
      this.set({ by: 'relais' }, s.disabled.byRelais);
      this.set({ by: 'owner' }, s.disabled.byOwner);
    },
  });
  new Counter({
    name: 'relais_store_unavailable_errors_total', help: 'Store calls that found the database unavailable (refused, lost, locked, disk full), in this process and its dispatcher thread', registers,
    collect() {
      this.reset();
      this.inc(store.unavailableErrors() + (dispatch?.snapshot().storeErrors ?? 0));
    },
  });

  if (dispatch) registerDispatch(registry, dispatch);

  return {
    contentType: registry.contentType,
    text: () => registry.metrics(),
    ingestRequest(route, ms) {
      (route === 'single' ? single : batch).observe(ms / 1000);
    },
    ingested(createdCount, duplicates, deliveries) {
      if (createdCount > 0) stored.inc(createdCount);
      if (duplicates > 0) duplicate.inc(duplicates);
      if (deliveries > 0) created.inc(deliveries);
    },
  };
}

/** The dispatcher's counters, as prom-client metrics whose values are read when scraped. */
function registerDispatch(registry: Registry, dispatch: DispatchCounters): void {
  const registers = [registry];
  new Counter({
    name: 'relais_delivery_outcomes_total', help: 'What each recorded attempt (or skip) did to its delivery: succeeded, failed for good, retry scheduled, held (webhook disabled), cancelled (webhook deleted)',
    labelNames: ['outcome'] as const, registers,
    collect() {
      const { outcomes } = dispatch.snapshot();
      this.reset();
      for (const outcome of OUTCOMES) this.inc({ outcome }, outcomes[outcome]);
    },
  });
  new Counter({
    name: 'relais_delivery_attempts_total', help: 'Requests made to receivers (and templates that failed before one), by result',
    labelNames: ['result'] as const, registers,
    collect() {
      const { attempts } = dispatch.snapshot();
      this.reset();
      this.inc({ result: 'succeeded' }, attempts.succeeded);
      this.inc({ result: 'failed' }, attempts.failed);
    },
  });
  new Counter({
    name: 'relais_delivery_attempt_errors_total', help: 'Failed attempts by why: the error kind (timeout, dns, tls, ...), or status for a receiver that answered other than 2xx',
    labelNames: ['error_kind'] as const, registers,
    collect() {
      const { failures } = dispatch.snapshot();
      this.reset();
      for (const kind of FAILURE_KINDS) this.inc({ error_kind: kind }, failures[kind]);
    },
  });
  new Gauge({
    name: 'relais_deliveries_in_flight', help: 'Requests to receivers being sent now', registers,
    collect() {
      this.set(dispatch.snapshot().inFlight);
    },
  });
  // Deliveries a claim leases: most of a claim's cost is the same however many it takes, so a
  // backlog is claimed in large batches (dispatcher/scheduler.ts, CLAIM_WAIT_MAX_MS).
  new Counter({
    name: 'relais_queue_claims_total', help: 'Claims of due deliveries this process\'s dispatcher made (one store statement each; hand-offs at ingest need none)', registers,
    collect() {
      this.reset();
      this.inc(dispatch.snapshot().claims.count);
    },
  });
  new Counter({
    name: 'relais_queue_claimed_deliveries_total', help: 'Deliveries those claims leased: divided by relais_queue_claims_total, the deliveries a claim', registers,
    collect() {
      this.reset();
      this.inc(dispatch.snapshot().claims.deliveries);
    },
  });
  new Gauge({
    name: 'relais_webhook_breakers', help: 'Webhooks whose circuit breaker is open (nothing sent) or half-open (one probe), in this process', labelNames: ['state'] as const, registers,
    collect() {
      const { breakers } = dispatch.snapshot();
      this.set({ state: 'open' }, breakers.open);
      this.set({ state: 'half_open' }, breakers.halfOpen);
    },
  });
  // A histogram whose buckets are counted elsewhere: prom-client's Histogram cannot be set from
  // counts, so this is a metric object of its own, in the shape the registry formats.
  const name = 'relais_delivery_attempt_duration_seconds';
  const attemptSeconds = {
    name, help: 'Time from sending a request to its answer (or its failure)', type: 'histogram', aggregator: 'sum',
    reset() { /* counted in the dispatcher's memory: nothing to reset here */ },
    async get() {
      const s = dispatch.snapshot();
      const values: { metricName: string; labels: Record<string, string | number>; value: number }[] =
        DURATION_BUCKETS_S.map((le, i) => ({ metricName: `${name}_bucket`, labels: { le }, value: s.durationBuckets[i]! }));
      const count = s.durationBuckets[DURATION_BUCKETS_S.length]!;
      values.push({ metricName: `${name}_bucket`, labels: { le: '+Inf' }, value: count });
      return {
        name, help: attemptSeconds.help, type: 'histogram', aggregator: 'sum',
        values: [...values, { metricName: `${name}_sum`, labels: {}, value: s.durationSumS }, { metricName: `${name}_count`, labels: {}, value: count }],
      };
    },
  };
  registry.registerMetric(attemptSeconds as unknown as Metric);
}
