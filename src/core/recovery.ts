// What recovering a webhook's window asks of each event, from the statuses of the event's
// deliveries to that webhook. Pure.
import type { DeliveryStatus } from './model.ts';

/** Events one recovery call walks through at most (and the rest of the millisecond it stops in). */
export const RECOVER_MAX_EVENTS = 10_000;

/**
 * `missing`: the webhook never had a delivery of the event (it was disabled by hand, or created
 * later). `failed`: a delivery of it failed and none is pending, being sent or succeeded, so the
 * receiver never got it and nothing will send it again; one already resent, or cancelled by its
 * owner alone, is neither. A recovery queues one new delivery per event, whatever its history.
 */
export function recoveryNeed(statuses: readonly DeliveryStatus[]): 'failed' | 'missing' | undefined {
  if (statuses.length === 0) return 'missing';
  const live = statuses.some((s) => s === 'pending' || s === 'delivering' || s === 'succeeded');
  return !live && statuses.includes('failed') ? 'failed' : undefined;
}
