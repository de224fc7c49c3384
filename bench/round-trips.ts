// `--scenario round-trips` (PostgreSQL): how many round trips to the server one
// `POST /v1/tenants/:t/events` costs — the target is 2. Relais talks to PostgreSQL through a
// counting proxy (pg-wire.ts), so nothing in Relais is changed or wrapped:
//   ingest     an API-only process (RELAIS_ROLES=api: no dispatcher sharing its connections),
//              events sent one at a time after a warm-up, then `senders` at once (group commit
//              lets concurrent events share a transaction); the statements of one event listed
//   delivery   the default process (API and dispatcher), one event at a time, each waited for
//              until delivered and recorded: every round trip of a delivery, ingest included
// Each figure is per event, less what the process costs idle over as long (measured before).
import { ADMIN_TOKEN, createApi, setUpTenant, type Api } from './api.ts';
import type { BenchOptions } from './options.ts';
import { startPgWireCounter, type PgWireCounter } from './pg-wire.ts';
import type { Progress } from './progress.ts';
import type { Receiver } from './receiver-client.ts';
import { startRelais } from './relais-child.ts';
import { round } from './stats.ts';
import { makeStore, type Connection } from './stores.ts';

export const ROUND_TRIPS_TARGET = 2;
const TENANT = 'trips';
const WARM_UP = 50;
const IDLE_MS = 1_000;
const POLL_MS = 2;
/** Long enough for what a request leaves running after its answer (ingest's pg_notify) to land. */
const QUIET_MS = 50;
const quiet = (): Promise<void> => new Promise((r) => setTimeout(r, QUIET_MS));

export interface Trips { round_trips: number; statements: number }

export interface RoundTrips {
  engine: 'postgres';
  /** Events measured in each part. */
  events: number;
  /** Per event, one at a time, API-only process: the ingest alone. */
  ingest: Trips;
  /** Per event, `senders` at once, API-only process. */
  ingest_concurrent: Trips & { senders: number };
  /** The statements of one event's ingest, in order. */
  ingest_statements: string[];
  /** Per event, one at a time, the default process, from sent to its attempt recorded. */
  delivery: Trips;
  delivery_statements: string[];
  /** Round trips a second each process made with nothing to do (subtracted above). */
  idle_per_s: { api: number; default: number };
  target: number;
  met: boolean;
}

/** A process's idle rates, per ms. */
interface Idle { roundTrips: number; statements: number }
interface Part { api: Api; proxy: PgWireCounter; idle: Idle }

/** Round trips and statements per event over `events` events sent by `send`, less the idle rates. */
async function per(part: Part, events: number, send: () => Promise<void>): Promise<Trips> {
  const before = part.proxy.totals();
  const started = performance.now();
  await send();
  const after = part.proxy.totals();
  const ms = performance.now() - started;
  return {
    round_trips: round(Math.max(0, after.roundTrips - before.roundTrips - part.idle.roundTrips * ms) / events, 2),
    statements: round(Math.max(0, after.statements - before.statements - part.idle.statements * ms) / events, 2),
  };
}

async function idleRates(proxy: PgWireCounter): Promise<Idle> {
  const before = proxy.totals();
  await new Promise((r) => setTimeout(r, IDLE_MS));
  const after = proxy.totals();
  return { roundTrips: (after.roundTrips - before.roundTrips) / IDLE_MS, statements: (after.statements - before.statements) / IDLE_MS };
}

/**
 * A Relais process through the proxy: `prepare` (the tenant, or the backlog left by the last
 * process delivered), a warm-up, its idle rates; then `body` measures, and it stops.
 */
async function withProcess<T>(proxy: PgWireCounter, roles: string, senders: number, prepare: (api: Api) => Promise<void>, body: (p: Part) => Promise<T>): Promise<T> {
  const relais = await startRelais({
    DATABASE_URL: proxy.url, RELAIS_ROLES: roles, RELAIS_PORT: '0', RELAIS_HOST: '127.0.0.1', RELAIS_ADMIN_TOKEN: ADMIN_TOKEN,
    RELAIS_ALLOW_TARGETS: '127.0.0.0/8', RELAIS_LOG_LEVEL: 'warn',
  });
  const api = createApi(relais.url, senders);
  try {
    await prepare(api);
    for (let n = 0; n < WARM_UP; n++) await api.send(TENANT, n, `warm-${roles}`);
    await prepare(api);
    proxy.take();
    return await body({ api, proxy, idle: await idleRates(proxy) });
  } finally {
    await api.close();
    await relais.stop();
  }
}

