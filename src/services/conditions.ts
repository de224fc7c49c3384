// Checking a condition while it is written: can it be saved (and if not why, and where), and
// what would it decide for the event type's example. The page's condition editor calls this as
// the user types. "Can be saved" is the save's own test (core/conditions.ts): syntax, known
// variables, types, RE2 patterns and the static cost; the example is decided within the
// run-time budget, as an event would be.
import { conditionContext, conditionProblem, evaluateCondition } from '../core/conditions.ts';
import { errors } from '../core/errors.ts';
import type { EventTypeService } from './event-types.ts';

export interface ConditionCheck {
  error: { kind: 'syntax' | 'refused'; message: string; position: number | null } | null;
  example: { eventType: string; matches: boolean | null; error: string | null } | null;
}

export function conditionService(eventTypes: EventTypeService) {
  return {
    async check(condition: string, eventType: string | undefined): Promise<ConditionCheck> {
      const type = eventType === undefined ? undefined : await eventTypes.find(eventType);
      if (eventType !== undefined && !type) throw errors.validation([{ field: 'event_type', message: `unknown event type "${eventType}"` }]);
      const problem = conditionProblem(condition);
      if (problem) return { error: { kind: problem.kind, message: problem.message, position: problem.position ?? null }, example: null };
      if (!type) return { error: null, example: null };
      const data = type.example ?? {};
      const context = conditionContext({ type: type.name, tenantId: '', actor: null, resource: null, previous: null, changes: null }, data);
      const result = evaluateCondition(condition, context);
      return {
        error: null,
        example: { eventType: type.name, matches: result.ok ? result.matches : null, error: result.ok ? null : result.error },
      };
    },
  };
}
export type ConditionService = ReturnType<typeof conditionService>;
