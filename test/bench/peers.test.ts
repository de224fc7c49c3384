// `npm run bench -- --scenario peers`, tiny, for correctness only (no timing is asserted): BullMQ on
// the local Redis and pg-boss on a database of its own deliver every event to the bench receiver,
// with their CPU and their server's measured, next to Relais' batch rows of the same run, and the
// goal judged on each engine's pairing.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runBench } from './bench-run.ts';

describe('npm run bench -- --scenario peers, smoke run', () => {
  it('measures BullMQ and pg-boss at both batch sizes beside Relais on each engine', async () => {
    const { report, output } = await runBench(['--quick', '--scenario', 'peers', '--events', '60', '--raw', '300', '--store', '0']);
    assert.ok(report.ok);
    assert.deepEqual(report.rows.map((r) => `${r.engine} ${r.scenario}`), ['sqlite batch', 'postgres batch'], 'peers brings the batch rows, none prefilled');
    assert.deepEqual(report.peers?.map((p) => [p.name, p.server, p.batch]), [['bullmq', 'redis', null], ['pg-boss batch 2000', 'postgres', 2000], ['pg-boss batch 50', 'postgres', 50]]);
    for (const p of report.peers!) {
      assert.equal(p.received, 60, p.name);
      assert.equal(p.lost + p.duplicates, 0, p.name);
      assert.ok(p.delivered_per_s > 0 && p.ratio > 0 && p.raw_limit_per_s === report.raw_limit.per_s, p.name);
      assert.ok(p.cpu_ms_per_1000 > 0 && typeof p.server_cpu_ms_per_1000 === 'number', `${p.name}: its CPU and its server's`);
      assert.ok(Number.isFinite(p.p99_ms), `${p.name}: latency from enqueue to the receiver`);
    }
    const judged = report.peer_comparisons!.filter((c) => c.judged).map((c) => `${c.relais} / ${c.peer}`);
    assert.equal(judged.length, 2);
    assert.ok(judged.includes('sqlite batch / bullmq'));
    assert.ok(judged.some((j) => j.startsWith('postgres batch / pg-boss batch ')), 'pg-boss at its best batch, against Relais on PostgreSQL');
    assert.equal(report.delivery_cpu.filter((l) => /^(bullmq|pg-boss)/.test(l.row)).length, 3, 'the peers in the CPU table');
    assert.match(output, /peer\s+server\s+events\s+delivered\/s/);
    assert.match(output, /Relais sqlite batch at .* vs bullmq at .*: ×.* \(goal ≥ ×1\.5\): (met|NOT met)/);
  });
});
