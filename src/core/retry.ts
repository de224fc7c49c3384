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

export const isSuccess = (status: number): boolean => status >= 200 && status < 300;

/**
 * Where a delivery goes after an attempt: succeeded, due again after the schedule's next delay,
 * or failed once the schedule is spent.
 */
export function afterAttempt(a: { succeeded: boolean; attemptsMade: number; schedule: readonly number[]; now: number; random: number }):
  { status: 'succeeded' | 'pending' | 'failed'; dueAt: number | null } {
  if (a.succeeded) return { status: 'succeeded', dueAt: null };
  const delay = nextDelayMs(a.schedule, a.attemptsMade, a.random);
  return delay === undefined ? { status: 'failed', dueAt: null } : { status: 'pending', dueAt: a.now + delay };
}

export function scheduleFor(policy: { mode: 'default' } | { mode: 'custom'; scheduleMs: number[] } | { mode: 'none' }, defaults: readonly number[]): readonly number[] {
  switch (policy.mode) {
    case 'default': return defaults;
    case 'custom': return policy.scheduleMs;
    case 'none': return [0];
  }
}
