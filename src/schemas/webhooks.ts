import { z } from 'zod';
import { formatDurationMs, MAX_RETRY_DELAY_MS } from '../core/duration.ts';
import { HTTP_METHODS, PAYLOAD_FORMATS, SIGNATURE_SCHEMES, TEMPLATE_DIALECTS, WEBHOOK_ORDERINGS, type Webhook } from '../core/model.ts';
import { redactHeaders } from '../core/redaction.ts';
import { SECRET_MAX_CHARS } from '../core/signing.ts';
import { CONDITION_MAX_CHARS } from '../core/conditions.ts';
import { destinationKind, parseBrokerUrl, redactUrlPassword } from '../core/destinations.ts';
import { TEMPLATE_MAX_SOURCE_CHARS } from '../render/renderer.ts';
import { durationWithin, EventPattern, Iso, iso, isoOrNull } from './common.ts';

// Headers only the connection may set, and the signatures Relais computes. Content-Type and
// User-Agent rows are honoured (core/request.ts): Frappe's UI adds the first, products brand the second.
const RESERVED_HEADERS = new Set([
  'host', 'content-length', 'transfer-encoding', 'connection', 'keep-alive', 'upgrade', 'te',
  'trailer', 'proxy-authorization', 'proxy-authenticate', 'proxy-connection', 'expect',
  'webhook-id', 'webhook-timestamp', 'webhook-signature', 'x-frappe-webhook-signature',
]);
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$/;
// What undici can send: latin-1 (a ByteString), tab and visible characters only. An emoji or a
// control character would make every delivery fail, or split the header.
const HEADER_VALUE = /^[\t\x20-\x7e\xa0-\xff]{0,2000}$/;
// WHATWG URL parsing strips tabs and newlines, trims spaces and control characters, and reads
// `http:///host` as `http://host`: refuse instead of storing a URL other than the one written.
// eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
const URL_UNSAFE_CHARS = /[\x00-\x20\x7f]/;
const URL_HOST_FIRST = /^https?:\/\/[^/\\?#]/i;

// The text as written is checked first: z.url() hands on its trimmed, stripped version.
const HttpUrl = z.string()
  .refine((u) => URL_HOST_FIRST.test(u), 'write the host right after http:// or https://')
  .pipe(z.url({ protocol: /^https?$/, hostname: z.regexes.hostname })
    .refine((u) => !URL.canParse(u) || (!new URL(u).username && !new URL(u).password), 'credentials in the URL are not allowed: send them in headers'));

const SCHEMES_ACCEPTED = 'https, http, amqp, amqps, nats, tls (NATS over TLS), redis, rediss, mqtt or mqtts';

/**
 * An http(s) URL as before issue 21, or a broker's (core/destinations.ts), each of its problems
 * named by its parameter (`url.routing_key`); any other scheme is refused.
 */
export const WebhookUrl = z.string().max(2048)
  .refine((u) => !URL_UNSAFE_CHARS.test(u), 'spaces and control characters (tab, CR, LF, NUL) are not allowed: percent-encode them')
  .superRefine((u, ctx) => {
    if (URL_UNSAFE_CHARS.test(u)) return;
    const kind = destinationKind(u);
    if (kind === undefined) {
      ctx.addIssue({ code: 'custom', message: `Invalid URL: the accepted schemes are ${SCHEMES_ACCEPTED}` });
    } else if (kind === 'http') {
      const checked = HttpUrl.safeParse(u);
      if (!checked.success) for (const issue of checked.error.issues) ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path });
    } else {
      const parsed = parseBrokerUrl(u);
      if ('problems' in parsed) {
        for (const p of parsed.problems) ctx.addIssue({ code: 'custom', message: p.message, path: p.field === 'url' ? [] : [p.field.slice('url.'.length)] });
      }
    }
  })
  .meta({
    format: 'uri',
    description: 'Where deliveries are sent: an http or https URL (no credentials: send them in headers), or a broker: '
      + 'amqp(s)://user:pass@host:5672/vhost?exchange=X&routing_key=Y, nats://host:4222?subject=X (tls:// for TLS), '
      + 'redis(s)://host:6379/0?stream=X&maxlen=N, mqtt(s)://host:1883?topic=X&qos=1. A broker URL\'s password is sealed at rest and shown as [redacted]; '
      + 'sent back as shown, it keeps the stored password',
  });

