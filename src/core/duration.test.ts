import assert from 'node:assert/strict';
import { it } from 'node:test';
import { formatDurationMs, MAX_DURATION_MS, parseDurationMs } from './duration.ts';

it('parses and formats durations', () => {
  assert.deepEqual(['0', '250ms', '5s', '5m', '2h', '5d', '1.5s'].map(parseDurationMs), [0, 250, 5000, 300000, 7200000, 432000000, 1500]);
  for (const bad of ['', '5', 's', '-5s', '5 s', '5w']) assert.throws(() => parseDurationMs(bad), /invalid duration/);
  assert.deepEqual([0, 250, 5000, 300000, 7200000, 86400000, 1500].map(formatDurationMs), ['0ms', '250ms', '5s', '5m', '2h', '1d', '1500ms']);
});

it('refuses durations no use could mean, and formats back without e+ or null', () => {
  for (const bad of ['99999999999999999999d', `${'9'.repeat(400)}d`, '1e20d', 'Infinityd', 'NaNms', 'nullms', '36501d', '0.0001ms']) {
    assert.throws(() => parseDurationMs(bad), /invalid duration/, bad);
  }
  assert.equal(parseDurationMs('36500d'), MAX_DURATION_MS);
  assert.equal(formatDurationMs(MAX_DURATION_MS), '36500d');
  // Values stored before the bounds (8.64e27, or Infinity stored as JSON null) show as the bound.
  for (const stored of [8.64e27, Infinity, Number.NaN, null as unknown as number]) assert.equal(formatDurationMs(stored), '36500d');
  assert.equal(formatDurationMs(0.4), '0ms');
});
