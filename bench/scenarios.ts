// One scenario, end to end: a tenant of its own, events sent through the HTTP API, and the wait
// until the receiver has every delivery and the store shows every attempt recorded (no delivery
// left pending or delivering). Latency is each delivery's arrival at the receiver minus the time
// its event was sent; throughput is deliveries over the time from the first event sent to the
// last attempt recorded.
//   single  events one per request, `senders` at once, one webhook
//   batch   the same events in batches of `batchSize`, one request at a time, one webhook
//   fanout  `webhooks` webhooks on the type; `rounds` events, each sent once the last is done
//   steady  single events paced at `rate` a second for `seconds`, one webhook
//   serial  `serialEvents` in batches to one webhook with max_concurrency 1: its backlog goes
//           through its lane one request at a time; compared with the serial raw limit
//   tarpit  another tenant's latency while one floods receivers that never answer (tarpit.ts)
import type { Api } from './api.ts';
import { serverCpuSince } from './cpu.ts';
import type { BenchOptions, Kind, SessionKind } from './options.ts';
import { thousands, type Progress } from './progress.ts';
import type { Receiver } from './receiver-client.ts';
import type { RelaisChild } from './relais-child.ts';
import { latencies, percentiles, round } from './stats.ts';
import type { Engine, Probe, Sql } from './stores.ts';
import type { LockWaits } from './workers.ts';

const now = (): number => performance.timeOrigin + performance.now();
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const RECEIVER_POLL_MS = 10;
const STORE_POLL_MS = 5;
const PROGRESS_MS = 250;

export interface Row {
  engine: Engine;
  scenario: string;
  events: number;
  deliveries: number;
  delivered_per_s: number;
  raw_limit_per_s: number;
  ratio: number;
  p50_ms: number;
  p95_ms: number;
  p99_ms: number;
  peak_rss_mb: number;
  /** CPU time of the Relais process (every thread; not the database server's) per 1,000 deliveries. */
  cpu_ms_per_1000: number;
  /**
   * PostgreSQL's own CPU time (the server's processes for this store: stores.ts) per 1,000
   * deliveries, including the harness's few status queries; null on SQLite (inside Relais) or a
   * remote server.
   */
  db_cpu_ms_per_1000: number | null;
  store_bytes_per_1000: number;
  /** Deliveries already in the store when the scenario started. */
  stored_before: number;
  /** How long filling the store to stored_before took (prefilled rows only). */
  prefill_s?: number;
  max_ms: number;
  /** Event sent → the API's 202 (ingest alone; a batch's events share their request's). */
  accept_p50_ms: number;
  accept_p99_ms: number;
  /** First event sent → last event accepted; and → last attempt recorded. */
  ingest_s: number;
  duration_s: number;
  webhooks: number;
  /** Steady: the pace the events were sent at. */
  offered_per_s?: number;
  /** Fan-out: each event, from sent to its last attempt recorded. */
  rounds_s?: number[];
  received: number;
  duplicates: number;
  lost: number;
  /** Deliveries the store holds as failed (or anything but succeeded). */
  not_succeeded: number;
  rss_start_mb: number;
  body_bytes: number;
  /** Tarpit: the flooding tenant's deliveries, and its requests the tarpit held open once it had taken its slots, and at the end. */
  flood_deliveries?: number;
  flood_open_requests?: number;
  flood_open_requests_at_end?: number;
  /** Workers rows: the worker processes beside the API process, and the lock waits seen (workers.ts). */
  workers?: number;
  lock_waits?: LockWaits;
}

export interface Session {
  engine: Engine;
  api: Api;
  receiver: Receiver;
  relais: RelaisChild;
  db: Sql & Probe;
  progress: Progress;
  options: BenchOptions;
  rawPerS: number;
  /** The raw limit one request at a time (the serial scenario's yardstick); undefined when not measured. */
  rawSerialPerS: number | undefined;
}

