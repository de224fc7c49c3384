// The bench's CPU readings: a process's own, and a database server's over a scenario.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { processCpuMs, serverCpu, serverCpuSince } from '../../bench/cpu.ts';
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

  const local = ['127.0.0.1', 'localhost', '[::1]'].includes(new URL(PG_BASE_URL).hostname);
  it('finds the PostgreSQL server the tests use, when it runs on this machine', { skip: !local && 'DATABASE_URL is not local' }, () => {
    assert.ok(serverCpu('postgres').size > 0);
  });
});
