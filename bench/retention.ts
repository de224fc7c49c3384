// The retention scenario (`npm run bench -- --scenario retention`, issue 19): does pruning a big
// backlog of old rows show in delivery latency, and does the store stop growing?
//
// Live, per engine, on one store: `retentionRows` finished deliveries (each with its event and
// attempt) are copied in dated 30 to 40 days ago (prefill.ts), then `retentionPairs` pairs of
// Relais processes, one after the other on that store, each with a warm-up then the steady load
// (`rate` single events a second for `retentionSeconds`):
//   off     RELAIS_RETENTION=0: nothing pruned;
//   on      RELAIS_RETENTION=RETENTION_KEEP, RELAIS_PRUNE_INTERVAL=1s: the old rows are being
//           pruned (the load's own too, as they age past the retention);
// and, once the old rows are all gone, one more `on` process (`retention-steady`): only the
// load's own rows are pruned, the store's steady state. Off and on alternate, so that what else
// runs on the machine meanwhile falls on both alike; the p99s compared are the medians of each
// side's phases (of the on phases while old rows were left).
// Every `sampleMs` the store's rows (deliveries, attempts, events, the old deliveries left) and
// its size are sampled: SQLite's file (WAL included; it does not shrink without VACUUM, freed
// pages are reused) and the pages in use; PostgreSQL's three tables, indexes and TOAST
// (pg_total_relation_size) — autovacuum makes dead rows' space reusable.
//
// A week (weekSim), per engine, in-process and fast: 7 days of traffic at `weekPerDay` events a
// day written in quarter-day chunks with backdated timestamps (copies of one real event,
// delivery and attempt; every 10th delivery retried once, every 50th 5 times), once without
// retention and once with WEEK_RETENTION_DAYS: after each chunk the pruner's own pass
// (services/retention.ts) runs with its clock at the chunk's end, then what autovacuum or a
// checkpoint would have done meanwhile (prefill.ts settle). The sizes after each day.
import { statSync } from 'node:fs';
import pino from 'pino';
import { subscriptionMatches } from '../src/core/matching.ts';
import { newId } from '../src/ids.ts';
import { startPruner } from '../src/services/retention.ts';
import { openStore } from '../src/store/open.ts';
import type { Matcher } from '../src/store/store.ts';
import { makeEngine } from '../test/helpers/engines.ts';
import { newWebhook } from '../test/helpers/webhooks.ts';
import { ADMIN_TOKEN, createApi, EVENT_TYPE, setUpTenant } from './api.ts';
import { prefillTemplate, warmUp } from './harness.ts';
import type { BenchOptions } from './options.ts';
import { prefill, settle, type Shape, type Template } from './prefill.ts';
import { thousands, type Progress } from './progress.ts';
import type { Receiver } from './receiver-client.ts';
import { startRelais } from './relais-child.ts';
import { runScenario, type Row, type Session } from './scenarios.ts';
import { round } from './stats.ts';
import { event, succeeded, TENANT as WEEK_TENANT } from './store-rows.ts';
import { connect, makeStore, type Connection, type Engine } from './stores.ts';

const DAY = 86_400_000;
/** The live phases' retention: short, so that the load's own rows age past it within the run. */
export const RETENTION_KEEP = { full: '1m', quick: '10s' } as const;
export const PRUNE_INTERVAL = '1s';
/** The old rows: dated from 40 days ago over 10 days, older than any retention the run sets (and than the default 30d). */
const OLD_FROM_DAYS = 40;
const OLD_SPAN_DAYS = 10;
/** On processes after the pairs, at most, while waiting for the old rows to be gone. */
const MAX_EXTRA_ON = 12;
export const WEEK_RETENTION_DAYS = 1;
const WEEK_CHUNKS_PER_DAY = 4;
/** Every 10th delivery took 2 attempts, every 50th 6 (the 10th's retry and 4 more). */
const WEEK_RETRIES: Shape['retries'] = [{ every: 10, extra: 1 }, { every: 50, extra: 4 }];
/** A p99 with pruning at most this much above the one without: the issue's "within 20%". */
export const P99_TOLERANCE = 1.2;

