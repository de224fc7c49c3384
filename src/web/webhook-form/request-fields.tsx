// How the request is made: method, payload format and the format's own options.
import { HTTP_METHODS, PAYLOAD_FORMATS } from '../../core/model.ts';
import { SelectField, TextAreaField, TextField } from '../components/field.tsx';
import { controlId, isBroker, type Draft, type FieldErrors, type PayloadFormat } from './draft.ts';
import { Check } from './check.tsx';

const FORMATS: Record<PayloadFormat, string> = {
  standard: 'Standard Webhooks: {type, timestamp, data}',
  simple: 'Simple: {data, event, company_id}',
  audit: 'Audit: who changed what, {…, changes}',
  resource: 'Resource: {event, resource_type, resource_gid, resource}',
  template: 'Template: your own body (Jinja)',
  form: 'Form fields (urlencoded, or a JSON object as Frappe sends)',
};

interface RequestFieldsProps {
  draft: Draft;
  errors: FieldErrors;
  set: (change: Partial<Draft>) => void;
}

export function RequestFields({ draft, errors, set }: RequestFieldsProps) {
  return (
    <>
      <div class="field-row">
        {/* A broker publishes the body as a message: POST only (the API refuses other methods). */}
        {!isBroker(draft) && (
          <SelectField id={controlId('method')} label="Method" value={draft.method} error={errors.method}
            options={HTTP_METHODS.map((m) => [m, m] as const)} onValue={(method) => set({ method })} hint="GET sends no body." />
        )}
        <SelectField id={controlId('format')} label="Payload format" value={draft.format} error={errors.format}
          options={PAYLOAD_FORMATS.map((f) => [f, FORMATS[f]] as const)} onValue={(format) => set({ format })} hint="The preview shows the exact body." />
      </div>
      {draft.format === 'template' && (
        <>
          <TextAreaField id={controlId('template')} label="Body template" rows={6} class="mono" value={draft.template} onValue={(template) => set({ template })} error={errors.template}
            placeholder={'{"candidate": {{ data.candidate.email | tojson }}}'}
            hint={<>A Jinja template; it sees <code>data</code> (alias <code>doc</code>), <code>previous</code>, <code>changes</code>, <code>actor</code>, <code>event</code>, <code>tenant</code>.</>} />
          <Check id={controlId('template_dialect')} label="Frappe's Jinja" checked={draft.frappeTemplates} onValue={(frappeTemplates) => set({ frappeTemplates })}
            hint="A missing or null value renders as None, as in Frappe's webhook templates." />
          <TextField id={controlId('content_type')} label="Content type (optional)" value={draft.contentType} onValue={(contentType) => set({ contentType })} error={errors.content_type}
            placeholder="application/json" hint="application/json by default; JSON output is checked." />
        </>
      )}
      {draft.format === 'form' && (
        <TextField id={controlId('form_fields')} label="Fields to send" value={draft.formFields} onValue={(formFields) => set({ formFields })} error={errors.form_fields}
          placeholder="applicant.id, email=candidate.email" hint="Comma-separated paths into the event's data; key=path sends it under key (Frappe's rows)." />
      )}
      {draft.format === 'form' && (
        <Check id={controlId('content_type')} label="Send them as one JSON object" checked={draft.formJson} onValue={(formJson) => set({ formJson })}
          hint={'{"key": value, …} with Content-Type application/json, as Frappe\'s "Form URL-Encoded" webhooks really send.'} />
      )}
      {draft.format === 'audit' && (
        <TextField id={controlId('export_key')} label="Export key (optional)" value={draft.exportKey} onValue={(exportKey) => set({ exportKey })} error={errors.export_key}
          hint="A value of your choosing, sent in every body, that your endpoint can check." />
      )}
    </>
  );
}

/** How requests are signed; on creation, a secret to keep (one brought from the product). */
export function SigningFields({ draft, errors, set, creating }: RequestFieldsProps & { creating: boolean }) {
  return (
    <>
      <SelectField id={controlId('signature_scheme')} label="Signature" value={draft.signatureScheme} error={errors.signature_scheme}
        options={[['standard', 'Standard Webhooks (webhook-signature)'], ['frappe', 'Standard Webhooks + Frappe\'s X-Frappe-Webhook-Signature']]}
        onValue={(signatureScheme) => set({ signatureScheme })} hint="Frappe's header is base64(HMAC-SHA256(secret, body)), for receivers written for Frappe or Dokos." />
      {creating && (
        <TextField id={controlId('secret')} label="Secret (optional)" value={draft.secret} onValue={(secret) => set({ secret })} error={errors.secret}
          hint={draft.signatureScheme === 'frappe' ? 'Your Frappe webhook secret, any text; generated when empty.' : 'whsec_ followed by base64; generated when empty.'} />
      )}
    </>
  );
}

export function DeliveryFields({ draft, errors, set }: RequestFieldsProps) {
  return (
    <details class="more" open={Boolean(errors.retry || errors.max_concurrency || errors.rate_limit || errors.timeout)}>
      <summary>Retries, failures and limits</summary>
      <SelectField id={controlId('retry')} label="When a request fails" value={draft.retry} error={errors.retry}
        options={[['default', 'Retry on the server\'s schedule (up to 8 attempts over about a day)'], ['custom', 'Retry after my own delays'], ['none', 'Do not retry (one attempt)']]}
        onValue={(retry) => set({ retry })} />
      {draft.retry === 'custom' && (
        <TextField id={controlId('schedule')} label="Delays before each attempt" value={draft.schedule} onValue={(schedule) => set({ schedule })}
          hint="Comma-separated durations, the first attempt's first: 0, 10s, 5m, 1h." />
      )}
      <div class="field-row">
        <TextField id={controlId('max_concurrency')} label="Requests at once (optional)" inputMode="numeric" value={draft.maxConcurrency} onValue={(maxConcurrency) => set({ maxConcurrency })} error={errors.max_concurrency} hint="At most this many requests in flight." />
        <TextField id={controlId('rate_limit')} label="Requests per second (optional)" inputMode="decimal" value={draft.rateLimit} onValue={(rateLimit) => set({ rateLimit })} error={errors.rate_limit} hint="No limit when empty." />
      </div>
      <TextField id={controlId('timeout')} label="Timeout (optional)" value={draft.timeout} onValue={(timeout) => set({ timeout })} error={errors.timeout}
        placeholder="5s" hint="How long to wait for an answer, 1s to 30s; the server's default when empty." />
      {!isBroker(draft) && (
        <Check id={controlId('follow_redirects')} label="Follow redirects" checked={draft.followRedirects} onValue={(followRedirects) => set({ followRedirects })}
          hint="Up to 5 hops, each checked like the URL; off, a 3xx answer is the answer." />
      )}
      <Check id={controlId('auto_disable')} label="Disable it after repeated failures" checked={draft.autoDisable} onValue={(autoDisable) => set({ autoDisable })}
        hint="Unchecked, failures never disable it nor hold its later events: each event is sent when due." />
    </details>
  );
}
