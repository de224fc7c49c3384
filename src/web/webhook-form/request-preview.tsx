// The exact request the webhook being edited would make for a type's example: rendered by the
// API from the draft as it is typed, never sent.
import { useState } from 'preact/hooks';
import { ApiError } from '../api/client.ts';
import type { WebhookInput } from '../api/types.ts';
import { Code, Headers, pretty } from '../components/display.tsx';
import { SelectField } from '../components/field.tsx';
import { useTenant } from '../context.ts';
import { useDebounced, useLoad } from '../hooks.ts';
import { destinationKind } from '../../core/destinations.ts';
import { describeDestination, METADATA_LABEL } from './destination.ts';

/** Shown in the preview until the user has typed a URL. */
export const PLACEHOLDER_URL = 'https://example.com/your-endpoint';

interface PreviewProps {
  input: WebhookInput;
  exactTypes: readonly string[];
  eventType: string | undefined;
  onEventType: (name: string) => void;
}

export function RequestPreview({ input, exactTypes, eventType, onEventType }: PreviewProps) {
  const { api } = useTenant();
  const [formatted, setFormatted] = useState(false);
  const draft = useDebounced(JSON.stringify({ ...input, url: input.url || PLACEHOLDER_URL }), 400);
  const preview = useLoad(
    () => (eventType ? api.previewDraft({ webhook: JSON.parse(draft) as WebhookInput, event_type: eventType }) : Promise.resolve(null)),
    [api, draft, eventType],
  );
  const p = preview.data;
  // A broker gets the same body and headers as a message; the headers travel as its metadata.
  // (What the preview shows is the debounced draft's: its URL decides, not the one being typed.)
  const kind = destinationKind(p?.request.url ?? input.url);
  const broker = kind !== undefined && kind !== 'http' ? kind : undefined;
  const problems = preview.error instanceof ApiError ? preview.error.fields : [];

  return (
    <section class="preview card" aria-labelledby="preview-title">
      <h2 id="preview-title">Request preview</h2>
      {!eventType && <p class="muted">Choose an event type to see the request it makes.</p>}
      {eventType && exactTypes.length > 1 && (
        <SelectField id="preview-type" label="Example of" value={eventType} options={exactTypes.map((t) => [t, t] as const)} onValue={onEventType} />
      )}
      {eventType && broker && <p class="muted small">The exact message for the example of <code>{eventType}</code> from the catalog, signed with a throw-away secret. Nothing is published.</p>}
      {eventType && !broker && <p class="muted small">The exact request for the example of <code>{eventType}</code> from the catalog, signed with a throw-away secret. Nothing is sent.</p>}
      {preview.error && (
        <div class="alert alert-warn">
          <p>The preview needs a valid webhook:</p>
          {problems.length ? <ul>{problems.map((f) => <li key={f.field}><code>{f.field.replace(/^webhook\./, '')}</code>: {f.message}</li>)}</ul> : <p>{preview.error.message}</p>}
        </div>
      )}
      {p && !preview.error && (
        <div aria-busy={preview.loading}>
          {broker
            ? (
              <>
                <p class="request-line"><code><strong>Publish</strong> {p.request.url}</code></p>
                <p class="small">A message to {describeDestination(p.request.url)}</p>
              </>
            )
            : <p class="request-line"><code><strong>{p.request.method}</strong> {p.request.url}</code></p>}
          {!input.url && <p class="muted small">Enter your endpoint's URL to see it here.</p>}
          {p.error && <div class="alert alert-error"><p><strong>The body could not be rendered:</strong> {p.error}</p></div>}
          {broker
            ? (
              <>
                <h3 id="preview-metadata">Metadata, as {METADATA_LABEL[broker].title}</h3>
                <p class="muted small">{METADATA_LABEL[broker].hint}</p>
                <Headers headers={p.request.headers} caption={`Message metadata, as ${METADATA_LABEL[broker].title}`} />
              </>
            )
            : (
              <>
                <h3>Headers</h3>
                <Headers headers={p.request.headers} caption="Request headers" />
              </>
            )}
          <div class="h3-row">
            <h3>{broker ? 'Body (the message\'s payload)' : 'Body'}</h3>
            <label class="check-inline"><input type="checkbox" checked={formatted} onChange={(e) => setFormatted(e.currentTarget.checked)} /> Format JSON</label>
          </div>
          {p.request.body ? <Code label="Request body">{formatted ? pretty(p.request.body) : p.request.body}</Code> : <p class="muted">No body.</p>}
        </div>
      )}
    </section>
  );
}
