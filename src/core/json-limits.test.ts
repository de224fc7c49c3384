import assert from 'node:assert/strict';
import { it } from 'node:test';
import { canonicalJson } from './canonical-json.ts';
import { jsonProblem, MAX_JSON_DEPTH } from './json-limits.ts';

/** `levels` nested arrays, built without recursion. */
function nested(levels: number): unknown {
  let v: unknown = [];
  for (let i = 1; i < levels; i++) v = [v];
  return v;
}

it('accepts ordinary JSON, up to the depth bound', () => {
  assert.equal(jsonProblem({ type: 'x', data: { a: [1, -0, 1e308, 'caf\u00e9 \u{1F600}', null, true], b: { c: '\\u0000' } } }), undefined);
  assert.equal(jsonProblem({ data: nested(MAX_JSON_DEPTH - 1) }), undefined);
});

it('refuses too deep, naming the first three segments, without recursing (1,000,000 levels)', () => {
  assert.deepEqual(jsonProblem({ data: nested(MAX_JSON_DEPTH) })?.field, 'data[0][0]');
  assert.deepEqual(jsonProblem({ webhook: { template: nested(1_000_000) } }), { field: 'webhook.template[0]', message: `nested deeper than ${MAX_JSON_DEPTH} levels` });
  assert.equal(jsonProblem(nested(10_000))?.field, 'body[0][0][0]');
});

it('refuses NUL in values and keys, lone surrogates and non-finite numbers, naming where', () => {
  assert.equal(jsonProblem({ data: { items: [{ name: 'a\u0000b' }] } })?.field, 'data.items[0].name');
  assert.deepEqual(jsonProblem({ data: { 'a\u0000b': 1 } }), { field: 'data.a\\u0000b', message: 'its name may not contain NUL characters (\\u0000)' });
  assert.equal(jsonProblem({ id: 'a\ud800b' })?.message, 'is not valid Unicode (a lone surrogate)');
  assert.equal(jsonProblem({ data: { n: Infinity } })?.field, 'data.n');
  assert.equal(jsonProblem('a\u0000')?.field, 'body');
});

it('writes equal values as the same canonical JSON, whatever the key order', () => {
  assert.equal(canonicalJson({ b: [1, { y: 2, x: 1 }], a: 'é' }), canonicalJson({ a: 'é', b: [1, { x: 1, y: 2 }] }));
  assert.equal(canonicalJson({ b: [1, { y: 2, x: 1 }], a: 'é' }), '{"a":"é","b":[1,{"x":1,"y":2}]}');
  assert.notEqual(canonicalJson([1, 2]), canonicalJson([2, 1]));
  assert.notEqual(canonicalJson({ a: '1' }), canonicalJson({ a: 1 }));
});
