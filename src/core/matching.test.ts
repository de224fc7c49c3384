import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { filtersMatch, readPath, subscriptionMatches, typeMatches } from './matching.ts';

describe('matching', () => {
  it('matches exact names, prefix.* and *', () => {
    assert.ok(typeMatches('*', 'anything'));
    assert.ok(typeMatches('invoice.*', 'invoice.status.updated'));
    assert.ok(!typeMatches('invoice.*', 'invoices.created'));
    assert.ok(!typeMatches('invoice.*', 'invoice'));
    assert.ok(typeMatches('drag_applicant', 'drag_applicant'));
    assert.ok(!typeMatches('drag_applicant', 'drag_applicant2'));
  });

  it('reads dotted paths and never walks the prototype chain', () => {
    assert.equal(readPath({ a: { b: 3 } }, 'a.b'), 3);
    assert.equal(readPath({ a: 1 }, 'a.b'), undefined);
    assert.equal(readPath({}, 'constructor'), undefined);
    assert.equal(readPath({ a: {} }, 'a.__proto__'), undefined);
  });

  it('applies filters: every field must have an allowed value', () => {
    const data = { applicant: { vacancy_id: 'V1', column_id: 'C2' }, tags: ['x', 'y'], n: 7 };
    assert.ok(filtersMatch({}, data));
    assert.ok(filtersMatch({ 'applicant.vacancy_id': ['V1', 'V9'] }, data));
    assert.ok(!filtersMatch({ 'applicant.vacancy_id': ['V1'], 'applicant.column_id': ['C1'] }, data));
    assert.ok(filtersMatch({ tags: ['y'] }, data), 'an array matches when one element is allowed');
    assert.ok(filtersMatch({ n: ['7'] }, data), 'numbers and their string form match');
    assert.ok(!filtersMatch({ missing: ['x'] }, data));
    assert.ok(subscriptionMatches({ events: ['drag_applicant'], filters: { 'applicant.column_id': ['C2'] } }, 'drag_applicant', data));
    assert.ok(!subscriptionMatches({ events: ['new_applicant'], filters: {} }, 'drag_applicant', data));
  });
});
