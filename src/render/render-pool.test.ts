import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRenderPool, RenderStopped } from './render-pool.ts';

// Real children running render-worker.mjs; one child, so the order renders start in is the
// order they end in.
const script = new URL('./render-worker.mjs', import.meta.url).pathname;
const ENDLESS = '{% for i in range(100000000) %}{% for j in range(100000000) %}{{ i }}{% endfor %}{% endfor %}';
const request = (tenant: string, source: string) => ({ tenant, source, context: {}, maxBytes: 1_000 });

describe('render pool turns', () => {
  it('takes tenants in turn, whatever order their renders were queued in', { timeout: 30_000 }, async () => {
    const pool = createRenderPool({ script, maxChildren: 1, timeoutMs: 5_000, execArgv: [] });
    try {
      const order: string[] = [];
      const render = (tenant: string, i: number) => pool.render(request(tenant, `{{ "${tenant}${i}" }}`)).then((answer) => {
        order.push('output' in answer ? answer.output : answer.error);
      });
      await Promise.all([...Array.from({ length: 6 }, (_, i) => render('a', i)), ...Array.from({ length: 2 }, (_, i) => render('b', i))]);
      // a0 started at once; then A and B alternate while both have renders queued.
      assert.deepEqual(order, ['a0', 'a1', 'b0', 'a2', 'b1', 'a3', 'a4', 'a5']);
    } finally {
      pool.close();
    }
  });

  it('keeps a child for other tenants: a tenant with endless renders holds only one of two', { timeout: 30_000 }, async () => {
    const pool = createRenderPool({ script, maxChildren: 2, timeoutMs: 1_000, execArgv: [] });
    try {
      const endless = [pool.render(request('a', ENDLESS)), pool.render(request('a', ENDLESS)), pool.render(request('a', ENDLESS))];
      // Done while A's first render still runs: the second child is B's, not A's second render's.
      const [answer, first] = await Promise.race([
        Promise.all([pool.render(request('b', '{{ 1 }}')), pool.render(request('b', '{{ 2 }}'))]).then((b) => [b, 'b'] as const),
        endless[0]!.then(() => [undefined, 'a'] as const, () => [undefined, 'a'] as const),
      ]);
      assert.equal(first, 'b');
      assert.deepEqual(answer, [{ output: '1' }, { output: '2' }]);
      for (const render of endless) await assert.rejects(render, (err) => err instanceof RenderStopped && err.reason === 'timeout');
    } finally {
      pool.close();
    }
  });

  it('fails queued and running renders when closed', async () => {
    const pool = createRenderPool({ script, maxChildren: 2, timeoutMs: 5_000, execArgv: [] });
    const pending = [pool.render(request('a', ENDLESS)), pool.render(request('a', ENDLESS)), pool.render(request('b', '{{ 1 }}'))];
    pool.close();
    for (const render of pending) await assert.rejects(render, (err) => err instanceof RenderStopped && err.reason === 'closed');
  });
});
