// When to try a failed delivery again. schedule[i] is the delay before attempt i+1, so
// schedule[0] is the first attempt's delay (normally 0) and its length is the attempt budget.
export const DEFAULT_SCHEDULE_MS: readonly number[] = [
  0, 5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000,
];
export const JITTER_RATIO = 0.1;

/**
 * The delay before the next attempt after `attemptsMade` attempts failed, or undefined once the
 * schedule is spent. `random` is in [0, 1): jitter spreads retries by ±10% so that a receiver
 * coming back is not hit by every delivery in the same millisecond.
 */
export function nextDelayMs(schedule: readonly number[], attemptsMade: number, random: number): number | undefined {
  const base = schedule[attemptsMade];
  if (base === undefined) return undefined;
  return Math.round(base * (1 + JITTER_RATIO * (2 * random - 1)));
}
