// The CPU-per-delivery table (bench/delivery-cpu.ts) and Relais against the peers
// (bench/peers/compare.ts): made-up rows whose answers can be worked out by hand.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deliveryCpu, deliveryCpuTargets } from '../../bench/delivery-cpu.ts';
import { comparePeers } from '../../bench/peers/compare.ts';
import type { PeerRow } from '../../bench/peers/rows.ts';
import type { Row } from '../../bench/scenarios.ts';

// A request costs 30 µs at the client and 20 at the receiver: the HTTP pair is 0.05 ms.
const raw = { client_cpu_ms_per_1000: 30, receiver_cpu_ms_per_1000: 20 };
const row = (engine: 'sqlite' | 'postgres', scenario: string, ratio: number, cpu: number, db: number | null, prefill_s?: number): Row =>
  ({ engine, scenario, ratio, cpu_ms_per_1000: cpu, db_cpu_ms_per_1000: db, stored_before: 1_000_000, ...(prefill_s === undefined ? {} : { prefill_s }) } as Row);
const peer = (name: string, p: 'bullmq' | 'pg-boss', ratio: number, cpu: number, server: number): PeerRow =>
  ({ name, peer: p, server: p === 'bullmq' ? 'redis' : 'postgres', ratio, cpu_ms_per_1000: cpu, server_cpu_ms_per_1000: server } as PeerRow);

const rows = [row('sqlite', 'batch', 0.2, 90, null), row('sqlite', 'single', 0.1, 300, null), row('postgres', 'batch', 0.1, 120, 90),
  row('postgres', 'batch', 0.1, 130, 95, 12.5)];
const peers = [peer('bullmq', 'bullmq', 0.1, 60, 20), peer('pg-boss batch 2000', 'pg-boss', 0.08, 50, 40), peer('pg-boss batch 50', 'pg-boss', 0.01, 80, 60)];

describe('CPU per delivery against the HTTP pair', () => {
  it('adds the server to Relais, divides by the pair, and judges the batch rows alone', () => {
    const lines = deliveryCpu(rows, peers, raw);
    assert.deepEqual(lines.map((l) => [l.row, l.total_ms, l.pairs, l.target, l.met]), [
      ['sqlite batch', 0.09, 1.8, 2, true],
      ['sqlite single', 0.3, 6, null, null],
      ['postgres batch', 0.21, 4.2, 4, false],
      ['postgres batch (1,000,000 stored)', 0.225, 4.5, null, null],
      ['bullmq (redis)', 0.08, 1.6, null, null],
      ['pg-boss batch 2000 (postgres)', 0.09, 1.8, null, null],
      ['pg-boss batch 50 (postgres)', 0.14, 2.8, null, null],
    ]);
    assert.deepEqual(deliveryCpuTargets(lines), [
      "sqlite batch: 0.090 ms of CPU per delivery (Relais, SQLite inside) = 1.80× the HTTP pair's 0.050 ms (target ≤ 2×): met",
      "postgres batch: 0.210 ms of CPU per delivery (Relais + PostgreSQL) = 4.20× the HTTP pair's 0.050 ms (target ≤ 4×): NOT met",
    ]);
  });

  it('judges BullMQ against Relais on SQLite and pg-boss at its best batch against Relais on PostgreSQL', () => {
    const judged = comparePeers(rows, peers).filter((c) => c.judged).map((c) => [c.relais, c.peer, c.times, c.met]);
    assert.deepEqual(judged, [['sqlite batch', 'bullmq', 2, true], ['postgres batch', 'pg-boss batch 2000', 1.25, false]]);
  });

  it('judges one pg-boss row when its two batch sizes tie', () => {
    const tied = [peers[0]!, peer('pg-boss batch 2000', 'pg-boss', 0.08, 50, 40), peer('pg-boss batch 50', 'pg-boss', 0.08, 80, 60)];
    const judged = comparePeers(rows, tied).filter((c) => c.judged).map((c) => `${c.relais} / ${c.peer}`);
    assert.deepEqual(judged, ['sqlite batch / bullmq', 'postgres batch / pg-boss batch 2000']);
  });
});
