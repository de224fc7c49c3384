import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ndjsonStream, prefersNdjson } from './ndjson.ts';

describe('NDJSON answers', () => {
  it('are chosen when Accept names NDJSON at least as much as JSON', () => {
    assert.equal(prefersNdjson(undefined), false);
    assert.equal(prefersNdjson('*/*'), false);
    assert.equal(prefersNdjson('application/json'), false);
    assert.equal(prefersNdjson('application/x-ndjson'), true);
    assert.equal(prefersNdjson('Application/X-NDJSON; charset=utf-8'), true);
    assert.equal(prefersNdjson('application/x-ndjson, */*;q=0.1'), true);
    assert.equal(prefersNdjson('application/x-ndjson, application/json'), true);
    assert.equal(prefersNdjson('application/json, application/x-ndjson;q=0.5'), false);
    assert.equal(prefersNdjson('application/x-ndjson;q=0'), false);
  });

  it('write one JSON value per line', async () => {
    async function* values() { yield { a: 1 }; yield 'two\nlines'; yield [3]; }
    let text = '';
    for await (const chunk of ndjsonStream(values())) text += String(chunk);
    assert.equal(text, '{"a":1}\n"two\\nlines"\n[3]\n');
  });
});
