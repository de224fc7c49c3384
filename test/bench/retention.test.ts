// A tiny run of the retention scenario on both engines, for correctness only (no timing is
// asserted): the off, on and steady phases, nothing lost, the old rows pruned, the samples, and the
// simulated week, smaller with retention than without.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runBench } from './bench-run.ts';

describe('npm run bench -- --scenario retention, smoke run', () => {
  it('reports p99 off and on, the store over time and a week with and without retention', async () => {
    const { report, output } = await runBench(['--quick', '--scenario', 'retention', '--rate', '50', '--retention-seconds', '1', '--retention-rows', '300',
      '--retention-pairs', '1', '--week-per-day', '40', '--raw', '200', '--store', '0']);
    assert.ok(report.ok, output);
    assert.deepEqual(report.retention?.map((r) => r.engine), ['sqlite', 'postgres']);
    for (const r of report.retention!) {
      const what = r.engine;
      assert.equal(r.old_rows, 300, what);
      assert.equal(r.phases[0]!.scenario, 'retention-off', what);
      assert.ok(r.phases.every((p) => p.lost === 0 && p.not_succeeded === 0 && p.deliveries === 50), what);
      assert.ok(r.phases.some((p) => p.scenario === 'retention-steady'), `${what}: the old rows were all pruned within the run`);
      for (const field of ['off_p99_ms', 'p99_ratio'] as const) assert.ok(Number.isFinite(r[field]), `${what}: ${field}`);
      assert.equal(typeof r.within_tolerance, 'boolean');
      assert.ok(r.old_gone_at_s !== null);
      assert.ok(r.samples.some((x) => (x.old_deliveries ?? 0) >= 300) && r.samples.at(-1)!.old_deliveries === 0, `${what}: old rows there, then gone`);
      assert.ok(r.samples.every((x) => x.bytes > 0 && x.used_bytes > 0 && x.deliveries >= 0));
      const [without, within] = r.week!.runs;
      assert.deepEqual([without!.retention_days, within!.retention_days], [0, 1]);
      assert.equal(without!.days.length, 7);
      assert.equal(without!.days.at(-1)!.deliveries, 7 * 40 + 1, `${what}: a week of deliveries (and the template's)`);
      assert.ok(within!.days.at(-1)!.deliveries <= 2 * 40 + 1 && within!.pruned.deliveries > 0, `${what}: about a day kept`);
      assert.ok(within!.days.at(-1)!.bytes < without!.days.at(-1)!.bytes, `${what}: smaller with retention`);
    }
    assert.ok(report.targets.some((t) => /^sqlite retention: p99 .* \(×.*, target ≤ ×1\.2\): (met|NOT met)$/.test(t)));
    assert.match(output, /retention \(npm run bench -- --scenario retention\)/);
  });
});
