// The bench's CPU readings: a process's own, and a database server's over a scenario.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pg from 'pg';
import { processCpuMs, processesCpu, serverCpu, serverCpuSince } from '../../bench/cpu.ts';
import { makeStore } from '../../bench/stores.ts';
import { PG_BASE_URL } from '../helpers/engines.ts';

describe('bench CPU readings', () => {
  it("reads a process's CPU time, which grows as it works", () => {
    const before = processCpuMs(process.pid);
    const until = performance.now() + 60;
    while (performance.now() < until); // burn 60 ms
    assert.ok(processCpuMs(process.pid) - before >= 30);
  });

  it('counts what each server process present at the end used since the first reading', () => {
    const before = new Map([[1, 100], [2, 50], [4, 10]]);
    const after = new Map([[1, 130], [2, 50], [3, 20]]); // 3 started since, 4 ended
    assert.equal(serverCpuSince(before, after), 30 + 0 + 20);
    assert.equal(serverCpuSince(before, new Map()), undefined, 'no server here');
  });

  it('reads only the processes of the given name among the pids', () => {
    assert.deepEqual([...processesCpu([process.pid, 999_999_999], 'node').keys()], [process.pid], 'a pid of no process here matches nothing');
    assert.equal(processesCpu([process.pid], 'postgres').size, 0);
  });

  const local = ['127.0.0.1', 'localhost', '[::1]'].includes(new URL(PG_BASE_URL).hostname);
  it('finds the PostgreSQL server the tests use, when it runs on this machine', { skip: !local && 'DATABASE_URL is not local' }, () => {
    assert.ok(serverCpu('postgres').size > 0);
  });

  it("reads the server's processes for one store's database, not another database's backends", { skip: !local && 'DATABASE_URL is not local' }, async () => {
    const store = await makeStore('postgres');
    const db = await store.connect();
    const other = new pg.Client({ connectionString: PG_BASE_URL });
    try {
      await other.connect();
      const pidOf = async (q: (text: string) => Promise<{ pid: number }[]>): Promise<number> => (await q('SELECT pg_backend_pid() AS pid'))[0]!.pid;
      const mine = await pidOf((text) => db.all<{ pid: number }>(text));
      const theirs = await pidOf(async (text) => (await other.query<{ pid: number }>(text)).rows);
      const reading = await db.serverCpu();
      assert.ok(reading, 'PostgreSQL runs on this machine');
      assert.ok(reading.has(mine), "the store's own backend");
      assert.ok(!reading.has(theirs), "another database's backend");
    } finally {
      await other.end();
      await db.close();
      await store.dispose();
    }
  });
});
