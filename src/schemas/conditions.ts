import { z } from 'zod';
import { CONDITION_MAX_CHARS } from '../core/conditions.ts';
import { EventTypeName } from './common.ts';

export const ConditionCheckIn = z.strictObject({
  condition: z.string().min(1).max(CONDITION_MAX_CHARS),
  event_type: EventTypeName.optional().describe('Also evaluate the condition on this type\'s example'),
}).meta({ id: 'ConditionCheckIn' });

export const ConditionCheckOut = z.object({
  valid: z.boolean().describe('Whether a webhook can be saved with this condition: it parses, names only the event\'s variables (tenant, data, previous, changes, actor, resource), type-checks, its patterns are valid RE2, and its estimated cost is within the budget'),
  error: z.object({
    kind: z.enum(['syntax', 'refused']).describe('`syntax`: it does not parse; `refused`: it parses, but names an unknown variable, mistypes, has a bad pattern or costs too much'),
    message: z.string().describe('Why it cannot be saved: a syntax error, an unknown variable, a type error, a bad pattern, or a cost over the budget'),
    position: z.number().int().nullable().describe('0-based offset into the condition, when known'),
  }).nullable(),
  example: z.object({
    event_type: z.string(),
    matches: z.boolean().nullable().describe('Whether the example would be delivered; null when the evaluation failed'),
    error: z.string().nullable().describe('Why the evaluation failed (a missing field…): such an event skips the webhook'),
  }).nullable().describe('The outcome on the type\'s example, when event_type was given and the condition parses'),
}).meta({ id: 'ConditionCheckOut' });
