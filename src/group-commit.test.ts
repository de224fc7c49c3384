import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { groupCommit, itemFailed, writeApart } from './group-commit.ts';

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

  it('a write that throws is retried apart: only the item that broke it fails, with its own error', async () => {
    const batches: number[][] = [];
    const gc = groupCommit<number, number>(async (items) => {
      batches.push(items);
      if (items.includes(3)) throw new Error('value out of range: 3');
      return items.map((i) => i * 10);
    });
    const outcomes = await Promise.allSettled([1, 2, 3, 4, 5].map((i) => gc.submit(i)));
    assert.deepEqual(outcomes.map((o) => (o.status === 'fulfilled' ? o.value : (o.reason as Error).message)),
      [10, 20, 'value out of range: 3', 40, 50]);
    // Halves, in order: [1,2,3] fails → [1,2] ok, [3] fails alone; then [4,5].
    assert.deepEqual(batches, [[1, 2, 3, 4, 5], [1, 2, 3], [1, 2], [3], [4, 5]]);
    assert.equal(await gc.submit(6), 60, 'the next batch is written as usual');
  });

  it('one bad item among many costs a few writes, not one per item', async () => {
    let writes = 0;
    const gc = groupCommit<number, number>(async (items) => {
      writes++;
      if (items.includes(700)) throw new Error('bad row');
      return items;
    });
    const outcomes = await Promise.allSettled(Array.from({ length: 1_000 }, (_, i) => gc.submit(i)));
    assert.equal(outcomes.filter((o) => o.status === 'rejected').length, 1);
    assert.equal(outcomes[700]!.status, 'rejected');
    assert.ok(writes <= 1 + 2 * Math.ceil(Math.log2(1_000)), `${writes} writes`);
  });

  it('when every item fails (the database is down), each is rejected with its error, in at most 2n-1 writes', async () => {
    let writes = 0;
    const gc = groupCommit<number, number>(async () => {
      writes++;
      throw new Error('connection refused');
    });
    const outcomes = await Promise.allSettled([1, 2, 3, 4, 5, 6, 7].map((i) => gc.submit(i)));
    assert.ok(outcomes.every((o) => o.status === 'rejected' && /connection refused/.test((o.reason as Error).message)));
    assert.equal(writes, 2 * 7 - 1);
  });

  it('a write may answer one item with itemFailed: only that caller is rejected, the batch is not written again', async () => {
    let writes = 0;
    const gc = groupCommit<{ tenant: string }, string>(async (items) => {
      writes++;
      return items.map((i) => (i.tenant === 'b' ? itemFailed(new Error('tenant b failed')) : `ok ${i.tenant}`));
    });
    const outcomes = await Promise.allSettled(['a', 'b', 'c'].map((tenant) => gc.submit({ tenant })));
    assert.deepEqual(outcomes.map((o) => (o.status === 'fulfilled' ? o.value : (o.reason as Error).message)), ['ok a', 'tenant b failed', 'ok c']);
    assert.equal(writes, 1);
  });

  it('a write that answers the wrong number of results fails its items, and writes them no more', async () => {
    let writes = 0;
    const gc = groupCommit<number, number>(async () => {
      writes++;
      return [1];
    });
    const outcomes = await Promise.allSettled([1, 2].map((i) => gc.submit(i)));
    assert.deepEqual(outcomes.map((o) => o.status), ['rejected', 'rejected']);
    assert.equal(writes, 1);
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

  it('writeApart answers in order, whatever the split', async () => {
    const out = await writeApart([1, 2, 3, 4], async (items) => {
      if (items.length > 1 && items.includes(2)) throw new Error('no');
      return items.map((i) => (i === 4 ? itemFailed('four') : i));
    });
    assert.equal(out[0], 1);
    assert.equal(out[1], 2);
    assert.equal(out[2], 3);
    assert.deepEqual(out[3], itemFailed('four'));
  });

  it('writeApart fails everyone at once on an error that is no item\'s fault (the database down), without splitting', async () => {
    let writes = 0;
    const down = new Error('database down');
    const out = await writeApart([1, 2, 3, 4, 5, 6, 7, 8], async () => {
      writes++;
      throw down;
    }, (err) => err !== down);
    assert.equal(writes, 1, 'one write, not 2n-1');
    assert.deepEqual(out, Array.from({ length: 8 }, () => itemFailed(down)));
  });
});
