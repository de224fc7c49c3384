import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PATTERN_SUBJECT_MAX_CHARS } from './schema-bounds.ts';
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
