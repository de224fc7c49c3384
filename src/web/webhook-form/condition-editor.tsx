// The condition, checked as it is typed: its syntax (with a caret under the error), and what it
// decides for the previewed type's example.
import { TextAreaField } from '../components/field.tsx';
import { useTenant } from '../context.ts';
import { useDebounced, useLoad } from '../hooks.ts';
import type { ConditionCheck } from '../api/types.ts';
import { controlId } from './draft.ts';

interface ConditionEditorProps {
  value: string;
  eventType: string | undefined;
  error: string | undefined;
  onChange: (value: string) => void;
}

function Verdict({ check, condition }: { check: ConditionCheck; condition: string }) {
  if (check.error) {
    const pos = check.error.position;
    return (
      <div class="check-result check-bad">
        <p><strong>{check.error.kind === 'syntax' ? 'Syntax error' : 'Not accepted'}{pos === null ? '' : ` at position ${pos}`}:</strong> {check.error.message}</p>
        {pos !== null && <pre class="caret" aria-hidden="true">{`${condition}\n${' '.repeat(Math.max(0, pos))}^`}</pre>}
      </div>
    );
  }
  const ex = check.example;
  if (!ex) return <p class="check-result check-good">The condition is valid.</p>;
  if (ex.error) return <p class="check-result check-warn">The condition is valid, but fails on the example of <code>{ex.event_type}</code> ({ex.error}): such events skip this webhook.</p>;
  return (
    <p class="check-result check-good">
      The condition is valid. For the example of <code>{ex.event_type}</code> it is <strong>{String(ex.matches)}</strong>: that event {ex.matches ? 'would be sent' : 'would not be sent'}.
    </p>
  );
}

export function ConditionEditor({ value, eventType, error, onChange }: ConditionEditorProps) {
  const { api } = useTenant();
  const condition = useDebounced(value.trim(), 300);
  const check = useLoad(
    () => (condition ? api.checkCondition({ condition, ...(eventType ? { event_type: eventType } : {}) }) : Promise.resolve(null)),
    [api, condition, eventType],
  );
  return (
    <div class="condition">
      <TextAreaField
        id={controlId('condition')} label="Condition (optional)" rows={2} class="mono" value={value} onValue={onChange} error={error}
        placeholder='data.applicant.score > 10 && data.candidate.consent'
        hint={<>A <a href="https://cel.dev" target="_blank" rel="noreferrer">CEL</a> expression on the event (<code>data</code>, <code>previous</code>, <code>changes</code>, <code>actor</code>, <code>resource</code>, <code>tenant</code>): the event is sent only when it is true.</>}
      />
      <div aria-live="polite" class="check-live">
        {condition && check.data && condition === value.trim() && <Verdict check={check.data} condition={condition} />}
        {check.error && <p class="check-result check-warn">The condition could not be checked: {check.error.message}</p>}
      </div>
    </div>
  );
}
