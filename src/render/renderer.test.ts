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
