import assert from 'node:assert/strict';
import { it } from 'node:test';
import { formatDurationMs, parseDurationMs } from './duration.ts';

it('parses and formats durations', () => {
  assert.deepEqual(['0', '250ms', '5s', '5m', '2h', '5d', '1.5s'].map(parseDurationMs), [0, 250, 5000, 300000, 7200000, 432000000, 1500]);
  for (const bad of ['', '5', 's', '-5s', '5 s', '5w']) assert.throws(() => parseDurationMs(bad), /invalid duration/);
  assert.deepEqual([0, 250, 5000, 300000, 7200000, 86400000, 1500].map(formatDurationMs), ['0ms', '250ms', '5s', '5m', '2h', '1d', '1500ms']);
});