interface Run {
  tenant: string;
  sentAt: Float64Array;
  /** When the API answered 202 for each event (for a batch: for its request). */
  acceptedAt: Float64Array;
  /** Waits until the receiver has `expected` deliveries and the store has recorded them all. */
  settle(expected: number): Promise<void>;
}

interface Driven { expected: number; ingestEnd: number; rounds?: number[] }

async function sendSingles(s: Session, run: Run, count: number): Promise<number> {
  let next = 0;
  let expected = 0;
  await Promise.all(Array.from({ length: s.options.senders }, async () => {
    while (next < count) {
      const n = next++;
      run.sentAt[n] = now();
      const made = await s.api.send(run.tenant, n, 'e');
      run.acceptedAt[n] = now();
      expected += made;
    }
  }));
  return expected;
}

async function sendBatches(s: Session, run: Run, count: number): Promise<number> {
  let expected = 0;
  for (let from = 0; from < count; from += s.options.batchSize) {
    const to = Math.min(count, from + s.options.batchSize);
    run.sentAt.fill(now(), from, to);
    expected += await s.api.sendBatch(run.tenant, from, to, 'e');
    run.acceptedAt.fill(now(), from, to);
  }
  return expected;
}

/** Sends at a fixed pace whatever Relais answers: a slow answer shows as latency, not as a slower pace. */
async function sendPaced(s: Session, run: Run, count: number): Promise<number> {
  const inFlight: Promise<number>[] = [];
  const start = now();
  for (let n = 0; n < count;) {
    const due = Math.min(count, Math.floor(((now() - start) / 1000) * s.options.rate) + 1);
    for (; n < due; n++) {
      run.sentAt[n] = now();
      const k = n;
      inFlight.push(s.api.send(run.tenant, k, 'e').then((made) => {
        run.acceptedAt[k] = now();
        return made;
      }));
    }
    await sleep(1);
  }
  return (await Promise.all(inFlight)).reduce((a, b) => a + b, 0);
}

async function drive(kind: SessionKind, s: Session, run: Run, events: number): Promise<Driven> {
  switch (kind) {
    case 'single': return { expected: await sendSingles(s, run, events), ingestEnd: now() };
    case 'batch':
    case 'serial': return { expected: await sendBatches(s, run, events), ingestEnd: now() };
    case 'steady': return { expected: await sendPaced(s, run, events), ingestEnd: now() };
    case 'tarpit': throw new Error('the tarpit scenario runs on its own (tarpit.ts)');
    case 'fanout': {
      let expected = 0;
      let ingestEnd = 0;
      const rounds: number[] = [];
      for (let n = 0; n < events; n++) {
        run.sentAt[n] = now();
        expected += await s.api.send(run.tenant, n, 'e');
        ingestEnd = run.acceptedAt[n] = now();
        await run.settle(expected);
        rounds.push((now() - run.sentAt[n]!) / 1000);
      }
      return { expected, ingestEnd, rounds };
    }
  }
}

export function eventsOf(kind: Kind, o: BenchOptions): number {
  if (kind === 'fanout') return o.rounds;
  if (kind === 'steady') return Math.round(o.rate * o.seconds);
  if (kind === 'serial') return o.serialEvents;
  return o.events;
}

/** Polls until the probe says done; false once its mark has not moved for options.stallMs. */
async function until(s: Session, pollMs: number, probe: () => Promise<{ done: boolean; mark: number }>): Promise<boolean> {
  let mark = Number.NaN;
  let movedAt = now();
  for (;;) {
    const state = await probe();
    if (state.done) return true;
    if (state.mark !== mark) {
      mark = state.mark;
      movedAt = now();
    } else if (now() - movedAt > s.options.stallMs) {
      return false;
    }
    await sleep(pollMs);
  }
}

