import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PATTERN_BUDGET_CHARS, PATTERN_SUBJECT_MAX_CHARS } from './schema-bounds.ts';
import { schemaProblems, validateData } from './schema-validator.ts';

const fields = (problems: { field: string }[]): string[] => problems.map((p) => p.field).sort();

describe('event type schemas are bounded', () => {
  it('runs patterns on RE2: a backtracking pattern answers in linear time', () => {
    const schema = { type: 'object', properties: { name: { type: 'string', pattern: '^(a+)+$' } } };
    assert.deepEqual(schemaProblems(schema), []);
    const started = performance.now();
    // On a backtracking engine 40 characters take minutes.
    const errors = validateData('t.redos', 1, schema, { name: `${'a'.repeat(5_000)}!` }, 'data');
    assert.ok(performance.now() - started < 2_000, 'did not backtrack');
    assert.deepEqual(fields(errors), ['data.name']);
    assert.deepEqual(validateData('t.redos', 1, schema, { name: 'aaa' }, 'data'), []);
  });

  it('keeps ordinary patterns working, patternProperties and unicode included', () => {
    const date = { type: 'string', pattern: '^\\d{4}-\\d{2}$' };
    assert.deepEqual(validateData('t.date', 1, date, '2026-11', 'data'), []);
    assert.equal(validateData('t.date', 1, date, '2026-1', 'data').length, 1);
    assert.deepEqual(validateData('t.letters', 1, { type: 'string', pattern: '^\\p{L}+$' }, 'héllo', 'data'), []);
    const headers = { type: 'object', patternProperties: { '^x-': { type: 'number' } } };
    assert.deepEqual(fields(validateData('t.pp', 1, headers, { 'x-a': 'no', other: 'yes' }, 'data')), ['data.x-a']);
  });

  it('refuses at registration what RE2 cannot run, naming where in the schema', () => {
    const problems = schemaProblems({
      type: 'object',
      properties: { a: { type: 'string', pattern: '(a)\\1' }, b: { type: 'string', pattern: 'x'.repeat(1_001) } },
      patternProperties: { '(?=x)': {} },
    });
    assert.deepEqual(fields(problems), ['schema.patternProperties["(?=x)"]', 'schema.properties.a.pattern', 'schema.properties.b.pattern']);
  });

  it('refuses pairwise uniqueItems without a small maxItems, and oversized schemas', () => {
    assert.deepEqual(fields(schemaProblems({ type: 'array', uniqueItems: true })), ['schema.uniqueItems']);
    assert.deepEqual(schemaProblems({ type: 'array', uniqueItems: true, maxItems: 100 }), []);
    const huge = { type: 'object', properties: Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`field_${i}`, { type: 'string' }])) };
    assert.deepEqual(fields(schemaProblems(huge)), ['schema']);
  });

  it('checks uniqueItems in one pass, not pairwise', () => {
    const schema = { type: 'array', uniqueItems: true, maxItems: 1_000 };
    const items = Array.from({ length: 20_000 }, (_, i) => ({ name: 'x'.repeat(20), i }));
    const started = performance.now();
    assert.deepEqual(fields(validateData('t.unique', 1, schema, items, 'data')), ['data']); // too many, and checked at once
    assert.ok(performance.now() - started < 5_000, 'pairwise comparison took 24 s');
    assert.deepEqual(validateData('t.unique', 1, schema, [{ a: 1, b: 2 }, { b: 2, a: 1 }], 'data').length, 1, 'equal objects, keys in any order');
    assert.deepEqual(validateData('t.unique', 1, schema, [{ a: 1 }, { a: 2 }, 1, '1'], 'data'), []);
  });

  it('refuses branches that multiply on one value, and $ref loops that never descend', () => {
    const defs: Record<string, unknown> = { d22: { type: 'string' } };
    for (let i = 0; i < 22; i++) defs[`d${i}`] = { anyOf: [{ $ref: `#/$defs/d${i + 1}` }, { $ref: `#/$defs/d${i + 1}` }] };
    const started = performance.now();
    assert.deepEqual(fields(schemaProblems({ $defs: defs, $ref: '#/$defs/d0' })), ['schema']); // validating it took 20 s
    assert.ok(performance.now() - started < 2_000, 'the check did not expand the branches');
    const loop = schemaProblems({ $defs: { a: { anyOf: [{ $ref: '#/$defs/a' }] } }, $ref: '#/$defs/a' });
    assert.deepEqual(fields(loop), ['schema.$defs.a.anyOf[0].$ref']);
    assert.deepEqual(fields(schemaProblems({ $ref: 'https://example.com/other.json' })), ['schema.$ref']);
    // Recursion through the data is fine: a tree.
    const tree = { $defs: { node: { $ref: '#' } }, type: 'object', properties: { name: { type: 'string' }, children: { type: 'array', items: { $ref: '#/$defs/node' } }, parent: { $ref: '#' } } };
    assert.deepEqual(schemaProblems(tree), []);
    assert.deepEqual(fields(validateData('t.tree', 1, tree, { name: 'a', children: [{ name: 'b', children: [{ name: 3 }] }] }, 'data')), ['data.children[0].children[0].name']);
  });

  it('never tests a pattern on a text longer than the bound, and says so', () => {
    const schema = { type: 'object', properties: { s: { type: 'string', pattern: '^a*$' } } };
    const long = 'a'.repeat(PATTERN_SUBJECT_MAX_CHARS + 1);
    const [error] = validateData('t.long', 1, schema, { s: long }, 'data');
    assert.equal(error?.field, 'data.s');
    assert.match(error?.message ?? '', /longer than 10,000 characters/);
    assert.deepEqual(validateData('t.long', 1, schema, { s: long.slice(1) }, 'data'), []);
  });

  it('refuses an event rather than failing when a stored schema no longer compiles', () => {
    const [error] = validateData('t.old', 1, { type: 'string', pattern: '(a)\\1' }, 'aa', 'data');
    assert.equal(error?.field, 'data');
    assert.match(error?.message ?? '', /register the type again/);
  });
});

describe('one validation\'s pattern work', () => {
  it('tests at most PATTERN_BUDGET_CHARS characters against patterns in all, and says which values were left', () => {
    const schema = { type: 'array', items: { type: 'string', pattern: '^(\\w+\\s?)*$' } };
    const item = 'word '.repeat(1_000).trim(); // 4,999 characters, each within the per-value bound
    const fits = Array.from({ length: Math.floor(PATTERN_BUDGET_CHARS / item.length) }, () => item);
    assert.deepEqual(validateData('t.budget', 1, schema, fits, 'data'), []);
    const errors = validateData('t.budget', 1, schema, [...fits, item, item], 'data');
    assert.deepEqual(fields(errors), ['data[10]', 'data[11]']);
    assert.match(errors[0]!.message, /exceed 50,000 characters in all/);
    assert.deepEqual(validateData('t.budget', 1, schema, [item], 'data'), [], 'the budget is per validation');
  });
});