async function settled(db: Connection, receiver: Receiver, expected: number): Promise<void> {
  while ((await receiver.count()).unique < expected || (await db.live()) > 0) await new Promise((r) => setTimeout(r, POLL_MS));
}

export async function measureRoundTrips(options: BenchOptions, receiver: Receiver, progress: Progress, cleanups: Set<() => Promise<void> | void>): Promise<RoundTrips> {
  const events = options.quick ? 50 : 200;
  const store = await makeStore('postgres');
  const proxy = await startPgWireCounter(store.env.DATABASE_URL!);
  const undo = async (): Promise<void> => { await proxy.close(); await store.dispose(); };
  cleanups.add(undo);
  try {
    let tenant = false;
    const setUp = async (api: Api): Promise<void> => {
      if (!tenant) await setUpTenant(api, TENANT, receiver.url, 1);
      tenant = true;
    };
    const ingest = await withProcess(proxy, 'api', options.senders, setUp, async (p) => {
      progress.show(`postgres round trips: ${events} events one at a time, API only`);
      const one = await per(p, events, async () => { for (let n = 0; n < events; n++) await p.api.send(TENANT, n, 'one'); });
      await quiet();
      p.proxy.take();
      await p.api.send(TENANT, 0, 'listed');
      await quiet();
      const statements = p.proxy.take();
      progress.show(`postgres round trips: ${events} events, ${options.senders} at once, API only`);
      let next = 0;
      const concurrent = await per(p, events, async () => {
        await Promise.all(Array.from({ length: options.senders }, async () => { while (next < events) await p.api.send(TENANT, next++, 'many'); }));
      });
      return { one, statements, concurrent, idle: p.idle.roundTrips * 1000 };
    });
    const db = await store.connect();
    try {
      // What the API-only process queued is delivered first, before the idle rates are read.
      const delivery = await withProcess(proxy, 'api,worker', 1, () => settled(db, receiver, 0), async (p) => {
        await receiver.reset();
        progress.show(`postgres round trips: ${events} events one at a time, each until delivered, API and dispatcher`);
        const whole = await per(p, events, async () => {
          for (let n = 0; n < events; n++) {
            await p.api.send(TENANT, n, 'delivered');
            await settled(db, receiver, n + 1);
          }
        });
        await quiet();
        p.proxy.take();
        await p.api.send(TENANT, 0, 'delivered-listed');
        await settled(db, receiver, events + 1);
        await quiet();
        return { whole, statements: p.proxy.take(), idle: p.idle.roundTrips * 1000 };
      });
      progress.clear();
      return {
        engine: 'postgres', events, ingest: ingest.one, ingest_concurrent: { ...ingest.concurrent, senders: options.senders },
        ingest_statements: ingest.statements, delivery: delivery.whole, delivery_statements: delivery.statements,
        idle_per_s: { api: round(ingest.idle, 1), default: round(delivery.idle, 1) },
        target: ROUND_TRIPS_TARGET, met: ingest.one.round_trips <= ROUND_TRIPS_TARGET,
      };
    } finally {
      await db.close();
    }
  } finally {
    await undo();
    cleanups.delete(undo);
  }
}

/** The target's line. */
export function roundTripsTarget(t: RoundTrips): string {
  const { ingest: one, ingest_concurrent: many, delivery } = t;
  return `postgres round trips per single-event ingest: ${one.round_trips.toFixed(2)} one at a time (${one.statements.toFixed(2)} statements; target ≤ ${t.target}): ${t.met ? 'met' : 'NOT met'}; ` +
    `${many.round_trips.toFixed(2)} with ${many.senders} at once (group commit); a whole delivery ${delivery.round_trips.toFixed(2)} (ingest, dispatch, result)`;
}
