// Recovering a webhook's window of events: what the route takes and answers.
import { z } from 'zod';
import { RECOVER_MAX_EVENTS } from '../core/recovery.ts';
import { Iso } from './common.ts';

export const RecoverIn = z.strictObject({
  since: Iso.describe('The window\'s start: events Relais received at or after this time'),
  until: Iso.optional().describe('The window\'s end, excluded; not in the future. Default: now'),
  missing: z.boolean().optional().describe('Also deliver the events of the window this webhook would have matched but never had a delivery of (it was disabled by hand, or created later). Default: false, only failed deliveries are resent'),
}).meta({ id: 'RecoverIn' });

export const RecoverOut = z.object({
  count: z.number().int().describe('Deliveries queued: resent + created'),
  resent: z.number().int().describe('Events whose deliveries had failed, and none succeeded or was still on its way: each queued once more'),
  created: z.number().int().describe('Matching events the webhook had no delivery of (with missing: true)'),
  until: Iso.describe('The window\'s end used (the time of the request when not given)'),
  next_since: Iso.nullable().describe(`The window was cut after ${RECOVER_MAX_EVENTS.toLocaleString('en')} events (and the rest of the millisecond it stopped in): call again with this as since and the same until. Null when the whole window was walked`),
}).meta({ id: 'RecoverOut' });
