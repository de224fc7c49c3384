import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Completion, NewEvent } from './store.ts';
import { completionProblems, eventProblems, isRowFault, MAX_TEXT_BYTES, MAX_TIME_MS, RowValueError, textProblem, timeProblem } from './row-limits.ts';

const event: NewEvent = {
  id: 'evt_1', idempotencyKey: 'order-1', type: 'order.paid', occurredAt: Date.parse('2025-01-01T00:00:00Z'),
  data: { note: 'a\u0000b' }, actor: null, resource: null, previous: null, changes: null,
};

const completion: Completion = {
  deliveryId: 'dlv_1', leaseId: 'att_1', tenantId: 'acme', webhookId: 'wh_1', status: 'pending', dueAt: Date.parse('2025-01-01T00:05:00Z'),
  attempt: {
    id: 'att_2', startedAt: Date.parse('2025-01-01T00:00:00Z'), durationMs: 12, succeeded: false, errorKind: null, errorMessage: null,
    request: { method: 'POST', url: 'https://example.com/hook', headers: { 'content-type': 'application/json' }, body: '{}' },
    response: { status: 500, headers: {}, body: 'oops', bodyTruncated: false },
  },
};

describe('row limits', () => {
  it('accepts ordinary rows (a NUL inside JSON is escaped by JSON.stringify, so it is fine there)', () => {
    assert.deepEqual(eventProblems(event), []);
    assert.deepEqual(completionProblems(completion), []);
  });

  it('refuses times no date can show: huge, infinite, NaN, fractional', () => {
    for (const dueAt of [1e20, Infinity, -Infinity, NaN, 1.5, MAX_TIME_MS + 1]) {
      const problems = completionProblems({ ...completion, dueAt });
      assert.equal(problems.length, 1, String(dueAt));
      assert.equal(problems[0]!.field, 'dueAt');
    }
    assert.equal(timeProblem(MAX_TIME_MS), undefined, 'the last millisecond of year 9999 is fine');
    assert.equal(timeProblem(null), undefined);
  });

  it('refuses a NUL in a text column and text past the size limit, naming the field', () => {
    assert.deepEqual(eventProblems({ ...event, idempotencyKey: 'a\u0000b' }).map((p) => p.field), ['id']);
    assert.deepEqual(eventProblems({ ...event, occurredAt: NaN }).map((p) => p.field), ['occurred_at']);
    const attempt = { ...completion.attempt!, errorMessage: 'bad\u0000', durationMs: 2 ** 31 };
    assert.deepEqual(completionProblems({ ...completion, attempt }).map((p) => p.field), ['attempt.durationMs', 'attempt.errorMessage']);
    const huge = 'x'.repeat(MAX_TEXT_BYTES + 1);
    assert.match(textProblem(huge) ?? '', /longer than/);
    const response = { ...completion.attempt!.response!, body: huge };
    assert.deepEqual(completionProblems({ ...completion, attempt: { ...completion.attempt!, response } }).map((p) => p.field), ['attempt.response']);
    assert.equal(textProblem('é'.repeat(MAX_TEXT_BYTES / 3)), undefined, 'counted in UTF-8 bytes, exactly near the limit');
  });

  it('refuses JSON that cannot be written', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    assert.deepEqual(eventProblems({ ...event, data: cyclic as never }).map((p) => p.field), ['data']);
    assert.deepEqual(eventProblems({ ...event, data: { n: 10n } as never }).map((p) => p.field), ['data']);
  });

  it('tells a row\'s fault (it would fail again) from one that may pass when tried again', () => {
    assert.ok(isRowFault(new RowValueError([{ field: 'dueAt', message: 'no' }])));
    assert.ok(isRowFault(Object.assign(new Error('value out of range for type bigint'), { code: '22003' })));
    assert.ok(isRowFault(Object.assign(new Error('invalid byte sequence for encoding "UTF8": 0x00'), { code: '22021' })));
    assert.ok(isRowFault(Object.assign(new Error('NOT NULL constraint failed'), { code: 'SQLITE_CONSTRAINT_NOTNULL' })));
    assert.ok(!isRowFault(Object.assign(new Error('deadlock detected'), { code: '40P01' })));
    assert.ok(!isRowFault(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })));
    assert.ok(!isRowFault(Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' })));
    assert.ok(!isRowFault(undefined));
  });
});
