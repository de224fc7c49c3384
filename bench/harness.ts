// The benchmark run (issue 6): the receiver process, the raw limit, then per engine a Relais
// process on a fresh store running the scenarios one after the other (each in a tenant of its
// own), and, with --prefill, a second Relais on a second fresh store that is filled to each size
// before running `batch` again. An unmeasured batch warms Relais up before the first scenario and
// after each fill. Prints the table, writes the JSON; ok is false when a delivery
// was lost or not recorded as succeeded, or a session failed.
import { ADMIN_TOKEN, createApi, EVENT_TYPE, eventData, setUpTenant } from './api.ts';
import { isSessionKind, scenarioName, warmUpEvents, type BenchOptions } from './options.ts';
import { prefill, type Template } from './prefill.ts';
import { createProgress, thousands, type Progress } from './progress.ts';
import { measureRawLimit, relaisConcurrency, type RawLimit } from './raw.ts';
import { startReceiver, type Receiver } from './receiver-client.ts';
import { ROOT, startCluster, startRelais } from './relais-child.ts';
import { loadAverages, machine, printReport, sourceVersion, targets, writeReport, type Report } from './report.ts';
import { runScenario, type Row, type Session } from './scenarios.ts';
import { makeStore, STORE_SIZE_METHOD, type Engine } from './stores.ts';
import { ceilingOf, type Ceiling } from './ceiling.ts';
import { storeCost } from './store-cost.ts';
import { runTarpit } from './tarpit.ts';
import { deliveryCpu, deliveryCpuTargets } from './delivery-cpu.ts';
import { measureRoundTrips, roundTripsTarget, type RoundTrips } from './round-trips.ts';
import { lockLine, watchLocks, WORKER_COUNTS, workersScenario } from './workers.ts';
import { runPeers, type PeerRow } from './peers/rows.ts';
import { comparePeers, peerLines } from './peers/compare.ts';
import { retentionLive, retentionTarget, weekRun, WEEK_RETENTION_DAYS, type RetentionResult } from './retention.ts';
import { destinationRows, type DestinationRow } from './destinations.ts';

const PREFILL_TENANT = 'prefill';
const PREFILL_TYPE = 'bench.prefill';

/** Everything to undo if the run is interrupted: children to kill, databases to drop. */
const cleanups = new Set<() => Promise<void> | void>();
async function cleanUp(): Promise<void> {
  for (const f of [...cleanups].reverse()) await Promise.resolve(f()).catch(() => undefined);
  cleanups.clear();
}

