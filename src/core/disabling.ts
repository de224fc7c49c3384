// When a failing webhook is disabled: after `failures` failed attempts in a row that have kept
// failing for at least `minDurationMs` (both must hold; a success resets the count); never when
// the webhook opted out (auto_disable false: HireHop never disables a URL). Pure.
export interface DisablePolicy {
  failures: number;
  minDurationMs: number;
}

export function disableReason(record: { enabled: boolean; autoDisable: boolean; consecutiveFailures: number; failingSince: number | null }, policy: DisablePolicy, now: number): string | undefined {
  if (!record.enabled || !record.autoDisable || record.failingSince === null || record.consecutiveFailures < policy.failures) return undefined;
  if (now - record.failingSince < policy.minDurationMs) return undefined;
  return `${record.consecutiveFailures} failed attempts in a row since ${new Date(record.failingSince).toISOString()}`;
}

export const GONE_REASON = 'the receiver answered 410 Gone';
