import { z } from 'zod';
import { CONDITION_MAX_CHARS } from '../core/conditions.ts';
import { EventTypeName } from './common.ts';

export const ConditionCheckIn = z.strictObject({
  condition: z.string().min(1).max(CONDITION_MAX_CHARS),
  event_type: EventTypeName.optional().describe('Also evaluate the condition on this type\'s example'),
}).meta({ id: 'ConditionCheckIn' });

export const ConditionCheckOut = z.object({
  valid: z.boolean().describe('Whether the condition parses; a webhook with an invalid one cannot be saved'),
  error: z.object({
    message: z.string(),
    position: z.number().int().nullable().describe('0-based offset into the condition, when known'),
  }).nullable(),
  example: z.object({
    event_type: z.string(),
    matches: z.boolean().nullable().describe('Whether the example would be delivered; null when the evaluation failed'),
    error: z.string().nullable().describe('Why the evaluation failed (a missing field…): such an event skips the webhook'),
  }).nullable().describe('The outcome on the type\'s example, when event_type was given and the condition parses'),
}).meta({ id: 'ConditionCheckOut' });
