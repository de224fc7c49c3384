// What a run measures: the defaults of the full run, and of `--quick` (all of it under a minute).
import { ENGINES } from '../test/helpers/engines.ts';
import type { Engine } from './stores.ts';

export { ENGINES };
export const KINDS = ['single', 'batch', 'fanout', 'steady', 'serial', 'tarpit', 'round-trips', 'workers', 'peers', 'retention', 'destinations'] as const;
export type Kind = (typeof KINDS)[number];
/** The scenarios of one Relais process per engine (scenarios.ts, tarpit.ts); the others make their own. */
export const SESSION_KINDS = ['single', 'batch', 'fanout', 'steady', 'serial', 'tarpit'] as const satisfies readonly Kind[];
export type SessionKind = (typeof SESSION_KINDS)[number];
export const isSessionKind = (k: Kind): k is SessionKind => (SESSION_KINDS as readonly Kind[]).includes(k);
/**
 * What runs unless --scenario says otherwise. Asked for by name: tarpit (it waits out request
 * timeouts), peers (Redis and the peers' dev dependencies) and retention (a million rows filled
 * and pruned per engine, and a simulated week: bench/retention.ts) and destinations (RabbitMQ, NATS,
 * Redis and Mosquitto on this machine: bench/destinations.ts). round-trips and workers are
 * PostgreSQL's alone.
 */
export const DEFAULT_KINDS: readonly Kind[] = KINDS.filter((k) => k !== 'tarpit' && k !== 'peers' && k !== 'retention' && k !== 'destinations');

export interface BenchOptions {
  engines: Engine[];
  kinds: Kind[];
  /** Events of the single and batch scenarios. */
  events: number;
  batchSize: number;
  /** Concurrent senders of single events (and of the steady scenario's paced ones). */
  senders: number;
  /** Fan-out: webhooks subscribed, and events sent one after the other. */
  webhooks: number;
  rounds: number;
  /** Steady: events a second, for so many seconds. */
  rate: number;
  seconds: number;
  /** Serial: events in batches to one webhook with max_concurrency 1. */
  serialEvents: number;
  /** Batch again once the store holds each of these numbers of deliveries. */
  prefill: number[];
  rawRequests: number;
  /** Requests one at a time that measure the serial raw limit. */
  rawSerialRequests: number;
  /** Deliveries each store phase is measured over for the ceiling (ceiling.ts); 0: no ceiling. */
  storeDeliveries: number;
  /** Retention: old finished deliveries filled in before the live phases, the seconds of steady load a phase, how often the store is sampled. */
  retentionRows: number;
  retentionSeconds: number;
  retentionSampleMs: number;
  /** Retention: off and on phases, alternated. */
  retentionPairs: number;
  /** Retention: events a day of the simulated week (0: no week). */
  weekPerDay: number;
  /** Give up waiting (deliveries lost) when nothing arrives for this long. */
  stallMs: number;
  out: string;
  /** Where Relais writes a V8 CPU profile per process (`--cpu-prof`), if anywhere. */
  cpuProfDir?: string;
  quick: boolean;
}

export type BenchFlags = Partial<Omit<BenchOptions, 'quick'>> & { quick?: boolean };

const FULL = {
  events: 20_000, rounds: 5, seconds: 10, serialEvents: 5_000, prefill: [10_000, 1_000_000], rawRequests: 30_000, rawSerialRequests: 5_000, storeDeliveries: 20_000,
  retentionRows: 1_000_000, retentionSeconds: 25, retentionSampleMs: 5_000, retentionPairs: 6, weekPerDay: 100_000,
};
const QUICK = {
  events: 2_000, rounds: 2, seconds: 3, serialEvents: 500, prefill: [], rawRequests: 5_000, rawSerialRequests: 1_000, storeDeliveries: 2_000,
  retentionRows: 20_000, retentionSeconds: 5, retentionSampleMs: 1_000, retentionPairs: 2, weekPerDay: 4_000,
};

export function resolveOptions(flags: BenchFlags & Pick<BenchOptions, 'out'>): BenchOptions {
  const sized = flags.quick ? QUICK : FULL;
  const defined = Object.fromEntries(Object.entries(flags).filter(([, v]) => v !== undefined)) as BenchFlags;
  // The peers are compared with Relais' batch rows of the same run: peers brings them, with no
  // prefilled ones unless --prefill asks.
  const kinds = defined.kinds ?? [...DEFAULT_KINDS];
  const forPeers = kinds.includes('peers') && !kinds.includes('batch');
  return {
    engines: [...ENGINES],
    batchSize: 500,
    senders: 32,
    webhooks: 1_000,
    rate: 1_000,
    stallMs: 20_000,
    quick: false,
    ...sized,
    ...(forPeers ? { prefill: [] } : {}),
    ...defined,
    kinds: forPeers ? ['batch', ...kinds] : kinds,
    // A smaller raw run asked for makes the serial one no larger (the smoke test's tiny run).
    rawSerialRequests: Math.min(sized.rawSerialRequests, defined.rawRequests ?? Infinity),
    out: flags.out,
  };
}

/** The unmeasured run before the measured ones: no row pays for the JIT compiling the hot paths. */
export const warmUpEvents = (o: Pick<BenchOptions, 'events' | 'quick'>): number => Math.min(o.events, o.quick ? 1_000 : 5_000);

/** The row's scenario name: `fanout-1000`, `steady-1000` with the default sizes. */
export function scenarioName(kind: Kind, options: Pick<BenchOptions, 'webhooks' | 'rate'>): string {
  if (kind === 'fanout') return `fanout-${options.webhooks}`;
  if (kind === 'steady') return `steady-${options.rate}`;
  return kind;
}
