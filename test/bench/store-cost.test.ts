// `npm run bench:store` on both engines with a few deliveries, for correctness only (no timing is
// asserted): every phase is measured over the deliveries it says, and nothing is left in the queue.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { storeCost } from '../../bench/store-cost.ts';
import { FLOOR_PHASE } from '../../bench/store-floor.ts';
import { ENGINES } from '../helpers/engines.ts';

describe('npm run bench:store, smoke run', () => {
  for (const engine of ENGINES) {
    it(`measures every phase on ${engine}`, async () => {
      const rows = await storeCost(engine, 40);
      assert.deepEqual(rows.map((r) => [r.key, r.phase, r.deliveries]), [
        ['ingest', 'ingest, 500 events a transaction', 40],
        ['claim', 'claim, 100 a claim', 40],
        ['results', 'record results, 100 a transaction', 40],
        ['ingest_single', 'ingest, 1 event a transaction', 4],
        ['ingest_leased', 'ingest leased (hand-off), 500 a transaction', 40],
      ]);
      for (const r of rows) {
        assert.ok(r.wall_us > 0 && r.cpu_us >= 0, `${r.phase}: ${JSON.stringify(r)}`);
        assert.equal(r.db_cpu_us === null, engine === 'sqlite', 'the server CPU is there for PostgreSQL only');
      }
    });
  }

  for (const engine of ENGINES) {
    it(`measures the floor on ${engine}, recording every delivery it claims`, async () => {
      const rows = await storeCost(engine, 40, { floor: true });
      const floor = rows.find((r) => r.key === 'floor');
      assert.deepEqual(floor && [floor.phase, floor.deliveries], [FLOOR_PHASE[engine], 40]);
    });
  }
});
