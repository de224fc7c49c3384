// Creating or editing a webhook. The API checks everything on save; its problems are shown
// next to the fields they name, and in a summary that links to each.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { ApiError } from '../api/client.ts';
import type { FieldError, Webhook } from '../api/types.ts';
import { ErrorMessage, Loading } from '../components/feedback.tsx';
import { TextField } from '../components/field.tsx';
import { Screen } from '../components/screen.tsx';
import { useTenant } from '../context.ts';
import { useLoad } from '../hooks.ts';
import { go } from '../router.ts';
import { ConditionEditor } from './condition-editor.tsx';
import { byField, controlId, emptyDraft, errorKey, filterFields, fromWebhook, isBroker, toInput, type Draft } from './draft.ts';
import { DestinationFields } from './destination-fields.tsx';
import { EventPicker } from './event-picker.tsx';
import { FilterInputs } from './filter-inputs.tsx';
import { HeadersEditor } from './headers-editor.tsx';
import { DeliveryFields, RequestFields, SigningFields } from './request-fields.tsx';
import { Check } from './check.tsx';
import { RequestPreview } from './request-preview.tsx';

const LABELS: Record<string, string> = {
  url: 'Endpoint URL', description: 'Description', enabled: 'Enabled', events: 'Events', condition: 'Condition', method: 'Method',
  headers: 'Headers', format: 'Payload format', template: 'Body template', content_type: 'Content type', form_fields: 'Fields to send',
  export_key: 'Export key', retry: 'Retries', max_concurrency: 'Requests at once', rate_limit: 'Requests per second',
  'url.exchange': 'Exchange', 'url.routing_key': 'Routing key', 'url.subject': 'Subject', 'url.stream': 'Stream', 'url.maxlen': 'Max length',
  'url.topic': 'Topic', 'url.qos': 'QoS', follow_redirects: 'Follow redirects', timeout: 'Timeout', secret: 'Secret', signature_scheme: 'Signature',
};
/** A broker's URL problems without a parameter (its host, its password) show at the Host field. */
const labelOf = (key: string, broker: boolean): string => (broker && key === 'url' ? 'Host' : LABELS[key] ?? (key.startsWith('filters.') ? `Filter ${key.slice(8)}` : key));

export function WebhookForm({ webhookId }: { webhookId?: string }) {
  const { api, catalogLoaded } = useTenant();
  const existing = useLoad(() => (webhookId ? api.webhook(webhookId) : Promise.resolve(null)), [api, webhookId]);
  const title = webhookId ? 'Edit webhook' : 'New webhook';
  if (!catalogLoaded || existing.data === undefined) {
    return (
      <Screen title={title}>
        {existing.error ? <ErrorMessage error={existing.error} onRetry={existing.reload} /> : <Loading what="the form" />}
      </Screen>
    );
  }
  return <FormBody title={title} webhook={existing.data} />;
}

function ErrorSummary({ errors, broker }: { errors: FieldError[]; broker: boolean }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => ref.current?.focus(), [errors]);
  const jump = (e: Event, key: string): void => {
    e.preventDefault(); // the fragment holds the route: focus the control instead of following the link
    document.getElementById(controlId(key))?.focus();
  };
  return (
    <div class="alert alert-error summary" role="alert" tabIndex={-1} ref={ref}>
      <h2>The webhook could not be saved</h2>
      <ul>
        {errors.map((e, i) => {
          const key = errorKey(e.field, broker);
          return <li key={i}><a href={`#${controlId(key)}`} onClick={(ev) => jump(ev, key)}>{labelOf(key, broker)}</a>: {e.message}</li>;
        })}
      </ul>
    </div>
  );
}

function FormBody({ title, webhook }: { title: string; webhook: Webhook | null }) {
  const { api, catalog } = useTenant();
  const [draft, setDraft] = useState<Draft>(() => (webhook ? fromWebhook(webhook, catalog) : emptyDraft()));
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [busy, setBusy] = useState(false);
  const [previewType, setPreviewType] = useState<string | undefined>();
  const set = (change: Partial<Draft>): void => setDraft((d) => ({ ...d, ...change }));

  const input = useMemo(() => toInput(draft, catalog), [draft, catalog]);
  const filters = useMemo(() => filterFields(draft, catalog), [draft.events, draft.patterns, catalog]);
  const eventType = previewType && draft.events.includes(previewType) ? previewType : draft.events[0];
  const fieldErrors = byField(errors, isBroker(draft));
  const back = webhook ? `#/webhooks/${webhook.id}` : '#/webhooks';

  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    setBusy(true);
    try {
      const saved = webhook ? await api.updateWebhook(webhook.id, input) : await api.createWebhook(input);
      go(`/webhooks/${saved.id}`, webhook ? { saved: '1' } : { created: '1' });
    } catch (err) {
      const fields = err instanceof ApiError ? err.fields : [];
      setErrors(fields.length ? fields : [{ field: 'form', message: (err as Error).message }]);
      setBusy(false);
    }
  };

  return (
    <Screen title={title} back={<a href={back}>← {webhook ? 'Back to the webhook' : 'Webhooks'}</a>}>
      <div class="form-grid">
        <form class="form-main" onSubmit={(e) => void submit(e)} noValidate aria-label={title}>
          {errors.length > 0 && <ErrorSummary errors={errors} broker={isBroker(draft)} />}
          <section class="card">
            <h2>Destination</h2>
            <DestinationFields draft={draft} errors={fieldErrors} set={set} editing={Boolean(webhook)} />
            <TextField id={controlId('description')} label="Description (optional)" value={draft.description} onValue={(description) => set({ description })} error={fieldErrors.description}
              hint="For you: what this webhook feeds." />
            <Check id={controlId('enabled')} label="Enabled" checked={draft.enabled} onValue={(enabled) => set({ enabled })}
              hint="Disabled, it gets no new events; what it still had to send is held until it is enabled again." />
          </section>
          <section class="card">
            <h2>Which events</h2>
            <EventPicker catalog={catalog} picked={draft.events} patterns={draft.patterns} error={fieldErrors.events}
              onPicked={(events) => set({ events })} onPatterns={(patterns) => set({ patterns })} />
            <FilterInputs fields={filters} values={draft.filters} errors={fieldErrors} onChange={(f) => set({ filters: f })} />
            <ConditionEditor value={draft.condition} eventType={eventType} error={fieldErrors.condition} onChange={(condition) => set({ condition })} />
          </section>
          <section class="card">
            <h2>How to send them</h2>
            <RequestFields draft={draft} errors={fieldErrors} set={set} />
            <SigningFields draft={draft} errors={fieldErrors} set={set} creating={!webhook} />
            <HeadersEditor rows={draft.headers} error={fieldErrors.headers} onChange={(headers) => set({ headers })} />
            <DeliveryFields draft={draft} errors={fieldErrors} set={set} />
          </section>
          <div class="actions form-actions">
            <button type="submit" class="button-primary" disabled={busy}>{busy ? 'Saving…' : webhook ? 'Save changes' : 'Create webhook'}</button>
            <a class="button button-secondary" href={back}>Cancel</a>
          </div>
          <p class="sr-only" role="status">{busy ? 'Saving the webhook…' : ''}</p>
        </form>
        <aside class="form-side">
          <RequestPreview input={input} exactTypes={draft.events} eventType={eventType} onEventType={setPreviewType} />
        </aside>
      </div>
    </Screen>
  );
}
