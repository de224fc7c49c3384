// A labelled form control with its hint and its error (from the API, next to the field it
// names). The control is described by both, and marked invalid while the error stands.
import type { ComponentChildren, JSX } from 'preact';

interface FieldProps {
  id: string;
  label: ComponentChildren;
  hint?: ComponentChildren;
  error?: string | undefined;
  children: ComponentChildren;
}

export const fieldA11y = (id: string, hint: unknown, error: string | undefined) => ({
  id,
  'aria-describedby': [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined,
  'aria-invalid': error ? true : undefined,
});

export function Field({ id, label, hint, error, children }: FieldProps) {
  return (
    <div class={error ? 'field field-invalid' : 'field'}>
      <label for={id}>{label}</label>
      {hint && <p class="hint" id={`${id}-hint`}>{hint}</p>}
      {children}
      <FieldError id={id} error={error} />
    </div>
  );
}

export function FieldError({ id, error }: { id: string; error: string | undefined }) {
  return error ? <p class="field-error" id={`${id}-error`}>{error}</p> : null;
}

/** What every text control takes, besides its element's own attributes. */
interface Control {
  id: string;
  label: ComponentChildren;
  hint?: ComponentChildren;
  error?: string | undefined;
  value: string;
  onValue: (value: string) => void;
}
type InputProps = Omit<JSX.InputHTMLAttributes<HTMLInputElement>, keyof Control | 'onInput'> & Control;
type TextAreaProps = Omit<JSX.TextareaHTMLAttributes<HTMLTextAreaElement>, keyof Control | 'onInput'> & Control;

export function TextField({ id, label, hint, error, value, onValue, ...rest }: InputProps) {
  return (
    <Field id={id} label={label} hint={hint} error={error}>
      <input {...rest} {...fieldA11y(id, hint, error)} value={value} onInput={(e) => onValue(e.currentTarget.value)} />
    </Field>
  );
}

export function TextAreaField({ id, label, hint, error, value, onValue, ...rest }: TextAreaProps) {
  return (
    <Field id={id} label={label} hint={hint} error={error}>
      <textarea spellcheck={false} {...rest} {...fieldA11y(id, hint, error)} value={value} onInput={(e) => onValue(e.currentTarget.value)} />
    </Field>
  );
}

interface SelectProps<T extends string> {
  id: string;
  label: ComponentChildren;
  hint?: ComponentChildren;
  error?: string | undefined;
  value: T;
  options: readonly (readonly [T, string])[];
  onValue: (value: T) => void;
}

export function SelectField<T extends string>({ id, label, hint, error, value, options, onValue }: SelectProps<T>) {
  return (
    <Field id={id} label={label} hint={hint} error={error}>
      <select {...fieldA11y(id, hint, error)} value={value} onChange={(e) => onValue(e.currentTarget.value as T)}>
        {options.map(([v, text]) => <option key={v} value={v}>{text}</option>)}
      </select>
    </Field>
  );
}
