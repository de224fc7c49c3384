import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { afterAttempt, DEFAULT_SCHEDULE_MS, isSuccess, nextDelayMs, retryAfterMs, scheduleFor } from './retry.ts';

describe('retry schedule', () => {
  it('is the documented default: immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h', () => {
    assert.deepEqual(DEFAULT_SCHEDULE_MS, [0, 5e3, 3e5, 18e5, 72e5, 18e6, 36e6, 36e6]);
  });

  it('jitters each delay by at most ±10%', () => {
    assert.equal(nextDelayMs(DEFAULT_SCHEDULE_MS, 1, 0.5), 5_000);
    assert.equal(nextDelayMs(DEFAULT_SCHEDULE_MS, 1, 0), 4_500);
    assert.equal(nextDelayMs(DEFAULT_SCHEDULE_MS, 1, 0.999999), 5_500);
    assert.equal(nextDelayMs(DEFAULT_SCHEDULE_MS, 8, 0.5), undefined);
  });

  it('moves a delivery on after an attempt', () => {
    const base = { schedule: [0, 1000], now: 10_000, random: 0.5 };
    assert.deepEqual(afterAttempt({ ...base, succeeded: true, attemptsMade: 1 }), { status: 'succeeded', dueAt: null });
    assert.deepEqual(afterAttempt({ ...base, succeeded: false, attemptsMade: 1 }), { status: 'pending', dueAt: 11_000 });
    assert.deepEqual(afterAttempt({ ...base, succeeded: false, attemptsMade: 2 }), { status: 'failed', dueAt: null });
  });

  it('honours Retry-After on 429 and 503 only, capped at an hour, never sooner than the schedule', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    assert.equal(retryAfterMs(429, { 'retry-after': '120' }, now), 120_000);
    assert.equal(retryAfterMs(503, { 'retry-after': 'Thu, 01 Jan 2026 00:00:30 GMT' }, now), 30_000);
    assert.equal(retryAfterMs(503, { 'retry-after': '999999' }, now), 3_600_000);
    assert.equal(retryAfterMs(500, { 'retry-after': '120' }, now), undefined);
    assert.equal(retryAfterMs(429, {}, now), undefined);
    assert.equal(retryAfterMs(429, { 'retry-after': 'soon' }, now), undefined);
    const base = { succeeded: false, attemptsMade: 1, schedule: [0, 1000, 1000], now, random: 0.5 };
    assert.equal(afterAttempt({ ...base, retryAfterMs: 120_000 }).dueAt, now + 120_000);
    assert.equal(afterAttempt({ ...base, retryAfterMs: 10 }).dueAt, now + 1000);
  });

  it('counts only 2xx as success', () => {
    assert.deepEqual([199, 200, 204, 299, 300, 301, 410, 500].map(isSuccess), [false, true, true, true, false, false, false, false]);
  });

  it('picks the webhook\'s policy', () => {
    assert.deepEqual(scheduleFor({ mode: 'default' }, [0, 5]), [0, 5]);
    assert.deepEqual(scheduleFor({ mode: 'custom', scheduleMs: [0, 9] }, [0, 5]), [0, 9]);
    assert.deepEqual(scheduleFor({ mode: 'none' }, [0, 5]), [0]);
  });
});
