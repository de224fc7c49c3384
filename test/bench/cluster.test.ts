// `npm run bench -- --engine postgres --scenario workers` and `--scenario round-trips`, tiny, for
// correctness only (no timing is asserted): a row per worker count with the lock waits seen, and
// the round trips one event's ingest costs, with the statements it ran.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runBench } from './bench-run.ts';

const QUICK = ['--quick', '--engine', 'postgres', '--events', '60', '--raw', '300', '--store', '0'];

describe('npm run bench on a PostgreSQL cluster, smoke runs', () => {
  it('runs a backlog through an API process and 1, 2, 3 workers, and reads the lock waits meanwhile', async () => {
    const { report, output } = await runBench([...QUICK, '--scenario', 'workers']);
    assert.ok(report.ok);
    assert.deepEqual(report.rows.map((r) => [r.scenario, r.workers]), [['workers-1', 1], ['workers-2', 2], ['workers-3', 3]]);
    for (const row of report.rows) {
      assert.equal(row.received, 60, row.scenario);
      assert.equal(row.lost + row.not_succeeded, 0, row.scenario);
      const w = row.lock_waits!;
      assert.ok(w.samples > 0 && w.interval_ms > 0 && w.claim_waits + w.claim_extend_waits <= w.waits && w.deadlocks >= 0, JSON.stringify(w));
      assert.ok(typeof row.db_cpu_ms_per_1000 === 'number', `${row.scenario}: the server's CPU`);
    }
    assert.match(output, /postgres workers-3: .* claims seen waiting on another transaction's lock: \d+ in \d+ readings 10 ms apart, deadlocks: \d+ \(target: claims never wait on each other's locks\): (met|NOT met); claims seen waiting to extend a relation: \d+/);
  });

  it('counts the round trips and statements of a single event on PostgreSQL', async () => {
    const { report, output } = await runBench([...QUICK, '--scenario', 'round-trips']);
    assert.ok(report.ok);
    const t = report.round_trips!;
    assert.equal(t.target, 2);
    assert.ok(t.ingest.round_trips >= 1 && t.ingest.statements >= 1, JSON.stringify(t.ingest));
    assert.ok(t.delivery.round_trips > t.ingest.round_trips, 'a delivery costs its ingest and then some');
    assert.ok(t.ingest_concurrent.round_trips < t.ingest.round_trips, 'group commit shares transactions');
    assert.ok(t.ingest_statements.some((s) => /insert into "?events"? /i.test(s)), t.ingest_statements.join('\n'));
    assert.ok(t.delivery_statements.some((s) => /insert into "?attempts"? /i.test(s)), t.delivery_statements.join('\n'));
    assert.equal(t.met, t.ingest.round_trips <= 2);
    assert.match(output, /postgres round trips per single-event ingest: [\d.]+ one at a time/);
  });
});
