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

/** The statuses whose Retry-After is honoured: the receiver asks us to slow down. */
const SLOW_DOWN = new Set([429, 503]);
/** A receiver may push its next attempt back, but not beyond this. */
export const MAX_RETRY_AFTER_MS = 3_600_000;

/** Retry-After (seconds or an HTTP date) on a 429/503, capped at an hour; undefined otherwise. */
export function retryAfterMs(status: number, headers: Readonly<Record<string, string>>, now: number): number | undefined {
  const value = headers['retry-after']?.trim();
  if (!SLOW_DOWN.has(status) || !value) return undefined;
  const ms = /^\d+$/.test(value) ? Number(value) * 1000 : Date.parse(value) - now;
  return Number.isFinite(ms) ? Math.min(Math.max(ms, 0), MAX_RETRY_AFTER_MS) : undefined;
}

/**
 * Where a delivery goes after an attempt: succeeded, due again after the schedule's next delay,
 * or failed once the schedule is spent.
 */
export function afterAttempt(a: { succeeded: boolean; attemptsMade: number; schedule: readonly number[]; now: number; random: number; retryAfterMs?: number | undefined }):
  { status: 'succeeded' | 'pending' | 'failed'; dueAt: number | null } {
  if (a.succeeded) return { status: 'succeeded', dueAt: null };
  const delay = nextDelayMs(a.schedule, a.attemptsMade, a.random);
  if (delay === undefined) return { status: 'failed', dueAt: null };
  // Retry-After can only push the next attempt later than the schedule would, never sooner.
  return { status: 'pending', dueAt: a.now + Math.max(delay, a.retryAfterMs ?? 0) };
}

export function scheduleFor(policy: { mode: 'default' } | { mode: 'custom'; scheduleMs: number[] } | { mode: 'none' }, defaults: readonly number[]): readonly number[] {
  switch (policy.mode) {
    case 'default': return defaults;
    case 'custom': return policy.scheduleMs;
    case 'none': return [0];
  }
}
