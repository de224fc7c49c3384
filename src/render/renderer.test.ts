import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { createTemplateRenderer, TemplateError } from './renderer.ts';

describe('template renderer', () => {
  const renderer = createTemplateRenderer({ timeoutMs: 2_000, maxOutputBytes: 1_000, maxHeapMb: 64 });
  after(() => renderer.close());

  it('renders with the context it is given, and nothing of the host', async () => {
    assert.equal(await renderer.render('{{ doc.a }}-{{ doc.b | length }}', { doc: { a: 'x', b: [1, 2] } }, 't'), 'x-2');
    assert.equal(await renderer.render('[{{ process }}{{ require }}{{ globalThis }}]', {}, 't'), '[]');
  });

  it('caps the output', async () => {
    await assert.rejects(renderer.render('{% for i in range(500) %}xxxx{% endfor %}', {}, 't'), (err: Error) => err instanceof TemplateError && /more than 1000 bytes/.test(err.message));
  });
});

// A render stopped for its time, then its child dying of its heap limit while being cleaned up:
// workerpool kept counting that child and never ran the requests queued behind it (about one
// round in six). Each round here must answer, and close must return.
describe('template renderer after hostile templates', () => {
  const ENDLESS = '{% for i in range(100000000) %}{% for j in range(100000000) %}{{ i }}{% endfor %}{% endfor %}';

  it('answers the next render every time, and closes', { timeout: 60_000 }, async () => {
    const renderer = createTemplateRenderer({ timeoutMs: 300, maxOutputBytes: 1_000, maxHeapMb: 64 });
    try {
      for (let round = 0; round < 12; round++) {
        await assert.rejects(renderer.render(ENDLESS, {}, 't'), (err: Error) => err instanceof TemplateError && /longer than 300 ms|more than 64 MB/.test(err.message));
        assert.equal(await renderer.render('{{ 1 + n }}', { n: round }, 't'), String(1 + round), `round ${round}`);
      }
      await assert.rejects(renderer.render('{{ doc.constructor.constructor("return process")().exit(1) }}', { doc: {} }, 't'), (err: Error) => err instanceof TemplateError && /template failed/.test(err.message));
      const both = await Promise.all([renderer.render('{{ 2 }}', {}, 't'), renderer.render('{{ 3 }}', {}, 't'), renderer.render('{{ 4 }}', {}, 't')]);
      assert.deepEqual(both, ['2', '3', '4'], 'more requests than children queue for one');
    } finally {
      await renderer.close();
    }
  });
});

// One tenant's slow templates must not make another's wait for them: 16 renders that each run to
// the timeout from tenant A, then one quick render from tenant B.
describe('template renderer shared between tenants', () => {
  const SLOW = '{% for i in range(100000000) %}{% for j in range(100000000) %}{{ i }}{% endfor %}{% endfor %}';

  it('renders another tenant\'s template at once while one tenant floods the pool', { timeout: 60_000 }, async (t) => {
    const timeoutMs = 1_000;
    const renderer = createTemplateRenderer({ timeoutMs, maxOutputBytes: 1_000, maxHeapMb: 64 });
    try {
      await renderer.render('{{ 1 }}', {}, 'warm-up'); // the first child's start is not what is measured
      const flood = Array.from({ length: 16 }, () => renderer.render(SLOW, {}, 'a').catch((err: unknown) => err));
      await new Promise((resolve) => setTimeout(resolve, 100)); // A holds every child it may
      const started = performance.now();
      assert.equal(await renderer.render('{{ 2 + 2 }}', {}, 'b'), '4');
      const waitedMs = performance.now() - started;
      t.diagnostic(`tenant b waited ${Math.round(waitedMs)} ms`);
      // First come, first served, B would wait for A's 16 renders on 2 children: 8 timeouts.
      assert.ok(waitedMs < timeoutMs / 2, `tenant b waited ${Math.round(waitedMs)} ms behind tenant a's renders`);
      for (const outcome of await Promise.all(flood)) assert.ok(outcome instanceof TemplateError, 'each slow render was stopped');
    } finally {
      await renderer.close();
    }
  });
});
