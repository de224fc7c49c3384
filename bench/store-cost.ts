// `npm run bench:store [-- --engine sqlite,postgres] [--deliveries N]`: what the store alone costs
// per delivery — ingest, claim, result — called in-process, with no HTTP on either side: the floor
// under every end-to-end figure of `npm run bench`, and the yardstick for how close to the raw
// HTTP limit a durable delivery can get on this machine. One webhook, one delivery per event, the
// bench's event; each phase over N deliveries on a fresh store. CPU is this process's (user +
// system, the store's JavaScript and, on SQLite, the database itself) and, on PostgreSQL, the
// server's (every local `postgres` process), each per delivery.
import { parseArgs } from 'node:util';
import { newId } from '../src/ids.ts';
import { subscriptionMatches } from '../src/core/matching.ts';
import { openStore } from '../src/store/open.ts';
import type { ClaimedDelivery, Matcher, Store } from '../src/store/store.ts';
import { makeEngine } from '../test/helpers/engines.ts';
import { EVENT_TYPE } from './api.ts';
import { serverCpuSince } from './cpu.ts';
import { ENGINES } from './options.ts';
import { thousands } from './progress.ts';
import { textTable } from './text-table.ts';
import { connect, type Connection, type Engine, type Probe } from './stores.ts';
import { newWebhook } from '../test/helpers/webhooks.ts';
import { event, succeeded, TENANT } from './store-rows.ts';
import { FLOOR_PHASE, openFloor } from './store-floor.ts';

/**
 * The phases, by what each measures: a batch's ingest, a claim, a result, one event a transaction,
 * ingest leased (no claim); and, when asked, the floor under claim and results (store-floor.ts).
 */
export type PhaseKey = 'ingest' | 'claim' | 'results' | 'ingest_single' | 'ingest_leased' | 'floor';

export interface PhaseCost {
  engine: Engine;
  key: PhaseKey;
  phase: string;
  deliveries: number;
  wall_us: number;
  cpu_us: number;
  db_cpu_us: number | null;
}

const match: Matcher = (webhooks, e) => webhooks.filter((w) => subscriptionMatches(w, e.type, e.data));
const newDeliveryId = (): string => newId('dlv');
const newLeaseId = (): string => newId('att');

async function measure(engine: Engine, server: Probe | undefined, key: PhaseKey, phase: string, deliveries: number, body: () => Promise<void>): Promise<PhaseCost> {
  const db = await server?.serverCpu();
  const cpu = process.cpuUsage();
  const started = performance.now();
  await body();
  const wallMs = performance.now() - started;
  const used = process.cpuUsage(cpu);
  const dbAfter = await server?.serverCpu();
  const dbMs = db && dbAfter ? serverCpuSince(db, dbAfter) : undefined;
  const per = (ms: number): number => Math.round((ms * 1000 / deliveries) * 10) / 10;
  return { engine, key, phase, deliveries, wall_us: per(wallMs), cpu_us: per((used.user + used.system) / 1000), db_cpu_us: dbMs === undefined ? null : per(dbMs) };
}

async function claimAll(store: Store, size: number): Promise<ClaimedDelivery[]> {
  const claimed: ClaimedDelivery[] = [];
  for (;;) {
    const batch = await store.deliveries.claim(size, 600_000, Date.now(), newLeaseId);
    if (batch.length === 0) return claimed;
    claimed.push(...batch);
  }
}

async function completeAll(store: Store, claimed: readonly ClaimedDelivery[], size: number): Promise<void> {
  for (let i = 0; i < claimed.length; i += size) await store.deliveries.complete(claimed.slice(i, i + size).map(succeeded), Date.now());
}

/** A phase that did not do all its work has measured nothing worth printing. */
function expect(what: string, got: number, wanted: number): void {
  if (got !== wanted) throw new Error(`bench:store: ${what}: ${got}, not ${wanted}`);
}