export interface StoreSample {
  /** Seconds since the off phase started (live), or the simulated day (week). */
  t_s: number;
  phase: string;
  deliveries: number;
  attempts: number;
  events: number;
  /** Of the prefilled old deliveries, how many are left (live only). */
  old_deliveries?: number;
  /** On disk: SQLite's file and WAL; PostgreSQL's events, deliveries and attempts with their indexes and TOAST. */
  bytes: number;
  /** SQLite: pages in use ((page_count − freelist_count) × page_size); PostgreSQL: pg_database_size. */
  used_bytes: number;
}

export interface WeekRun {
  retention_days: number;
  /** After each day (and its prune passes). */
  days: StoreSample[];
  pruned: { deliveries: number; attempts: number; events: number };
  prune_s: number;
  fill_s: number;
}

export interface RetentionResult {
  engine: Engine;
  old_rows: number;
  prefill_s: number;
  retention: string;
  prune_interval: string;
  rate: number;
  seconds: number;
  /** Each phase, in the order run: retention-off, retention-on (old rows left at its start), retention-steady (none left). */
  phases: Row[];
  /** Medians of the off phases' p99s, and of the on phases' (while pruning old rows). */
  off_p99_ms: number;
  on_p99_ms: number;
  off_p50_ms: number;
  on_p50_ms: number;
  steady_p99_ms: number | null;
  /** Seconds from the run's start (the first off phase's) until no old delivery was left; null: not within the run. */
  old_gone_at_s: number | null;
  p99_ratio: number;
  within_tolerance: boolean;
  samples: StoreSample[];
  week?: { per_day: number; runs: WeekRun[] };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function sizes(db: Connection, sqlitePath: string | undefined): Promise<Pick<StoreSample, 'bytes' | 'used_bytes'>> {
  if (sqlitePath) {
    const size = (p: string): number => { try { return statSync(p).size; } catch { return 0; } };
    return { bytes: size(sqlitePath) + size(`${sqlitePath}-wal`), used_bytes: await db.sizeBytes() };
  }
  const [r] = await db.all<{ t: string; d: string }>(
    "SELECT pg_total_relation_size('events') + pg_total_relation_size('deliveries') + pg_total_relation_size('attempts') AS t, pg_database_size(current_database()) AS d");
  return { bytes: Number(r!.t), used_bytes: Number(r!.d) };
}

async function sample(db: Connection, sqlitePath: string | undefined, t_s: number, phase: string, oldTenant?: string): Promise<StoreSample> {
  const count = async (text: string, params: unknown[] = []): Promise<number> => Number((await db.all<{ n: string | number }>(text, params))[0]!.n);
  return {
    t_s: round(t_s, 1), phase,
    deliveries: await count('SELECT count(*) AS n FROM deliveries'),
    attempts: await count('SELECT count(*) AS n FROM attempts'),
    events: await count('SELECT count(*) AS n FROM events'),
    ...(oldTenant ? { old_deliveries: await count('SELECT count(*) AS n FROM deliveries WHERE tenant_id = $1', [oldTenant]) } : {}),
    ...(await sizes(db, sqlitePath)),
  };
}

/** Samples every `ms` until stopped, in the background (a sample's own queries, on the harness's connection, run in both phases alike). */
function sampler(db: Connection, sqlitePath: string | undefined, t0: number, ms: number, oldTenant: string, out: StoreSample[]) {
  let phase = '';
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const next = performance.now() + ms;
      out.push(await sample(db, sqlitePath, (performance.now() - t0) / 1000, phase, oldTenant));
      while (!stopped && performance.now() < next) await sleep(Math.min(100, next - performance.now()));
    }
  })();
  return {
    phase(p: string) { phase = p; },
    last: () => out.at(-1),
    async stop() { stopped = true; await loop; },
  };
}

export interface RetentionContext {
  options: BenchOptions;
  receiver: Receiver;
  progress: Progress;
  raw: Pick<Session, 'rawPerS' | 'rawSerialPerS'>;
  cleanups: Set<() => Promise<void> | void>;
}

