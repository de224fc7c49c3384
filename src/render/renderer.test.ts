import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { createTemplateRenderer, TemplateError } from './renderer.ts';

describe('template renderer', () => {
  const renderer = createTemplateRenderer({ timeoutMs: 2_000, maxOutputBytes: 1_000, maxHeapMb: 64 });
  after(() => renderer.close());

  it('renders with the context it is given, and nothing of the host', async () => {
    assert.equal(await renderer.render('{{ doc.a }}-{{ doc.b | length }}', { doc: { a: 'x', b: [1, 2] } }), 'x-2');
    assert.equal(await renderer.render('[{{ process }}{{ require }}{{ globalThis }}]', {}), '[]');
  });

  it('caps the output', async () => {
    await assert.rejects(renderer.render('{% for i in range(500) %}xxxx{% endfor %}', {}), (err: Error) => err instanceof TemplateError && /more than 1000 bytes/.test(err.message));
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
        await assert.rejects(renderer.render(ENDLESS, {}), (err: Error) => err instanceof TemplateError && /longer than 300 ms|more than 64 MB/.test(err.message));
        assert.equal(await renderer.render('{{ 1 + n }}', { n: round }), String(1 + round), `round ${round}`);
      }
      await assert.rejects(renderer.render('{{ doc.constructor.constructor("return process")().exit(1) }}', { doc: {} }), (err: Error) => err instanceof TemplateError && /template failed/.test(err.message));
      const both = await Promise.all([renderer.render('{{ 2 }}', {}), renderer.render('{{ 3 }}', {}), renderer.render('{{ 4 }}', {})]);
      assert.deepEqual(both, ['2', '3', '4'], 'more requests than children queue for one');
    } finally {
      await renderer.close();
    }
  });
});
