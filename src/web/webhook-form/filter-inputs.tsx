// The filter fields the subscribed event types declare (seed 001: the job offer, the pipeline
// column), each a list of allowed values.
import { TextField } from '../components/field.tsx';
import { controlId, type FieldErrors } from './draft.ts';

interface FilterInputsProps {
  fields: readonly { field: string; label: string }[];
  values: Record<string, string>;
  errors: FieldErrors;
  onChange: (values: Record<string, string>) => void;
}

export function FilterInputs({ fields, values, errors, onChange }: FilterInputsProps) {
  return (
    <fieldset class="field">
      <legend>Filters</legend>
      {fields.length === 0
        ? <p class="muted">The chosen events have no filter fields: every one of them is sent (a condition below can narrow them).</p>
        : <p class="hint">Only events whose field has one of these values are sent. Separate values with commas; leave a field empty to take every value.</p>}
      {fields.map(({ field, label }) => (
        <TextField
          key={field} id={controlId(`filters.${field}`)} label={label} hint={<code>{field}</code>}
          value={values[field] ?? ''} onValue={(v) => onChange({ ...values, [field]: v })} error={errors[`filters.${field}`]}
        />
      ))}
    </fieldset>
  );
}