export const Headers = z.record(z.string(), z.string()).superRefine((headers, ctx) => {
  if (Object.keys(headers).length > 30) return ctx.addIssue({ code: 'custom', message: 'at most 30 headers' });
  for (const [name, value] of Object.entries(headers)) {
    if (!HEADER_NAME.test(name)) ctx.addIssue({ code: 'custom', path: [name], message: 'not a valid header name' });
    else if (RESERVED_HEADERS.has(name.toLowerCase())) ctx.addIssue({ code: 'custom', path: [name], message: 'this header is set by Relais or the connection and cannot be overridden' });
    if (!HEADER_VALUE.test(value)) ctx.addIssue({ code: 'custom', path: [name], message: 'header values are at most 2000 latin-1 characters, no control characters or emoji (HTTP cannot send them)' });
  }
}).describe('Extra request headers, e.g. an API key the receiver expects');

export const Filters = z.record(
  z.string().max(200).regex(/^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*$/, 'a dotted path into data'),
  z.array(z.union([z.string().max(1000), z.number(), z.boolean(), z.null()])).max(500),
).refine((f) => Object.keys(f).length <= 50, 'at most 50 fields').describe('field → allowed values; an event is delivered only when every field has an allowed value');

// Checked against the webhook's signature scheme by the service (services/webhooks.ts).
export const Secret = z.string().min(1).max(SECRET_MAX_CHARS)
  .describe('scheme "standard": whsec_ followed by 24 to 64 base64-encoded bytes; scheme "frappe": any text of 1 to 512 characters, kept as given; generated when absent');

const DATA_PATH = z.string().max(200).regex(/^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*$/, 'a dotted path into data');
export const FormFieldIn = z.union([
  DATA_PATH,
  z.strictObject({ key: z.string().min(1).max(200).describe('The name it is sent under'), field: DATA_PATH }),
]).describe('A field of data: its dotted path (sent under that name), or {key, field} as Frappe\'s rows');

/** Ids a product brings from its own system when it imports its webhooks (Creads keeps its ids). */
export const WebhookId = z.string().min(1).max(100).regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]*$/, 'letters, digits and _ . : - (starting with a letter or digit)');

export const RetryIn = z.discriminatedUnion('mode', [
  z.strictObject({ mode: z.literal('default') }),
  z.strictObject({ mode: z.literal('custom'), schedule: z.array(durationWithin(0, MAX_RETRY_DELAY_MS, 'from 0 to 30d')).min(1).max(30).describe('Delay before each attempt, the first attempt\'s first (usually "0")') }),
  z.strictObject({ mode: z.literal('none') }),
]).describe('When to retry a failed delivery: the server\'s schedule, your own delays, or never');

