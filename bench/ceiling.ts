// The ceiling: the most any Relais could deliver on this machine with today's store, whatever its
// own code costs. Every delivery costs the machine at least its HTTP pair (the raw limit's own
// CPU per request, client and receiver) and its store phases (bench:store's CPU per delivery,
// PostgreSQL's server included); with the machine's cores as the budget, that bounds delivered/s.
// Issue 6 asks for ≥ 50% of the raw limit: the ceiling says whether that is within reach at all,
// and how far Relais is from what is. It is optimistic on purpose — all cores busy, nothing spent
// on parsing, validating, signing, scheduling or garbage — so a target above it is out of reach.
import type { RawLimit } from './raw.ts';
import type { PhaseCost, PhaseKey } from './store-cost.ts';
import type { Engine } from './stores.ts';

export interface Bound {
  /** CPU per delivery, µs: HTTP and store together. */
  cpu_us: number;
  /** cores × 1 s ÷ cpu_us. */
  per_s: number;
  /** per_s ÷ the raw limit. */
  ratio: number;
}

export interface Ceiling {
  engine: Engine;
  cores: number;
  /** Deliveries each store phase was measured over. */
  deliveries: number;
  /** The raw limit's client and receiver CPU per request. */
  http_us: number;
  /** Each phase's CPU per delivery, this process's and (PostgreSQL) the server's. */
  store_us: Record<Exclude<PhaseKey, 'floor'>, number>;
  /** A delivery from a backlog (the batch scenario): ingested 500 a transaction, claimed, sent, recorded. */
  backlog: Bound;
  /** A delivery handed to the dispatcher at ingest: no claim. */
  handed_off: Bound;
  /**
   * A single event a request: its own request is one more HTTP pair. The store's share is
   * counted at its cheapest, batched and handed off (group commit and credits get close to it).
   */
  single: Bound;
}

const oneDecimal = (n: number): number => Math.round(n * 10) / 10;

export function ceilingOf(engine: Engine, phases: readonly PhaseCost[], raw: Pick<RawLimit, 'per_s' | 'client_cpu_ms_per_1000' | 'receiver_cpu_ms_per_1000'>, cores: number): Ceiling {
  const costOf = (key: PhaseKey): number => {
    const p = phases.find((x) => x.key === key && x.engine === engine);
    if (!p) throw new Error(`ceiling: no ${key} phase measured on ${engine}`);
    return oneDecimal(p.cpu_us + (p.db_cpu_us ?? 0));
  };
  const store_us = Object.fromEntries((['ingest', 'claim', 'results', 'ingest_single', 'ingest_leased'] as const).map((k) => [k, costOf(k)])) as Ceiling['store_us'];
  const http_us = oneDecimal(raw.client_cpu_ms_per_1000 + raw.receiver_cpu_ms_per_1000); // ms per 1,000 = µs per request
  const bound = (cpu_us: number): Bound => {
    const per_s = Math.round((cores * 1e6) / cpu_us);
    return { cpu_us: oneDecimal(cpu_us), per_s, ratio: Math.round((per_s / raw.per_s) * 100) / 100 };
  };
  return {
    engine, cores, deliveries: phases.find((p) => p.engine === engine && p.key === 'ingest')?.deliveries ?? 0, http_us, store_us,
    backlog: bound(http_us + store_us.ingest + store_us.claim + store_us.results),
    handed_off: bound(http_us + store_us.ingest_leased + store_us.results),
    single: bound(2 * http_us + store_us.ingest_leased + store_us.results),
  };
}

/** The bound a scenario's row is judged against, if it has one. */
export function boundFor(ceiling: Ceiling, scenario: string): Bound | undefined {
  if (scenario === 'batch') return ceiling.backlog;
  if (scenario === 'single') return ceiling.single;
  return undefined;
}
