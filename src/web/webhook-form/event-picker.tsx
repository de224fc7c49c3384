// Which events the webhook gets: types picked from the catalog, plus patterns (`invoice.*`, `*`).
import type { EventType } from '../api/types.ts';
import { FieldError, TextField } from '../components/field.tsx';
import { controlId } from './draft.ts';

interface EventPickerProps {
  catalog: readonly EventType[];
  picked: readonly string[];
  patterns: string;
  error: string | undefined;
  patternsError?: string | undefined;
  onPicked: (names: string[]) => void;
  onPatterns: (text: string) => void;
}

const isSystem = (t: EventType): boolean => t.name.startsWith('webhook.');

export function EventPicker({ catalog, picked, patterns, error, onPicked, onPatterns }: EventPickerProps) {
  const id = controlId('events');
  const toggle = (name: string, on: boolean): void => onPicked(on ? [...picked, name] : picked.filter((n) => n !== name));
  const groups = [
    ['Your product\'s events', catalog.filter((t) => !isSystem(t))],
    ['Relais events (changes to your webhooks)', catalog.filter(isSystem)],
  ] as const;
  return (
    <fieldset class={error ? 'field field-invalid' : 'field'} id={id} tabIndex={-1} aria-describedby={error ? `${id}-error` : undefined}>
      <legend>Events</legend>
      <p class="hint">The webhook is sent each time one of these happens. See the <a href="#/catalog">event catalog</a> for what each one contains.</p>
      {!catalog.length && <p class="muted">The catalog has no event types yet: your product registers them. You can still subscribe to a pattern below.</p>}
      {groups.map(([title, types]) => types.length > 0 && (
        <div class="checkgroup" key={title}>
          <p class="checkgroup-title">{title}</p>
          <ul class="checklist">
            {types.map((t) => {
              const box = `${id}-${t.name.replace(/[^A-Za-z0-9_-]/g, '-')}`;
              return (
                <li key={t.name} class="check">
                  <input type="checkbox" id={box} checked={picked.includes(t.name)} onChange={(e) => toggle(t.name, e.currentTarget.checked)} aria-describedby={t.description ? `${box}-desc` : undefined} />
                  <label for={box}><code>{t.name}</code></label>
                  {t.description && <span class="muted small check-desc" id={`${box}-desc`}>{t.description}</span>}
                </li>
              );
            })}
          </ul>
        </div>
      ))}
      <FieldError id={id} error={error} />
      <TextField
        id={controlId('patterns')} label="Other event patterns (optional)" value={patterns} onValue={onPatterns} placeholder="invoice.*"
        hint={<>Comma-separated. <code>invoice.*</code> takes every type under <code>invoice.</code>; <code>*</code> takes every event.</>}
      />
    </fieldset>
  );
}
