import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { groupCommit } from './group-commit.ts';

describe('group commit', () => {
  it('writes items submitted in the same turn as one batch, and answers each with its own result', async () => {
    const batches: number[][] = [];
    const gc = groupCommit<number, string>(async (items) => {
      batches.push(items);
      return items.map((i) => `r${i}`);
    });
    const results = await Promise.all([1, 2, 3].map((i) => gc.submit(i)));
    assert.deepEqual(results, ['r1', 'r2', 'r3']);
    assert.deepEqual(batches, [[1, 2, 3]]);
  });

  it('gathers what arrives during a write into the next batch', async () => {
    const batches: number[][] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => { release = r; });
    const gc = groupCommit<number, number>(async (items) => {
      batches.push(items);
      if (batches.length === 1) await gate;
      return items;
    });
    const first = gc.submit(1);
    await new Promise((r) => setImmediate(r));
    const later = [gc.submit(2), gc.submit(3)];
    await new Promise((r) => setImmediate(r));
    release();
    assert.deepEqual(await Promise.all([first, ...later]), [1, 2, 3]);
    assert.deepEqual(batches, [[1], [2, 3]]);
  });

  it('with a linger, gathers what arrives over several turns into one batch', async () => {
    const batches: number[][] = [];
    const gc = groupCommit<number, number>(async (items) => {
      batches.push(items);
      return items;
    }, 1_000, 20);
    const first = gc.submit(1);
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    const second = gc.submit(2);
    assert.deepEqual(batches, [], 'nothing written yet: the first waits for company');
    assert.deepEqual(await Promise.all([first, second]), [1, 2]);
    assert.deepEqual(batches, [[1, 2]]);
  });

  it('a failed write rejects its own batch only', async () => {
    const gc = groupCommit<number, number>(async (items) => {
      if (items.includes(1)) throw new Error('disk full');
      return items;
    });
    const failed = gc.submit(1);
    await assert.rejects(failed, /disk full/);
    assert.equal(await gc.submit(2), 2);
  });

  it('splits batches at maxBatch', async () => {
    const sizes: number[] = [];
    const gc = groupCommit<number, number>(async (items) => {
      sizes.push(items.length);
      return items;
    }, 2);
    await Promise.all([1, 2, 3, 4, 5].map((i) => gc.submit(i)));
    assert.deepEqual(sizes, [2, 2, 1]);
  });
});
