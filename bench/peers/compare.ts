// Relais against the peers, each as a share of the same run's raw limit (this machine is shared:
// a share moves less than a rate). The goal (issue 17): Relais ahead of both by 1.5× on its
// engine — pg-boss at its best batch is judged against Relais on PostgreSQL (the same database
// server), BullMQ against Relais on SQLite (each its kind's one-server setup); the other pairings
// are printed too, unjudged.
import { thousands } from '../progress.ts';
import type { Row } from '../scenarios.ts';
import { round } from '../stats.ts';
import { textTable } from '../text-table.ts';
import type { PeerRow } from './rows.ts';

export const PEER_GOAL = 1.5;

export interface PeerComparison {
  peer: string;
  peer_ratio: number;
  /** Relais' row: `sqlite batch`, `postgres batch`. */
  relais: string;
  relais_ratio: number;
  /** relais_ratio ÷ peer_ratio. */
  times: number;
  /** CPU per delivery, own process + server, ms: the peer's, Relais'. */
  peer_cpu_ms: number;
  relais_cpu_ms: number;
  judged: boolean;
  met: boolean | null;
}

const cpuMs = (own: number, server: number | null): number => round((own + (server ?? 0)) / 1000, 3);

export function comparePeers(rows: readonly Row[], peers: readonly PeerRow[]): PeerComparison[] {
  const batches = rows.filter((r) => r.scenario === 'batch' && r.prefill_s === undefined);
  // The first at the best share: two batch sizes may tie (a short run, rounded shares), and one is judged.
  const bestPgBoss = peers.filter((p) => p.peer === 'pg-boss').reduce<PeerRow | undefined>((best, p) => (!best || p.ratio > best.ratio ? p : best), undefined);
  return peers.flatMap((p) => batches.map((r) => {
    const judged = p.peer === 'pg-boss' ? r.engine === 'postgres' && p === bestPgBoss : r.engine === 'sqlite';
    const times = round(r.ratio / p.ratio, 2);
    return {
      peer: p.name, peer_ratio: p.ratio, relais: `${r.engine} batch`, relais_ratio: r.ratio, times,
      peer_cpu_ms: cpuMs(p.cpu_ms_per_1000, p.server_cpu_ms_per_1000), relais_cpu_ms: cpuMs(r.cpu_ms_per_1000, r.db_cpu_ms_per_1000),
      judged, met: judged ? times >= PEER_GOAL : null,
    };
  }));
}

export function peerTable(peers: readonly PeerRow[]): string {
  return textTable<PeerRow>([
    ['peer', (p) => p.name],
    ['server', (p) => p.server],
    ['events', (p) => thousands(p.events)],
    ['delivered/s', (p) => thousands(p.delivered_per_s)],
    ['raw/s', (p) => thousands(p.raw_limit_per_s)],
    ['ratio', (p) => p.ratio.toFixed(3)],
    ['p50 ms', (p) => p.p50_ms.toFixed(1)],
    ['p99 ms', (p) => p.p99_ms.toFixed(1)],
    ['CPU ms/1000', (p) => thousands(p.cpu_ms_per_1000)],
    ['server CPU', (p) => (p.server_cpu_ms_per_1000 === null ? '-' : thousands(p.server_cpu_ms_per_1000))],
    ['lost', (p) => String(p.lost)],
  ], peers);
}

/** A line per pairing, the judged ones as targets. */
export function peerLines(comparisons: readonly PeerComparison[]): string[] {
  return comparisons.map((c) => `Relais ${c.relais} at ${c.relais_ratio.toFixed(3)} of the raw limit vs ${c.peer} at ${c.peer_ratio.toFixed(3)}: ×${c.times.toFixed(2)}` +
    (c.judged ? ` (goal ≥ ×${PEER_GOAL}): ${c.met ? 'met' : 'NOT met'}` : ' (not judged)') +
    `; CPU per delivery with the server ${c.relais_cpu_ms.toFixed(3)} vs ${c.peer_cpu_ms.toFixed(3)} ms`);
}