/** A fresh store and Relais on it: one process, or with `workers` an API process and that many worker processes. */
async function withSession(engine: Engine, options: BenchOptions, receiver: Receiver, progress: Progress, raw: Pick<Session, 'rawPerS' | 'rawSerialPerS'>,
  body: (s: Session) => Promise<void>, workers?: number): Promise<void> {
  const store = await makeStore(engine);
  const dispose = (): Promise<void> => store.dispose();
  cleanups.add(dispose);
  try {
    const env = {
      ...store.env,
      ...(engine === 'sqlite' ? { DATABASE_URL: '' } : {}),
      RELAIS_PORT: '0', RELAIS_HOST: '127.0.0.1', RELAIS_ADMIN_TOKEN: ADMIN_TOKEN,
      RELAIS_ALLOW_TARGETS: '127.0.0.0/8', RELAIS_LOG_LEVEL: 'warn',
    };
    const nodeArgs = options.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfDir}`] : [];
    const relais = workers === undefined ? await startRelais(env, nodeArgs) : await startCluster(env, workers, nodeArgs);
    const kill = (): void => relais.kill();
    cleanups.add(kill);
    const db = await store.connect();
    const api = createApi(relais.url, options.senders);
    try {
      await body({ engine, api, receiver, relais, db, progress, options, ...raw });
    } finally {
      await api.close();
      await db.close();
      await relais.stop();
      cleanups.delete(kill);
    }
  } finally {
    await dispose();
    cleanups.delete(dispose);
  }
}

const rounded = (raw: RawLimit): RawLimit => ({
  ...raw, per_s: Math.round(raw.per_s), duration_s: Math.round(raw.duration_s * 1000) / 1000,
  client_cpu_ms_per_1000: Math.round(raw.client_cpu_ms_per_1000), receiver_cpu_ms_per_1000: Math.round(raw.receiver_cpu_ms_per_1000),
});

/**
 * A batch run that is not measured, so that no row pays for the JIT compiling Relais' hot paths,
 * nor (after a fill) for caches full of the fill's pages instead of the queue's.
 */
export async function warmUp(s: Session, tenant: string): Promise<void> {
  await setUpTenant(s.api, tenant, s.receiver.url, 1);
  await runScenario(s, 'batch', { name: 'warm-up', tenant, webhooks: 1, events: warmUpEvents(s.options) });
}

async function mainScenarios(s: Session, rows: Row[]): Promise<void> {
  await warmUp(s, 'warm-up');
  for (const kind of s.options.kinds.filter(isSessionKind)) {
    const name = scenarioName(kind, s.options);
    if (kind === 'tarpit') {
      rows.push(await runTarpit(s, name));
      continue;
    }
    const webhooks = kind === 'fanout' ? s.options.webhooks : 1;
    s.progress.show(`${s.engine} ${name}: setting up ${thousands(webhooks)} webhook${webhooks > 1 ? 's' : ''}`);
    await setUpTenant(s.api, name, s.receiver.url, webhooks, undefined, kind === 'serial' ? { max_concurrency: 1 } : {});
    rows.push(await runScenario(s, kind, { name, tenant: name, webhooks }));
  }
}

/** The batch scenario on a cluster of `workers` worker processes, with the lock waits seen meanwhile (workers.ts). */
async function workersRow(s: Session, rows: Row[], workers: number): Promise<void> {
  await warmUp(s, 'warm-up');
  const name = workersScenario(workers);
  await setUpTenant(s.api, name, s.receiver.url, 1);
  const locks = await watchLocks(s.db);
  let row: Row;
  try {
    row = await runScenario(s, 'batch', { name, tenant: name, webhooks: 1 }, { workers });
  } catch (err) {
    await locks.stop().catch(() => undefined);
    throw err;
  }
  rows.push({ ...row, lock_waits: await locks.stop() });
}

/** One real event, delivery and attempt, made by Relais, for prefill() to copy. */
export async function prefillTemplate(s: Session): Promise<Template> {
  await setUpTenant(s.api, PREFILL_TENANT, s.receiver.url, 1, PREFILL_TYPE);
  await s.api.call('POST', `/v1/tenants/${PREFILL_TENANT}/events`, { type: PREFILL_TYPE, data: eventData(0) }, 202);
  const deadline = Date.now() + s.options.stallMs;
  while ((await s.db.statuses(PREFILL_TENANT)).succeeded !== 1) {
    if (Date.now() > deadline) throw new Error('the prefill template was not delivered');
    await new Promise((r) => setTimeout(r, 20));
  }
  const idOf = async (table: string): Promise<string> => (await s.db.all<{ id: string }>(`SELECT id FROM ${table} WHERE tenant_id = $1`, [PREFILL_TENANT]))[0]!.id;
  return { events: await idOf('events'), deliveries: await idOf('deliveries'), attempts: await idOf('attempts') };
}

async function prefilledBatches(s: Session, rows: Row[]): Promise<void> {
  const template = await prefillTemplate(s);
  for (const target of [...s.options.prefill].sort((a, b) => a - b)) {
    const started = performance.now();
    // The warm-up that follows the fill brings the store to the target.
    const add = target - warmUpEvents(s.options) - (await s.db.deliveries());
    if (add > 0) {
      const first = Object.values(await s.db.statuses(PREFILL_TENANT)).reduce((a, b) => a + b, 0);
      await prefill(s.db, template, first, add, (done) => s.progress.show(`${s.engine}: filling the store, ${thousands(done)}/${thousands(add)} deliveries`));
      s.progress.clear();
    }
    const prefillS = (performance.now() - started) / 1000;
    await warmUp(s, `warm-up-${target}`);
    const tenant = `batch-${target}`;
    await setUpTenant(s.api, tenant, s.receiver.url, 1);
    rows.push(await runScenario(s, 'batch', { name: 'batch', tenant, webhooks: 1 }, { prefill_s: Math.round(prefillS * 10) / 10 }));
  }
}

export async function runBench(options: BenchOptions, command: string): Promise<Report> {
  const progress = createProgress();
  // Interrupted: the children are killed, the databases dropped, and the process exits, with no
  // report (the run in progress waits on this rather than report its sessions as failed).
  let stopping: Promise<never> | undefined;
  const interrupted = (): void => {
    progress.clear();
    process.stderr.write('interrupted: stopping the children and dropping the benchmark databases\n');
    stopping = cleanUp().then(() => process.exit(130));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  const startedAt = new Date().toISOString();
  const host = machine();
  const rows: Row[] = [];
  const ceilings: Ceiling[] = [];
  const errors: string[] = [];
  const receiver = await startReceiver();
  const killReceiver = (): void => receiver.kill();
  cleanups.add(killReceiver);
  try {
    // At most a millisecond of warm-up per timed request: a tiny run (the smoke test) stays tiny.
    const warmUpMs = Math.min(options.quick ? 1_500 : 3_000, options.rawRequests);
    const raw = await measureRawLimit(receiver, options.rawRequests, warmUpMs, (done) => progress.show(`raw limit: ${thousands(done)}/${thousands(options.rawRequests)} requests`));
    const rawSerial = options.kinds.includes('serial')
      ? await measureRawLimit(receiver, options.rawSerialRequests, Math.min(500, options.rawSerialRequests), (done) => progress.show(`serial raw limit: ${thousands(done)}/${thousands(options.rawSerialRequests)} requests`), 1)
      : undefined;
    progress.clear();
    /** One part of the run: a failure is reported and the run goes on with the next part. */
    const part = async (label: string, body: () => Promise<void>): Promise<void> => {
      try {
        await body();
      } catch (err) {
        if (stopping) await stopping;
        progress.clear();
        errors.push(`${label}: ${(err as Error).stack ?? String(err)}`);
        process.stderr.write(`${label}: ${(err as Error).message}\n`);
      }
    };
    // The store alone, first: on a machine as quiet as the raw limit's (after a session, PostgreSQL
    // would still be vacuuming and checkpointing the fill, and its CPU would count as the store's).
    for (const engine of options.engines) {
      if (options.storeDeliveries === 0) break;
      await part(`${engine} ceiling`, async () => {
        progress.show(`${engine}: the store alone, ${thousands(options.storeDeliveries)} deliveries a phase (ceiling)`);
        ceilings.push(ceilingOf(engine, await storeCost(engine, options.storeDeliveries), raw, host.cores));
        progress.clear();
      });
    }
    const rawOf = { rawPerS: raw.per_s, rawSerialPerS: rawSerial?.per_s };
    let roundTrips: RoundTrips | undefined;
    const peers: PeerRow[] = [];
    const retention: RetentionResult[] = [];
    const destinations: DestinationRow[] = [];
    for (const engine of options.engines) {
      if (options.kinds.includes('retention')) {
        await part(`${engine} retention`, async () => {
          const result = await retentionLive(engine, { options, receiver, progress, raw: rawOf, cleanups });
          rows.push(...result.phases);
          if (options.weekPerDay > 0) {
            const runs = [];
            for (const days of [0, WEEK_RETENTION_DAYS]) runs.push(await weekRun(engine, options.weekPerDay, days, progress, cleanups));
            result.week = { per_day: options.weekPerDay, runs };
          }
          retention.push(result);
        });
      }
      const sessions = [
        ...(options.kinds.some(isSessionKind) ? [mainScenarios] : []),
        ...(options.prefill.length && options.kinds.includes('batch') ? [prefilledBatches] : []),
      ];
      for (const session of sessions) {
        await part(engine, () => withSession(engine, options, receiver, progress, rawOf, (s) => session(s, rows)));
      }
      if (options.kinds.includes('destinations')) {
        await part(`${engine} destinations`, () => withSession(engine, options, receiver, progress, rawOf, async (s) => {
          destinations.push(...(await destinationRows(s, (label, err) => {
            errors.push(`${label}: ${(err as Error).stack ?? String(err)}`);
            process.stderr.write(`${label}: ${(err as Error).message}
`);
          })));
        }));
      }
      if (engine !== 'postgres') continue;
      if (options.kinds.includes('round-trips')) {
        await part('postgres round trips', async () => { roundTrips = await measureRoundTrips(options, receiver, progress, cleanups); });
      }
      for (const workers of options.kinds.includes('workers') ? WORKER_COUNTS : []) {
        await part(`postgres ${workersScenario(workers)}`, () => withSession(engine, options, receiver, progress, rawOf, (s) => workersRow(s, rows, workers), workers));
      }
    }
    if (options.kinds.includes('peers')) {
      await part('peers', async () => {
        peers.push(...(await runPeers({ options, receiver, progress, rawPerS: raw.per_s, concurrency: relaisConcurrency().perReceiver, cleanups })));
      });
    }
    if (stopping) await stopping;
    const cpu = deliveryCpu(rows, peers, raw);
    const comparisons = comparePeers(rows, peers);
    const report: Report = {
      command, started_at: startedAt, source: sourceVersion(ROOT), machine: { ...host, load_after: loadAverages() },
      raw_limit: rounded(raw),
      ...(rawSerial ? { raw_limit_serial: rounded(rawSerial) } : {}),
      relais_concurrency: relaisConcurrency().text,
      store_size_method: STORE_SIZE_METHOD,
      rows, ceilings, delivery_cpu: cpu, ...(roundTrips ? { round_trips: roundTrips } : {}),
      ...(options.kinds.includes('peers') ? { peers, peer_comparisons: comparisons } : {}),
      ...(options.kinds.includes('retention') ? { retention } : {}),
      ...(options.kinds.includes('destinations') ? { destinations } : {}),
      targets: [
        ...retention.map(retentionTarget),
        ...deliveryCpuTargets(cpu), ...targets(rows, ceilings), ...(roundTrips ? [roundTripsTarget(roundTrips)] : []),
        ...rows.filter((r) => r.lock_waits).map((r) => lockLine(r.scenario, r.delivered_per_s, r.lock_waits!)),
        ...peerLines(comparisons.filter((c) => c.judged)),
      ],
      errors,
      ok: errors.length === 0 && rows.every((r) => r.lost === 0 && r.not_succeeded === 0) && peers.every((p) => p.lost === 0)
        && destinations.every((d) => d.lost === 0 && d.not_succeeded === 0),
    };
    writeReport(options.out, report);
    printReport(report);
    return report;
  } finally {
    await receiver.close();
    cleanups.delete(killReceiver);
    process.off('SIGINT', interrupted);
    process.off('SIGTERM', interrupted);
  }
}