/** A scenario of `kind` for the tenant, already set up with its webhooks; `extra` joins its row. */
export async function runScenario(s: Session, kind: SessionKind, at: { name: string; tenant: string; webhooks: number; events?: number }, extra: Partial<Row> = {}): Promise<Row> {
  const { name, webhooks } = at;
  const events = at.events ?? eventsOf(kind, s.options);
  const label = `${s.engine} ${name}`;
  const storedBefore = await s.db.deliveries();
  const sizeBefore = await s.db.sizeBytes();
  const rssStart = s.relais.rssMb();
  const cpuStart = s.relais.cpuMs();
  const dbCpuStart = await s.db.serverCpu();
  s.relais.resetPeak();
  await s.receiver.reset();
  let complete = true;
  const run: Run = {
    tenant: at.tenant,
    sentAt: new Float64Array(events),
    acceptedAt: new Float64Array(events),
    settle: async (expected) => {
      const arrived = await until(s, RECEIVER_POLL_MS, async () => {
        const { unique } = await s.receiver.count();
        return { done: unique >= expected, mark: unique };
      });
      const recorded = arrived && await until(s, STORE_POLL_MS, async () => {
        const live = await s.db.live();
        return { done: live === 0, mark: live };
      });
      if (!recorded) complete = false;
    },
  };

  const started = now();
  const ticker = setInterval(() => {
    void s.receiver.count().then((c) => {
      const elapsedS = (now() - started) / 1000;
      s.progress.show(`${label}: ${thousands(c.unique)} delivered  ${thousands(c.unique / elapsedS)}/s  ${elapsedS.toFixed(1)} s`);
    });
  }, PROGRESS_MS);
  let driven: Driven;
  try {
    driven = await drive(kind, s, run, events);
    if (complete) await run.settle(driven.expected);
  } finally {
    clearInterval(ticker);
    s.progress.clear();
  }
  const done = now();
  const dbCpuEnd = await s.db.serverCpu();
  const dbCpuMs = dbCpuStart && dbCpuEnd && serverCpuSince(dbCpuStart, dbCpuEnd);
  const records = await s.receiver.take();
  const lat = percentiles(latencies(records.n, records.at, run.sentAt));
  const accept = percentiles(run.acceptedAt.map((at, n) => at - run.sentAt[n]!));
  const statuses = await s.db.statuses(run.tenant);
  const succeeded = statuses.succeeded ?? 0;
  const totalStored = Object.values(statuses).reduce((a, b) => a + b, 0);
  const durationS = (done - started) / 1000;
  const deliveredPerS = records.unique / durationS;
  const rawPerS = kind === 'serial' ? s.rawSerialPerS ?? Number.NaN : s.rawPerS;
  return {
    engine: s.engine,
    scenario: name,
    events,
    deliveries: driven.expected,
    delivered_per_s: round(deliveredPerS),
    raw_limit_per_s: round(rawPerS),
    ratio: round(deliveredPerS / rawPerS, 3),
    p50_ms: round(lat.p50, 1),
    p95_ms: round(lat.p95, 1),
    p99_ms: round(lat.p99, 1),
    peak_rss_mb: round(s.relais.peakRssMb(), 1),
    cpu_ms_per_1000: round((s.relais.cpuMs() - cpuStart) / driven.expected * 1000),
    db_cpu_ms_per_1000: dbCpuMs === undefined ? null : round(dbCpuMs / driven.expected * 1000),
    store_bytes_per_1000: round(((await s.db.sizeBytes()) - sizeBefore) / driven.expected * 1000),
    stored_before: storedBefore,
    max_ms: round(lat.max, 1),
    accept_p50_ms: round(accept.p50, 1),
    accept_p99_ms: round(accept.p99, 1),
    ingest_s: round((driven.ingestEnd - started) / 1000, 3),
    duration_s: round(durationS, 3),
    webhooks,
    ...(kind === 'steady' ? { offered_per_s: s.options.rate } : {}),
    ...(driven.rounds ? { rounds_s: driven.rounds.map((r) => round(r, 3)) } : {}),
    received: records.unique,
    duplicates: records.duplicates,
    lost: Math.max(0, driven.expected - records.unique),
    not_succeeded: totalStored - succeeded,
    rss_start_mb: round(rssStart, 1),
    body_bytes: records.bodyBytes,
    ...extra,
  };
}
