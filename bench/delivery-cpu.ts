// The headline figure (issue 17): what one delivery costs the machine in CPU — Relais' processes
// plus the database server's (SQLite's is inside Relais) — against what one bare request costs it,
// the raw limit's HTTP pair measured in the same run (its client's CPU plus the receiver's). A
// persisted, signed, logged delivery is to cost at most 2× that pair on SQLite for a backlog (the
// batch row), and at most 4× on PostgreSQL with the server. CPU, not delivered/s, because this
// machine is shared: a busy neighbour slows every rate, while the CPU a delivery takes moves less.
// The peers (peers/) are on the same footing: their process and their server (Redis, PostgreSQL).
// Neither side counts the receiver's CPU during the run, nor the harness that sends the events.
import type { PeerRow } from './peers/rows.ts';
import type { RawLimit } from './raw.ts';
import type { Row } from './scenarios.ts';
import { round } from './stats.ts';
import { textTable } from './text-table.ts';

/** At most this many HTTP pairs' CPU per delivery, for a backlog (the batch row), per engine. */
export const CPU_TARGETS = { sqlite: 2, postgres: 4 } as const;

export interface DeliveryCpu {
  /** `sqlite batch`, `postgres workers-2`, `bullmq`. */
  row: string;
  /** Relais' processes (or the peer's) per delivery. */
  own_ms: number;
  /** The database server's (or the peer's Redis/PostgreSQL) per delivery; null when inside the process (SQLite) or not measured. */
  server_ms: number | null;
  total_ms: number;
  /** The raw limit's client + receiver CPU per request, the same run's. */
  http_pair_ms: number;
  /** total_ms ÷ http_pair_ms. */
  pairs: number;
  target: number | null;
  met: boolean | null;
}

const targetOf = (r: Row): number | null => (r.scenario === 'batch' && r.prefill_s === undefined ? CPU_TARGETS[r.engine] : null);

export function deliveryCpu(rows: readonly Row[], peers: readonly PeerRow[], raw: Pick<RawLimit, 'client_cpu_ms_per_1000' | 'receiver_cpu_ms_per_1000'>): DeliveryCpu[] {
  const pair = (raw.client_cpu_ms_per_1000 + raw.receiver_cpu_ms_per_1000) / 1000;
  const line = (row: string, ownPer1000: number, serverPer1000: number | null, target: number | null): DeliveryCpu => {
    const total = (ownPer1000 + (serverPer1000 ?? 0)) / 1000;
    const pairs = total / pair;
    return {
      row, own_ms: round(ownPer1000 / 1000, 3), server_ms: serverPer1000 === null ? null : round(serverPer1000 / 1000, 3), total_ms: round(total, 3),
      http_pair_ms: round(pair, 3), pairs: round(pairs, 2), target, met: target === null ? null : pairs <= target,
    };
  };
  return [
    ...rows.filter((r) => r.scenario !== 'tarpit').map((r) => line(`${r.engine} ${r.scenario}${r.prefill_s === undefined ? '' : ` (${r.stored_before.toLocaleString('en-US')} stored)`}`,
      r.cpu_ms_per_1000, r.db_cpu_ms_per_1000, targetOf(r))),
    ...peers.map((p) => line(`${p.name} (${p.server})`, p.cpu_ms_per_1000, p.server_cpu_ms_per_1000, null)),
  ];
}

const ms = (n: number | null): string => (n === null ? '-' : n.toFixed(3));

export function deliveryCpuTable(lines: readonly DeliveryCpu[]): string {
  return textTable<DeliveryCpu>([
    ['row', (l) => l.row],
    ['own ms', (l) => ms(l.own_ms)],
    ['server ms', (l) => ms(l.server_ms)],
    ['total ms', (l) => ms(l.total_ms)],
    ['HTTP pair ms', (l) => ms(l.http_pair_ms)],
    ['× pair', (l) => l.pairs.toFixed(2)],
    ['target', (l) => (l.target === null ? '' : `≤ ${l.target}×: ${l.met ? 'met' : 'NOT met'}`)],
  ], lines, 1);
}

/** The targets' lines. */
export function deliveryCpuTargets(lines: readonly DeliveryCpu[]): string[] {
  return lines.filter((l) => l.target !== null).map((l) =>
    `${l.row}: ${l.total_ms.toFixed(3)} ms of CPU per delivery (${l.row.startsWith('postgres') ? 'Relais + PostgreSQL' : 'Relais, SQLite inside'}) = ${l.pairs.toFixed(2)}× the HTTP pair's ${l.http_pair_ms.toFixed(3)} ms (target ≤ ${l.target}×): ${l.met ? 'met' : 'NOT met'}`);
}