/** The live phases on one engine (see the top of the file). */
export async function retentionLive(engine: Engine, ctx: RetentionContext): Promise<RetentionResult> {
  const { options, receiver, progress } = ctx;
  const store = await makeStore(engine);
  const dispose = (): Promise<void> => store.dispose();
  ctx.cleanups.add(dispose);
  const sqlitePath = engine === 'sqlite' ? store.env.RELAIS_DB : undefined;
  const keep = options.quick ? RETENTION_KEEP.quick : RETENTION_KEEP.full;
  const baseEnv = {
    ...store.env, ...(engine === 'sqlite' ? { DATABASE_URL: '' } : {}),
    RELAIS_PORT: '0', RELAIS_HOST: '127.0.0.1', RELAIS_ADMIN_TOKEN: ADMIN_TOKEN, RELAIS_ALLOW_TARGETS: '127.0.0.0/8', RELAIS_LOG_LEVEL: 'warn',
  };
  const events = Math.round(options.rate * options.retentionSeconds);
  const samples: StoreSample[] = [];
  const t0 = performance.now();

  /** One Relais process on the store, with the given retention, for `body`. */
  async function withRelais<T>(env: Record<string, string>, body: (s: Session, db: Connection) => Promise<T>): Promise<T> {
    const relais = await startRelais({ ...baseEnv, ...env });
    const kill = (): void => relais.kill();
    ctx.cleanups.add(kill);
    const db = await store.connect();
    const api = createApi(relais.url, options.senders);
    try {
      return await body({ engine, api, receiver, relais, db, progress, options, ...ctx.raw }, db);
    } finally {
      await api.close();
      await db.close();
      await relais.stop();
      ctx.cleanups.delete(kill);
    }
  }

  // The harness's own connection, for the samples: opened once the first Relais has made the store.
  let sampleDb: Connection | undefined;
  let sampling: ReturnType<typeof sampler> | undefined;
  try {
    let prefillS = 0;
    let left = Number.POSITIVE_INFINITY;
    const phases: Row[] = [];
    const oldLeft = async (): Promise<number> =>
      Number((await sampleDb!.all<{ n: string | number }>('SELECT count(*) AS n FROM deliveries WHERE tenant_id = $1', ['prefill']))[0]!.n);
    const phase = (name: string, env: Record<string, string>, n: number, first = false): Promise<void> => withRelais(env, async (s, db) => {
      if (first) {
        sampleDb = await store.connect();
        sampling = sampler(sampleDb, sqlitePath, t0, options.retentionSampleMs, 'prefill', samples);
        const template = await prefillTemplate(s);
        const started = performance.now();
        const rows = options.retentionRows;
        await prefill(db, template, 1, rows, (done) => progress.show(`${engine} retention: filling the store with old rows, ${thousands(done)}/${thousands(rows)}`),
          { at: { from: Date.now() - OLD_FROM_DAYS * DAY, stepMs: (OLD_SPAN_DAYS * DAY) / rows } });
        progress.clear();
        prefillS = (performance.now() - started) / 1000;
      }
      sampling!.phase(`${name} warm-up`);
      await warmUp(s, `warm-up-${name}-${n}`);
      sampling!.phase(`${name} ${n}`);
      const tenant = `${name}-${n}`;
      await setUpTenant(s.api, tenant, receiver.url, 1);
      phases.push(await runScenario(s, 'steady', { name, tenant, webhooks: 1, events }));
      sampling!.phase('');
    });
    const offEnv = { RELAIS_RETENTION: '0' };
    const onEnv = { RELAIS_RETENTION: keep, RELAIS_PRUNE_INTERVAL: PRUNE_INTERVAL };
    for (let i = 1; i <= options.retentionPairs; i++) {
      await phase('retention-off', offEnv, i, i === 1);
      left = await oldLeft();
      await phase(left > 0 ? 'retention-on' : 'retention-steady', onEnv, i);
    }
    for (let i = 1; i <= MAX_EXTRA_ON && left > 0; i++) {
      left = await oldLeft();
      await phase(left > 0 ? 'retention-on' : 'retention-steady', onEnv, options.retentionPairs + i);
    }
    if (!phases.some((p) => p.scenario === 'retention-steady') && (await oldLeft()) === 0) await phase('retention-steady', onEnv, 99);
    await sampling!.stop();
    samples.push(await sample(sampleDb!, sqlitePath, (performance.now() - t0) / 1000, 'end', 'prefill'));

    const median = (xs: number[]): number => {
      const v = [...xs].sort((a, b) => a - b);
      return v.length === 0 ? Number.NaN : v.length % 2 ? v[v.length >> 1]! : (v[v.length / 2 - 1]! + v[v.length / 2]!) / 2;
    };
    const of = (name: string, f: (r: Row) => number): number => median(phases.filter((p) => p.scenario === name).map(f));
    const offP99 = of('retention-off', (r) => r.p99_ms);
    const onP99 = of('retention-on', (r) => r.p99_ms);
    const steady = of('retention-steady', (r) => r.p99_ms);
    const filled = samples.findIndex((x) => (x.old_deliveries ?? 0) > 0);
    const gone = filled < 0 ? undefined : samples.slice(filled).find((x) => x.old_deliveries === 0);
    return {
      engine, old_rows: options.retentionRows, prefill_s: round(prefillS, 1), retention: keep, prune_interval: PRUNE_INTERVAL,
      rate: options.rate, seconds: options.retentionSeconds, phases,
      off_p99_ms: round(offP99, 1), on_p99_ms: round(onP99, 1), off_p50_ms: round(of('retention-off', (r) => r.p50_ms), 1), on_p50_ms: round(of('retention-on', (r) => r.p50_ms), 1),
      steady_p99_ms: Number.isNaN(steady) ? null : round(steady, 1),
      old_gone_at_s: gone ? gone.t_s : null,
      p99_ratio: round(onP99 / offP99, 3), within_tolerance: onP99 / offP99 <= P99_TOLERANCE, samples,
    };
  } finally {
    await sampling?.stop();
    await sampleDb?.close();
    await dispose();
    ctx.cleanups.delete(dispose);
  }
}

