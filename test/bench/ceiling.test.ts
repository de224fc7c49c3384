// The ceiling's arithmetic (bench/ceiling.ts) and how the targets read it: a made-up machine whose
// answers can be worked out by hand.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ceilingOf } from '../../bench/ceiling.ts';
import { targets } from '../../bench/report.ts';
import type { Row } from '../../bench/scenarios.ts';
import type { PhaseCost, PhaseKey } from '../../bench/store-cost.ts';

const phase = (engine: 'sqlite' | 'postgres', key: PhaseKey, cpu_us: number, db_cpu_us: number | null): PhaseCost =>
  ({ engine, key, phase: key, deliveries: 1_000, wall_us: cpu_us, cpu_us, db_cpu_us });
// 2 cores; a request costs 30 µs at the client and 20 at the receiver; the raw limit is 20,000/s.
const raw = { per_s: 20_000, client_cpu_ms_per_1000: 30, receiver_cpu_ms_per_1000: 20 };

describe('the ceiling', () => {
  it('adds the HTTP pair and the store phases, PostgreSQL server included, and divides the cores by them', () => {
    const c = ceilingOf('postgres', [
      phase('postgres', 'ingest', 10, 20), phase('postgres', 'claim', 5, 15), phase('postgres', 'results', 10, 20),
      phase('postgres', 'ingest_single', 400, 300), phase('postgres', 'ingest_leased', 10, 15),
      phase('sqlite', 'ingest', 1, null), // another engine's phases are not this one's
    ], raw, 2);
    assert.equal(c.http_us, 50);
    assert.deepEqual(c.store_us, { ingest: 30, claim: 20, results: 30, ingest_single: 700, ingest_leased: 25 });
    assert.deepEqual(c.backlog, { cpu_us: 130, per_s: 15_385, ratio: 0.77 }); // 50 + 30 + 20 + 30
    assert.deepEqual(c.handed_off, { cpu_us: 105, per_s: 19_048, ratio: 0.95 }); // 50 + 25 + 30: no claim
    assert.deepEqual(c.single, { cpu_us: 155, per_s: 12_903, ratio: 0.65 }); // two HTTP pairs + handed off
  });

  it('refuses to make one up from missing phases', () => {
    assert.throws(() => ceilingOf('sqlite', [phase('sqlite', 'ingest', 10, null)], raw, 2), /no claim phase/);
  });

  it('tells the targets whether 50% of the raw limit is within reach, and how far Relais is from the ceiling', () => {
    const store = [phase('sqlite', 'ingest', 40, null), phase('sqlite', 'claim', 30, null), phase('sqlite', 'results', 40, null),
      phase('sqlite', 'ingest_single', 300, null), phase('sqlite', 'ingest_leased', 40, null)];
    const c = ceilingOf('sqlite', store, raw, 2); // backlog: 160 µs → 12,500/s (62.5%); single: 180 µs → 11,111/s (56%)
    const row = (scenario: string, delivered_per_s: number): Row => ({ engine: 'sqlite', scenario, delivered_per_s, ratio: delivered_per_s / raw.per_s } as Row);
    const lines = targets([row('batch', 5_000), row('single', 2_000)], [c]);
    assert.equal(lines[0], 'sqlite batch: 25% of the raw limit (target ≥ 50%): NOT met; the ceiling allows 63%, and Relais reaches 40% of the ceiling');
    assert.equal(lines[1], 'sqlite single: 10% of the raw limit (target ≥ 50%): NOT met; the ceiling allows 56%, and Relais reaches 18% of the ceiling');
    // The store three times as dear: 50 + 330 µs → 5,263/s.
    const slow = ceilingOf('sqlite', store.map((p) => ({ ...p, cpu_us: p.cpu_us * 3 })), raw, 2);
    assert.match(targets([row('batch', 5_000)], [slow])[0]!, /the ceiling allows 26%, so 50% is out of reach with this store on this machine/);
    assert.equal(targets([row('batch', 5_000)])[0], 'sqlite batch: 25% of the raw limit (target ≥ 50%): NOT met', 'no ceiling measured: the ratio alone');
  });
});