/** Every phase on one engine, on a fresh store; `floor`: the floor's row too. */
export async function storeCost(engine: Engine, deliveries: number, { floor = false } = {}): Promise<PhaseCost[]> {
  const fixture = await makeEngine(engine);
  const store = openStore({ ...fixture, encryptionKey: 'bench-store-cost' });
  let server: Connection | undefined;
  try {
    await store.migrate();
    // PostgreSQL's CPU is read through a connection of its own (SQLite's is this process's).
    if (engine === 'postgres') server = await connect(fixture);
    await store.tenants.create({ id: TENANT, name: TENANT, notifyEmails: [] }, Date.now());
    await store.webhooks.create(newWebhook(TENANT, [EVENT_TYPE]), Date.now());
    const ingest = async (n: number, perTransaction: number): Promise<void> => {
      for (let i = 0; i < n; i += perTransaction) {
        await store.events.ingest(TENANT, Array.from({ length: Math.min(perTransaction, n - i) }, (_, k) => event(i + k)), match, newDeliveryId, Date.now());
      }
    };
    await ingest(Math.min(deliveries, 2_000), 500); // warm up: statements prepared, code optimised
    await completeAll(store, await claimAll(store, 100), 100);

    const rows: PhaseCost[] = [];
    rows.push(await measure(engine, server, 'ingest', 'ingest, 500 events a transaction', deliveries, () => ingest(deliveries, 500)));
    let claimed: ClaimedDelivery[] = [];
    rows.push(await measure(engine, server, 'claim', 'claim, 100 a claim', deliveries, async () => { claimed = await claimAll(store, 100); }));
    expect('deliveries claimed', claimed.length, deliveries);
    rows.push(await measure(engine, server, 'results', 'record results, 100 a transaction', deliveries, () => completeAll(store, claimed, 100)));
    const few = Math.max(1, Math.floor(deliveries / 10));
    rows.push(await measure(engine, server, 'ingest_single', 'ingest, 1 event a transaction', few, () => ingest(few, 1)));
    const single = await claimAll(store, 100);
    expect('deliveries of single ingests claimed', single.length, few);
    await completeAll(store, single, 100);
    // The hand-off path: stored already leased, so no claim at all.
    const leased: ClaimedDelivery[] = [];
    rows.push(await measure(engine, server, 'ingest_leased', 'ingest leased (hand-off), 500 a transaction', deliveries, async () => {
      for (let i = 0; i < deliveries; i += 500) {
        const lease = { leaseId: newLeaseId(), until: Date.now() + 600_000, take: (n: number) => n };
        const events = Array.from({ length: Math.min(500, deliveries - i) }, (_, k) => event(i + k));
        leased.push(...(await store.events.ingestLeasing(TENANT, events, match, newDeliveryId, Date.now(), lease)).leased);
      }
    }));
    expect('deliveries leased at ingest', leased.length, deliveries);
    expect('deliveries left to claim after a leasing ingest', (await claimAll(store, 100)).length, 0);
    await completeAll(store, leased, 100);
    let floored = 0;
    if (floor) {
      await ingest(deliveries, 500);
      const [webhook] = await store.webhooks.list(TENANT);
      const floorOf = await openFloor(fixture);
      try {
        rows.push(await measure(engine, server, 'floor', FLOOR_PHASE[engine], deliveries, async () => {
          floored = await floorOf.run(webhook);
        }));
      } finally {
        await floorOf.close();
      }
      expect('deliveries the floor recorded', floored, deliveries);
    }
    // On PostgreSQL the floor's deliveries are in its own tables (q_deliveries).
    expect('deliveries recorded as succeeded', (await store.deliveries.list(TENANT, { status: 'succeeded', limit: 10_000_000 })).data.length,
      deliveries * 2 + few + Math.min(deliveries, 2_000) + (engine === 'sqlite' ? floored : 0));
    expect('live deliveries left', (await store.deliveries.nextDueAt()) === undefined ? 0 : 1, 0);
    return rows;
  } finally {
    await server?.close();
    await store.close();
    await fixture.dispose();
  }
}

const COLUMNS: [string, (r: PhaseCost) => string][] = [
  ['engine', (r) => r.engine],
  ['phase', (r) => r.phase],
  ['deliveries', (r) => thousands(r.deliveries)],
  ['wall µs', (r) => r.wall_us.toFixed(1)],
  ['CPU µs', (r) => r.cpu_us.toFixed(1)],
  ['DB CPU µs', (r) => (r.db_cpu_us === null ? '-' : r.db_cpu_us.toFixed(1))],
];

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { engine: { type: 'string' }, deliveries: { type: 'string' } } });
  const engines = (values.engine?.split(',') ?? [...ENGINES]) as Engine[];
  const unknown = engines.filter((e) => !(ENGINES as readonly string[]).includes(e));
  const deliveries = Number(values.deliveries ?? 20_000);
  if (unknown.length || !Number.isInteger(deliveries) || deliveries < 10) {
    console.error(`usage: npm run bench:store -- [--engine ${ENGINES.join(',')}] [--deliveries N ≥ 10]`);
    process.exit(2);
  }
  const rows: PhaseCost[] = [];
  for (const engine of engines) rows.push(...(await storeCost(engine, deliveries, { floor: true })));
  console.log(textTable(COLUMNS, rows));
  console.log('\nper delivery; wall: in-process time of the calls; CPU: this process (store code and, on SQLite, the database); DB CPU: the PostgreSQL server');
}