const match: Matcher = (webhooks, e) => webhooks.filter((w) => subscriptionMatches(w, e.type, e.data));

/** A week of traffic on a fresh store, with or without retention (see the top of the file). */
export async function weekRun(engine: Engine, perDay: number, retentionDays: number, progress: Progress, cleanups: Set<() => Promise<void> | void>): Promise<WeekRun> {
  const fixture = await makeEngine(engine);
  const store = openStore({ ...fixture, encryptionKey: 'bench-retention-week' });
  const undo = async (): Promise<void> => { await store.close().catch(() => undefined); await fixture.dispose(); };
  cleanups.add(undo);
  const log = pino({ level: 'silent' });
  try {
    await store.migrate();
    const db = await connect(fixture);
    try {
      // The template: one event of the bench's, delivered and recorded as the dispatcher records a 204.
      await store.tenants.create({ id: WEEK_TENANT, name: WEEK_TENANT, notifyEmails: [] }, Date.now());
      await store.webhooks.create(newWebhook(WEEK_TENANT, [EVENT_TYPE]), Date.now());
      await store.events.ingest(WEEK_TENANT, [event(0)], match, () => newId('dlv'), Date.now());
      const claimed = await store.deliveries.claim(1, 600_000, Date.now(), () => newId('att'));
      await store.deliveries.complete(claimed.map(succeeded), Date.now());
      const idOf = async (table: string): Promise<string> => (await db.all<{ id: string }>(`SELECT id FROM ${table} WHERE tenant_id = $1`, [WEEK_TENANT]))[0]!.id;
      const template: Template = { events: await idOf('events'), deliveries: await idOf('deliveries'), attempts: await idOf('attempts') };

      const start = Date.now() - 7 * DAY;
      const chunk = Math.round(perDay / WEEK_CHUNKS_PER_DAY);
      const chunkMs = DAY / WEEK_CHUNKS_PER_DAY;
      const days: StoreSample[] = [];
      const pruned = { deliveries: 0, attempts: 0, events: 0 };
      let fillMs = 0;
      let pruneMs = 0;
      let next = 1;
      const label = `${engine} retention: a week at ${thousands(perDay)} events a day, ${retentionDays ? `retention ${retentionDays}d` : 'no retention'}`;
      for (let day = 0; day < 7; day++) {
        for (let c = 0; c < WEEK_CHUNKS_PER_DAY; c++) {
          const from = start + day * DAY + c * chunkMs;
          progress.show(`${label}: day ${day + 1}, chunk ${c + 1}/${WEEK_CHUNKS_PER_DAY}`);
          let t = performance.now();
          await prefill(db, template, next, chunk, () => undefined, { at: { from, stepMs: chunkMs / chunk }, retries: WEEK_RETRIES });
          fillMs += performance.now() - t;
          next += chunk;
          if (retentionDays > 0) {
            t = performance.now();
            const pruner = startPruner({ store, retentionMs: retentionDays * DAY, intervalMs: 3_600_000, log, now: () => from + chunkMs, pauseMs: 0 });
            const got = await pruner.pass();
            await pruner.stop();
            pruned.deliveries += got.deliveries;
            pruned.attempts += got.attempts;
            pruned.events += got.events;
            await settle(db);
            pruneMs += performance.now() - t;
          }
        }
        days.push(await sample(db, fixture.databaseUrl ? undefined : fixture.sqlitePath, day + 1, `day ${day + 1}`));
      }
      progress.clear();
      return { retention_days: retentionDays, days, pruned, prune_s: round(pruneMs / 1000, 1), fill_s: round(fillMs / 1000, 1) };
    } finally {
      await db.close();
    }
  } finally {
    await undo();
    cleanups.delete(undo);
  }
}