const webhookFields = {
  url: WebhookUrl,
  events: z.array(EventPattern).min(1).max(100).describe('Event types: exact names, "prefix.*" or "*"'),
  enabled: z.boolean().optional(),
  description: z.string().max(1000).nullable().optional(),
  filters: Filters.optional(),
  method: z.enum(HTTP_METHODS).optional().describe('POST by default; GET sends no body'),
  headers: Headers.optional(),
  secret_headers: z.array(z.string().regex(HEADER_NAME, 'a header name')).max(30).optional()
    .describe('Names of headers (case-insensitive) whose values are secret: sealed at rest with RELAIS_ENCRYPTION_KEY, never shown by the API (always sent); each must be in headers'),
  format: z.enum(PAYLOAD_FORMATS).optional(),
  secret: Secret.optional(),
  retry: RetryIn.optional(),
  condition: z.string().min(1).max(CONDITION_MAX_CHARS).nullable().optional()
    .describe('A CEL expression on the event (data, previous, changes, actor, resource, type); the webhook gets the event only when it is true, e.g. data.status == "Open" && data.amount > 100'),
  template: z.string().min(1).max(TEMPLATE_MAX_SOURCE_CHARS).nullable().optional()
    .describe('format "template": a Jinja template rendering the body; it sees data (alias doc), previous, changes, actor, event, tenant'),
  content_type: z.string().max(200).regex(/^[\w!#$&^.+-]+\/[\w!#$&^.+-]+(\s*;\s*[\w.-]+=("[^"]*"|[\w.-]+))*$/, 'a media type such as application/json').nullable().optional()
    .describe('format "template": the body\'s content type (application/json by default; JSON output is checked)'),
  form_fields: z.array(FormFieldIn).min(1).max(100).nullable().optional()
    .describe('format "form": the fields of data sent, as application/x-www-form-urlencoded, or as a JSON object when content_type is application/json (Frappe\'s "Form URL-Encoded" webhooks)'),
  template_dialect: z.enum(TEMPLATE_DIALECTS).optional()
    .describe('format "template": "frappe" prints values as Frappe\'s Jinja does (None for a missing or null value, True/False) and gives templates utils / frappe.utils (flt, cint, cstr, now, nowdate, today); default "jinja": a missing value prints nothing'),
  signature_scheme: z.enum(SIGNATURE_SCHEMES).optional()
    .describe('"standard" (default): Standard Webhooks headers; "frappe": also X-Frappe-Webhook-Signature, base64(HMAC-SHA256(secret as UTF-8, body)), as Frappe sends it'),
  timeout: durationWithin(1_000, 30_000, 'from 1s to 30s').nullable().optional()
    .describe('How long an attempt waits for the answer, e.g. "5s" (default: the server\'s RELAIS_REQUEST_TIMEOUT)'),
  follow_redirects: z.boolean().optional()
    .describe('Follow 301/302/303/307/308 answers, at most 5 hops, each checked like the URL itself; 307 and 308 keep the method, body and signatures, 301/302/303 go on as a GET without body; Authorization and Cookie go to the same origin only (default false: a 3xx is the answer, a failure)'),
  auto_disable: z.boolean().optional()
    .describe('false: failures never disable this webhook nor hold its events (HireHop\'s behaviour); default true: the server\'s policy'),
  export_key: z.string().max(200).nullable().optional().describe('format "audit": a value of your choosing the receiver can check (default: the tenant\'s export_key)'),
  max_concurrency: z.number().int().min(1).max(1000).nullable().optional().describe('Requests in flight at once to this URL (default: the server\'s RELAIS_WEBHOOK_CONCURRENCY)'),
  rate_limit: z.number().min(0.01).max(100_000).nullable().optional().describe('At most this many requests per second (default: no limit)'),
  ordering: z.enum(WEBHOOK_ORDERINGS).optional().describe('"key": the events of one ordering_key are delivered one after the other, in the order accepted; a later one waits while an earlier one is pending or retrying (default "none")'),
};

export const WebhookIn = z.strictObject({
  id: WebhookId.optional().describe('Keep the id it has in your own system (an import); generated (wh_…) when absent'),
  ...webhookFields,
}).meta({ id: 'WebhookIn' });
export type WebhookIn = z.infer<typeof WebhookIn>;

export const WebhookPatch = z.strictObject({ ...webhookFields, url: WebhookUrl.optional(), events: webhookFields.events.optional() })
  .meta({ id: 'WebhookPatch' });
export type WebhookPatch = z.infer<typeof WebhookPatch>;

export const RetryOut = z.object({ mode: z.enum(['default', 'custom', 'none']), schedule: z.array(z.string()).optional() });

export const WebhookOut = z.object({
  id: z.string(),
  url: z.string().describe('A broker URL\'s password is shown as [redacted]'),
  events: z.array(z.string()),
  enabled: z.boolean(),
  description: z.string().nullable(),
  filters: z.record(z.string(), z.array(z.union([z.string(), z.number(), z.boolean(), z.null()]))),
  method: z.enum(HTTP_METHODS),
  headers: z.record(z.string(), z.string()).describe('Values of secret_headers, and of headers named like credentials (auth, key, token, secret, password, signature, cookie), are shown as [redacted]'),
  secret_headers: z.array(z.string()).describe('Lower-case names of the headers whose values are sealed at rest'),
  format: z.enum(PAYLOAD_FORMATS),
  retry: RetryOut,
  condition: z.string().nullable(),
  template: z.string().nullable(),
  content_type: z.string().nullable(),
  form_fields: z.array(z.union([z.string(), z.object({ key: z.string(), field: z.string() })])).nullable(),
  template_dialect: z.enum(TEMPLATE_DIALECTS),
  signature_scheme: z.enum(SIGNATURE_SCHEMES),
  timeout: z.string().nullable(),
  follow_redirects: z.boolean(),
  auto_disable: z.boolean(),
  export_key: z.string().nullable(),
  max_concurrency: z.number().int().nullable(),
  rate_limit: z.number().nullable(),
  ordering: z.enum(WEBHOOK_ORDERINGS),
  disabled_reason: z.string().nullable().describe('Why Relais disabled it (repeated failures, 410 Gone); null otherwise'),
  health: z.object({
    consecutive_failures: z.number().int().describe('Failed attempts in a row; a success resets it'),
    failing_since: Iso.nullable(),
    last_success_at: Iso.nullable().describe('The latest successful attempt, to within a second: while a webhook keeps succeeding its record is written at most once a second'),
    recent: z.object({
      attempts: z.number().int(),
      failures: z.number().int(),
    }).optional().describe('Attempts over the last 24 hours (the latest 100 at most) and how many failed; given when webhooks are read'),
  }),
  created_at: Iso,
  updated_at: Iso,
}).meta({ id: 'WebhookOut' });

export const WebhookCreated = WebhookOut.extend({ secret: z.string().describe('The signing secret, shown on creation') })
  .meta({ id: 'WebhookCreated' });
export const SecretOut = z.object({ secret: z.string() }).meta({ id: 'SecretOut' });
export const RotatedOut = z.object({
  secret: z.string().describe('The new signing secret'),
  previous_secret_expires_at: Iso.nullable().describe('Until then, requests also carry a signature by the previous secret'),
}).meta({ id: 'RotatedOut' });

export function toWebhookOut(w: Webhook, recent?: { attempts: number; failures: number }): z.infer<typeof WebhookOut> {
  return {
    id: w.id,
    url: redactUrlPassword(w.url),
    events: w.events,
    enabled: w.enabled,
    description: w.description,
    filters: w.filters,
    method: w.method,
    headers: redactHeaders(w.headers, w.secretHeaders),
    secret_headers: w.secretHeaders,
    format: w.format,
    retry: w.retry.mode === 'custom' ? { mode: 'custom', schedule: w.retry.scheduleMs.map(formatDurationMs) } : { mode: w.retry.mode },
    condition: w.condition,
    template: w.template,
    content_type: w.contentType,
    form_fields: w.formFields,
    template_dialect: w.templateDialect,
    signature_scheme: w.signatureScheme,
    timeout: w.timeoutMs === null ? null : formatDurationMs(w.timeoutMs),
    follow_redirects: w.followRedirects,
    auto_disable: w.autoDisable,
    export_key: w.exportKey,
    max_concurrency: w.maxConcurrency,
    rate_limit: w.rateLimit,
    ordering: w.ordering,
    disabled_reason: w.disabledReason,
    health: {
      consecutive_failures: w.consecutiveFailures, failing_since: isoOrNull(w.failingSince), last_success_at: isoOrNull(w.lastSuccessAt),
      ...(recent ? { recent } : {}),
    },
    created_at: iso(w.createdAt),
    updated_at: iso(w.updatedAt),
  };
}
