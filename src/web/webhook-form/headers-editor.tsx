// Extra request headers, as name/value rows.
import { FieldError } from '../components/field.tsx';
import { controlId, headerRow, type HeaderRow } from './draft.ts';

interface HeadersEditorProps {
  rows: HeaderRow[];
  error: string | undefined;
  onChange: (rows: HeaderRow[]) => void;
}

export function HeadersEditor({ rows, error, onChange }: HeadersEditorProps) {
  const id = controlId('headers');
  const update = (key: number, change: Partial<HeaderRow>): void => onChange(rows.map((r) => (r.key === key ? { ...r, ...change } : r)));
  return (
    <fieldset class={error ? 'field field-invalid' : 'field'} id={id} tabIndex={-1}>
      <legend>Headers (optional)</legend>
      <p class="hint" id={`${id}-hint`}>Sent with every request, e.g. an API key your endpoint expects. Values marked secret are sealed at rest; once saved, they and credential-looking ones show as <code>[redacted]</code>: leave them so to keep them.</p>
      {rows.map((r, i) => (
        <div class="header-row" key={r.key}>
          <label class="sr-only" for={`${id}-${r.key}-name`}>Header {i + 1} name</label>
          <input id={`${id}-${r.key}-name`} placeholder="X-Api-Key" value={r.name} onInput={(e) => update(r.key, { name: e.currentTarget.value })} aria-invalid={error ? true : undefined} />
          <label class="sr-only" for={`${id}-${r.key}-value`}>Header {i + 1} value</label>
          <input id={`${id}-${r.key}-value`} placeholder="value" value={r.value} onInput={(e) => update(r.key, { value: e.currentTarget.value })} />
          <label class="header-secret">
            <input type="checkbox" checked={r.secret} onChange={(e) => update(r.key, { secret: e.currentTarget.checked })} />
            Secret<span class="sr-only"> header {i + 1}</span>
          </label>
          <button type="button" class="button-small button-secondary" onClick={() => onChange(rows.filter((x) => x.key !== r.key))}>
            Remove<span class="sr-only"> header {i + 1}</span>
          </button>
        </div>
      ))}
      <FieldError id={id} error={error} />
      <button type="button" class="button-small button-secondary" onClick={() => onChange([...rows, headerRow()])}>Add a header</button>
    </fieldset>
  );
}