const mb = (bytes: number): string => (bytes / 2 ** 20).toFixed(1);

/** What the printout says of one engine's retention run. */
export function retentionLines(r: RetentionResult): string[] {
  const lines = [
    `${r.engine} retention: ${thousands(r.old_rows)} old deliveries (+ events, attempts; filled in ${r.prefill_s} s); steady ${thousands(r.rate)}/s for ${r.seconds} s a phase; ` +
      `off p50/p99 ${r.off_p50_ms}/${r.off_p99_ms} ms, on (RELAIS_RETENTION=${r.retention}, RELAIS_PRUNE_INTERVAL=${r.prune_interval}, while pruning) ${r.on_p50_ms}/${r.on_p99_ms} ms (medians of the phases): ` +
      `p99 ×${r.p99_ratio.toFixed(2)} (target ≤ ×${P99_TOLERANCE}): ${r.within_tolerance ? 'met' : 'NOT met'}; the old rows all gone ${r.old_gone_at_s === null ? 'not within the run' : `at ${r.old_gone_at_s} s`}` +
      `${r.steady_p99_ms === null ? '' : `; after (only the load's own pruned) p99 ${r.steady_p99_ms} ms`}`,
    `  phases (p50/p99 ms): ${r.phases.map((x) => `${x.scenario.replace('retention-', '')} ${x.p50_ms}/${x.p99_ms}`).join(', ')}`,
    '  samples (t s, phase: deliveries / attempts / events, old left, MB on disk, MB in use):',
    ...r.samples.map((x) => `    ${x.t_s.toFixed(0).padStart(5)} ${x.phase.padEnd(26)} ${thousands(x.deliveries)} / ${thousands(x.attempts)} / ${thousands(x.events)}, ${thousands(x.old_deliveries ?? 0)}, ${mb(x.bytes)}, ${mb(x.used_bytes)}`),
  ];
  for (const w of r.week?.runs ?? []) {
    lines.push(`  a week at ${thousands(r.week!.per_day)} events a day, ${w.retention_days ? `retention ${w.retention_days}d` : 'no retention'} (fill ${w.fill_s} s, prune ${w.prune_s} s): ` +
      w.days.map((d) => `day ${d.t_s} ${mb(d.bytes)} MB (${thousands(d.deliveries)} deliveries)`).join(', '));
  }
  return lines;
}

/** The target's line. */
export const retentionTarget = (r: RetentionResult): string =>
  `${r.engine} retention: p99 ${r.on_p99_ms} ms while pruning ${thousands(r.old_rows)} old rows against ${r.off_p99_ms} ms not pruning (×${r.p99_ratio.toFixed(2)}, target ≤ ×${P99_TOLERANCE}): ${r.within_tolerance ? 'met' : 'NOT met'}`;
