// The webhook form's state, and its translation to and from the API: what the user types
// (comma-separated lists, header rows, numbers as text) ⇄ WebhookIn.
import { HTTP_METHODS, PAYLOAD_FORMATS, SIGNATURE_SCHEMES } from '../../core/model.ts';
import { typeMatches } from '../../core/matching.ts';
import type { EventType, FieldError, Webhook, WebhookInput } from '../api/types.ts';
import { composeBrokerUrl, emptyBroker, parseDestination, type BrokerFields, type DestinationKind } from './destination.ts';

export type HttpMethod = (typeof HTTP_METHODS)[number];
export type PayloadFormat = (typeof PAYLOAD_FORMATS)[number];
export type RetryMode = Webhook['retry']['mode'];
export type SignatureScheme = (typeof SIGNATURE_SCHEMES)[number];

export interface HeaderRow {
  key: number; // stable across edits, for rendering
  name: string;
  value: string;
  /** Sealed at rest and always shown redacted (secret_headers). */
  secret: boolean;
}

export interface Draft {
  /** An HTTPS endpoint (`url`) or a broker (`broker`'s fields, composed into the URL). */
  kind: DestinationKind;
  url: string;
  broker: BrokerFields;
  description: string;
  enabled: boolean;
  /** Exact event types picked from the catalog. */
  events: string[];
  /** Other patterns, comma-separated: `invoice.*`, `*`. */
  patterns: string;
  /** Filter field → allowed values, comma-separated. */
  filters: Record<string, string>;
  condition: string;
  method: HttpMethod;
  headers: HeaderRow[];
  format: PayloadFormat;
  template: string;
  contentType: string;
  /** `name` or `key=name` (a Frappe row: sent under key), comma-separated. */
  formFields: string;
  /** Form fields sent as one JSON object, as Frappe does, rather than urlencoded. */
  formJson: boolean;
  frappeTemplates: boolean;
  exportKey: string;
  signatureScheme: SignatureScheme;
  /** On creation only: a secret to keep (Frappe's is any text); generated when empty. */
  secret: string;
  retry: RetryMode;
  schedule: string;
  maxConcurrency: string;
  rateLimit: string;
  timeout: string;
  followRedirects: boolean;
  autoDisable: boolean;
}

let nextKey = 1;
export const headerRow = (name = '', value = '', secret = false): HeaderRow => ({ key: nextKey++, name, value, secret });

const list = (text: string): string[] => text.split(',').map((s) => s.trim()).filter(Boolean);
const numberOrNull = (text: string): number | null => (text.trim() === '' ? null : Number(text));
type FormField = NonNullable<WebhookInput['form_fields']>[number];
const formFieldText = (f: FormField): string => (typeof f === 'string' ? f : `${f.key}=${f.field}`);
function formField(text: string): FormField {
  const at = text.indexOf('=');
  return at < 0 ? text : { key: text.slice(0, at).trim(), field: text.slice(at + 1).trim() };
}

export function emptyDraft(): Draft {
  return {
    kind: 'http', url: '', broker: emptyBroker(), description: '', enabled: true, events: [], patterns: '', filters: {}, condition: '', method: 'POST', headers: [],
    format: 'standard', template: '', contentType: '', formFields: '', formJson: false, frappeTemplates: false, exportKey: '',
    signatureScheme: 'standard', secret: '', retry: 'default', schedule: '0, 1m, 10m, 1h',
    maxConcurrency: '', rateLimit: '', timeout: '', followRedirects: false, autoDisable: true,
  };
}

export function fromWebhook(w: Webhook, catalog: readonly EventType[]): Draft {
  const known = new Set(catalog.map((t) => t.name));
  const destination = parseDestination(w.url);
  return {
    ...(destination && destination.kind !== 'http' ? { kind: destination.kind, url: '', broker: destination.fields } : { kind: 'http', url: w.url, broker: emptyBroker() }),
    description: w.description ?? '',
    enabled: w.enabled,
    events: w.events.filter((e) => known.has(e)),
    patterns: w.events.filter((e) => !known.has(e)).join(', '),
    filters: Object.fromEntries(Object.entries(w.filters).map(([field, values]) => [field, values.map(String).join(', ')])),
    condition: w.condition ?? '',
    method: w.method,
    headers: Object.entries(w.headers).map(([name, value]) => headerRow(name, value, w.secret_headers.includes(name.toLowerCase()))),
    format: w.format,
    template: w.template ?? '',
    contentType: w.format === 'template' ? w.content_type ?? '' : '',
    formFields: (w.form_fields ?? []).map(formFieldText).join(', '),
    formJson: w.format === 'form' && (w.content_type ?? '').includes('json'),
    frappeTemplates: w.template_dialect === 'frappe',
    exportKey: w.export_key ?? '',
    signatureScheme: w.signature_scheme,
    secret: '',
    retry: w.retry.mode,
    schedule: (w.retry.schedule ?? ['0', '1m', '10m', '1h']).join(', '),
    maxConcurrency: w.max_concurrency === null ? '' : String(w.max_concurrency),
    rateLimit: w.rate_limit === null ? '' : String(w.rate_limit),
    timeout: w.timeout ?? '',
    followRedirects: w.follow_redirects,
    autoDisable: w.auto_disable,
  };
}

