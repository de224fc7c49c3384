// A tiny run of `npm run bench` on both engines, for correctness only (no timing is asserted):
// every scenario's row is there with every field the README and DESIGN promise, nothing lost.
// (The cluster's scenarios and the peers have smoke runs of their own: cluster.test.ts, peers.test.ts.)
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runBench } from './bench-run.ts';

const REQUIRED = ['engine', 'scenario', 'events', 'deliveries', 'delivered_per_s', 'raw_limit_per_s', 'ratio', 'p50_ms', 'p95_ms', 'p99_ms',
  'peak_rss_mb', 'cpu_ms_per_1000', 'store_bytes_per_1000', 'stored_before'] as const;

describe('npm run bench, smoke run', () => {
  it('writes a row per engine and scenario, every delivery received and recorded', async () => {
    const { report, output } = await runBench(['--quick', '--scenario', 'single,batch,fanout,steady,serial', '--events', '50', '--webhooks', '20',
      '--rounds', '1', '--rate', '50', '--seconds', '1', '--serial-events', '30', '--prefill', '200', '--raw', '500', '--store', '40']);
    assert.ok(report.ok);
    assert.match(report.command, /^npm run bench -- --quick /);
    assert.ok(report.machine.cores >= 1 && report.machine.cpu && report.machine.node);
    assert.ok(report.raw_limit.per_s > 0);
    assert.ok(report.raw_limit.client_cpu_ms_per_1000 > 0);
    assert.ok(Number.isFinite(report.raw_limit.receiver_cpu_ms_per_1000) && report.raw_limit.receiver_cpu_ms_per_1000 >= 0, "the receiver's CPU is measured (a few ticks of 10 ms in a run this small)");
    assert.ok(report.raw_limit_serial && report.raw_limit_serial.per_s > 0 && report.raw_limit_serial.concurrency === 1, 'the serial raw limit, one request at a time');
    const expected = { single: 50, batch: 50, 'fanout-20': 20, 'steady-50': 50, serial: 30 };
    for (const engine of ['sqlite', 'postgres']) {
      const rows = report.rows.filter((r) => r.engine === engine);
      assert.deepEqual(rows.map((r) => r.scenario), ['single', 'batch', 'fanout-20', 'steady-50', 'serial', 'batch'], engine);
      for (const row of rows) {
        const what = `${engine} ${row.scenario}`;
        for (const field of REQUIRED) assert.ok(field in row, `${what}: ${field}`);
        for (const field of REQUIRED.slice(2)) assert.ok(Number.isFinite(row[field]), `${what}: ${field} = ${row[field]}`);
        assert.equal(row.deliveries, expected[row.scenario as keyof typeof expected], what);
        assert.equal(row.received, row.deliveries, what);
        assert.equal(row.lost, 0, what);
        assert.equal(row.not_succeeded, 0, what);
        assert.equal(row.raw_limit_per_s, (row.scenario === 'serial' ? report.raw_limit_serial : report.raw_limit).per_s, what);
        if (engine === 'sqlite') assert.equal(row.db_cpu_ms_per_1000, null, what);
        // A tiny run may use less than the 10 ms /proc counts in: a reading, not necessarily above 0.
        else assert.ok(typeof row.db_cpu_ms_per_1000 === 'number' && row.db_cpu_ms_per_1000 >= 0, `${what}: PostgreSQL's CPU`);
      }
      assert.equal(rows.at(-1)!.stored_before, 200, `${engine}: the prefilled row starts from the filled store`);
      assert.equal(rows.find((r) => r.scenario === 'fanout-20')!.rounds_s!.length, 1);
    }
    assert.deepEqual(report.ceilings.map((c) => [c.engine, c.deliveries, c.cores]), [['sqlite', 40, report.machine.cores], ['postgres', 40, report.machine.cores]]);
    for (const c of report.ceilings) {
      for (const b of [c.backlog, c.handed_off, c.single]) assert.ok(b.per_s > 0 && b.cpu_us > c.http_us && Number.isFinite(b.ratio), `${c.engine}: ${JSON.stringify(b)}`);
      assert.ok(c.single.per_s < c.handed_off.per_s, `${c.engine}: a single event pays one more HTTP pair`);
    }
    for (const scenario of ['single', 'batch']) {
      for (const engine of ['sqlite', 'postgres']) assert.ok(report.targets.some((t) => t.startsWith(`${engine} ${scenario}: `) && t.includes('the ceiling allows')), `${engine} ${scenario}: judged against the ceiling`);
    }
    // The headline: each row's CPU per delivery against the same run's HTTP pair, the batch rows judged.
    const pair = (report.raw_limit.client_cpu_ms_per_1000 + report.raw_limit.receiver_cpu_ms_per_1000) / 1000;
    assert.equal(report.delivery_cpu.length, report.rows.length);
    for (const line of report.delivery_cpu) {
      assert.ok(Math.abs(line.http_pair_ms - pair) < 0.001 && line.total_ms >= line.own_ms, JSON.stringify(line));
      assert.equal(line.target, { 'sqlite batch': 2, 'postgres batch': 4 }[line.row] ?? null, line.row);
    }
    assert.ok(report.targets.some((t) => /^postgres batch: .* ms of CPU per delivery \(Relais \+ PostgreSQL\) = .*× the HTTP pair's .* \(target ≤ 4×\): (met|NOT met)$/.test(t)));
    assert.match(output, /engine\s+scenario/);
    assert.match(output, /row\s+own ms\s+server ms\s+total ms\s+HTTP pair ms/);
    assert.match(output, /ceiling: /);
  });
});