/** Whether the draft publishes to a broker: POST only, no redirects (the API refuses others). */
export const isBroker = (d: Pick<Draft, 'kind'>): boolean => d.kind !== 'http';

/** The URL the draft sends: the endpoint's as typed, or the broker's composed from its fields. */
export const draftUrl = (d: Draft): string => (d.kind === 'http' ? d.url.trim() : composeBrokerUrl(d.kind, d.broker));

/** Every event pattern the draft subscribes to. */
export const subscribed = (d: Draft): string[] => [...d.events, ...list(d.patterns)];

/** The fields webhooks may filter on for the subscribed types, with their labels. */
export function filterFields(d: Draft, catalog: readonly EventType[]): { field: string; label: string }[] {
  const patterns = subscribed(d);
  const seen = new Map<string, string>();
  for (const t of catalog) {
    if (!patterns.some((p) => typeMatches(p, t.name))) continue;
    for (const f of t.filters) if (!seen.has(f.field)) seen.set(f.field, f.label);
  }
  return [...seen].map(([field, label]) => ({ field, label }));
}

export function toInput(d: Draft, catalog: readonly EventType[]): WebhookInput {
  const filters = Object.fromEntries(filterFields(d, catalog).map(({ field }) => [field, list(d.filters[field] ?? '')] as const).filter(([, v]) => v.length));
  const formFields = list(d.formFields).map(formField);
  return {
    url: draftUrl(d),
    description: d.description.trim() || null,
    enabled: d.enabled,
    events: subscribed(d),
    filters,
    condition: d.condition.trim() || null,
    method: isBroker(d) ? 'POST' : d.method,
    headers: Object.fromEntries(d.headers.filter((h) => h.name.trim()).map((h) => [h.name.trim(), h.value])),
    secret_headers: d.headers.filter((h) => h.name.trim() && h.secret).map((h) => h.name.trim()),
    format: d.format,
    template: d.format === 'template' ? d.template || null : null,
    content_type: d.format === 'template' ? d.contentType.trim() || null : d.format === 'form' && d.formJson ? 'application/json' : null,
    form_fields: d.format === 'form' && formFields.length ? formFields : null,
    template_dialect: d.format === 'template' && d.frappeTemplates ? 'frappe' : 'jinja',
    export_key: d.format === 'audit' ? d.exportKey || null : null,
    signature_scheme: d.signatureScheme,
    ...(d.secret.trim() ? { secret: d.secret.trim() } : {}),
    retry: d.retry === 'custom' ? { mode: 'custom', schedule: list(d.schedule) } : { mode: d.retry },
    max_concurrency: numberOrNull(d.maxConcurrency),
    rate_limit: numberOrNull(d.rateLimit),
    timeout: d.timeout.trim() || null,
    follow_redirects: isBroker(d) ? false : d.followRedirects,
    auto_disable: d.autoDisable,
  };
}

/** Which form control an API error belongs to (`events[1]` → events, `webhook.url` → url). */
export function errorKey(field: string, broker = true): string {
  const f = field.replace(/^webhook\./, '');
  if (f.startsWith('filters.')) return f;
  // A broker URL's parameter (`url.routing_key`): the broker's field that holds it (the URL
  // field itself while the endpoint is typed as a URL).
  if (/^url\.[a-z_]+$/.test(f)) return broker ? f : 'url';
  const head = /^[a-z_]+/.exec(f)?.[0] ?? 'form';
  return head;
}

/** The control's element id for an error key. */
export const controlId = (key: string): string => `wf-${key.replace(/[^A-Za-z0-9_-]/g, '-')}`;

export type FieldErrors = Record<string, string>;

export function byField(errors: readonly FieldError[], broker = true): FieldErrors {
  const out: FieldErrors = {};
  for (const e of errors) {
    const key = errorKey(e.field, broker);
    // Name the part within the control (a header, a delay), except for lists whose messages name it.
    const part = e.field.replace(/^webhook\./, '').slice(key.length).replace(/^\./, '');
    const message = part && key !== 'events' ? `${part}: ${e.message}` : e.message;
    out[key] = out[key] ? `${out[key]}; ${message}` : message;
  }
  return out;
}
