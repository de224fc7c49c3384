// The domain as the store hands it out. Times are epoch milliseconds; JSON values are parsed.
import type { FilterValue } from './matching.ts';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface Tenant {
  id: string; // the product's own id for its customer (Flatchr's company_id)
  name: string;
  notifyEmails: string[];
  /** HireHop's company export key: sent in the `audit` format by webhooks that have none of their own. */
  exportKey: string | null;
  createdAt: number;
}

export interface EventTypeFilter {
  field: string; // dotted path into data
  label: string;
}

export interface EventType {
  name: string;
  description: string | null;
  schema: Json | null;
  example: Json | null;
  filters: EventTypeFilter[];
  createdAt: number;
  updatedAt: number;
}

export interface Actor {
  id?: string | number | undefined;
  name?: string | undefined;
  email?: string | undefined;
}

export interface ResourceRef {
  type: string;
  id: string | number;
}

export interface RelaisEvent {
  id: string;
  tenantId: string;
  idempotencyKey: string | null;
  type: string;
  occurredAt: number;
  receivedAt: number;
  /** The event's data exactly as serialised once at ingest: payloads splice it in as is. */
  dataJson: string;
  actor: Actor | null;
  resource: ResourceRef | null;
  previous: Json | null;
  /** `previous` as stored, its numbers as the producer wrote them: audit's computed changes keep them. */
  previousJson: string | null;
  changes: Json | null;
  /** `changes` as stored, its numbers as the producer wrote them: the audit body splices it in. */
  changesJson: string | null;
  deliveriesCount: number;
  /** Events of one key go, to a webhook with ordering "key", in the order they were accepted. */
  orderingKey: string | null;
}

export const WEBHOOK_ORDERINGS = ['none', 'key'] as const;
export type WebhookOrdering = (typeof WEBHOOK_ORDERINGS)[number];

export const HTTP_METHODS = ['POST', 'PUT', 'PATCH', 'DELETE', 'GET'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];
export const PAYLOAD_FORMATS = ['standard', 'simple', 'audit', 'resource', 'template', 'form'] as const;
export type PayloadFormat = (typeof PAYLOAD_FORMATS)[number];

/** `standard`: Standard Webhooks headers; `frappe`: also Frappe's X-Frappe-Webhook-Signature (seed 002). */
export const SIGNATURE_SCHEMES = ['standard', 'frappe'] as const;
export type SignatureScheme = (typeof SIGNATURE_SCHEMES)[number];

/** `frappe`: templates render a missing or null value as `None`, as Frappe's Jinja does. */
export const TEMPLATE_DIALECTS = ['jinja', 'frappe'] as const;
export type TemplateDialect = (typeof TEMPLATE_DIALECTS)[number];

/** A `form` field: a dotted path into data, sent under its own name or under `key` (Frappe's rows). */
export type FormField = string | { key: string; field: string };

/** `default`: the server's schedule; `custom`: these delays; `none`: one attempt, fire-and-forget. */
export type RetryPolicy =
  | { mode: 'default' }
  | { mode: 'custom'; scheduleMs: number[] } // delays before each attempt, attempt 1 first
  | { mode: 'none' };

export interface Webhook {
  id: string;
  tenantId: string;
  url: string;
  events: string[];
  enabled: boolean;
  description: string | null;
  filters: Record<string, FilterValue[]>;
  method: HttpMethod;
  headers: Record<string, string>;
  /** Lower-case names of `headers` whose values are sealed at rest and never shown (always sent). */
  secretHeaders: string[];
  format: PayloadFormat;
  secret: string;
  retry: RetryPolicy;
  /** A CEL expression on the event; the webhook gets the event only when it is true. */
  condition: string | null;
  /** `template` format: a Jinja template rendering the body, and the body's content type. */
  template: string | null;
  contentType: string | null;
  /** `form` format: fields of data, urlencoded (or a JSON object when contentType is JSON). */
  formFields: FormField[] | null;
  templateDialect: TemplateDialect;
  signatureScheme: SignatureScheme;
  /** How long an attempt waits for an answer (null: the server's RELAIS_REQUEST_TIMEOUT). */
  timeoutMs: number | null;
  /** Follow up to 5 redirects, each hop checked by the SSRF guard (off by default). */
  followRedirects: boolean;
  /** false: failures never disable it nor hold its events (HireHop); true: the server's policy. */
  autoDisable: boolean;
  /** `audit` format: a value of the owner's choosing the receiver can check. */
  exportKey: string | null;
  /** Its tenant's export key, sent when it has none of its own; read with it where it is delivered. */
  tenantExportKey: string | null;
  /** Requests in flight at once to this webhook (null: the server's RELAIS_WEBHOOK_CONCURRENCY). */
  maxConcurrency: number | null;
  /** Requests per second at most (null: no limit). */
  rateLimit: number | null;
  /** "key": the events of one ordering_key go one after the other, in the order accepted. */
  ordering: WebhookOrdering;
  /** During a rotation's overlap, the secret that still signs beside the new one. */
  previousSecret: string | null;
  previousSecretUntil: number | null;
  /** Failure record: failed attempts in a row, since when, and the last success. */
  consecutiveFailures: number;
  failingSince: number | null;
  lastSuccessAt: number | null;
  /** Why it was disabled automatically (null when enabled or disabled by hand). */
  disabledReason: string | null;
  createdAt: number;
  updatedAt: number;
}

/** The secrets that sign a request at `now`: the current one, and the previous during its overlap. */
export function signingSecrets(w: Pick<Webhook, 'secret' | 'previousSecret' | 'previousSecretUntil'>, now: number): string[] {
  return w.previousSecret !== null && (w.previousSecretUntil ?? 0) > now ? [w.secret, w.previousSecret] : [w.secret];
}

export interface Notice {
  id: string;
  tenantId: string;
  kind: 'webhook.disabled';
  subject: string;
  body: string;
  recipients: string[];
  createdAt: number;
  emailedAt: number | null;
  emailError: string | null;
}

export const DELIVERY_STATUSES = ['pending', 'delivering', 'succeeded', 'failed', 'cancelled'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export const DELIVERY_ORIGINS = ['event', 'resend', 'recovery'] as const;
export type DeliveryOrigin = (typeof DELIVERY_ORIGINS)[number];

export interface Delivery {
  id: string;
  /**
   * The webhook-id header its requests carry: stable across retries, and kept by a resend or a
   * recovery of a failed delivery (the first delivery's), so receivers can de-duplicate on it.
   */
  messageId: string;
  /** What made it: its event's ingest (a webhook's test event too), or by hand: a resend, a recovery. */
  origin: DeliveryOrigin;
  tenantId: string;
  eventId: string;
  eventType: string;
  webhookId: string;
  status: DeliveryStatus;
  attempts: number;
  /** When the next attempt is due (pending), or when the lease of the worker holding it ends. */
  dueAt: number | null;
  /**
   * Parked in its webhook's lane: the webhook cannot take it yet (its concurrency cap, rate limit
   * or open circuit), and it goes, in order, as soon as it can; dueAt is then only the latest time.
   */
  waitingForWebhook: boolean;
  /**
   * Held: pending with no due time while its webhook is disabled (by its failure policy, or by hand
   * after it was queued). Kept, and sent in order once the webhook is enabled again.
   */
  held: boolean;
  /** Its event's ordering key, when its webhook delivers in order of key (else null). */
  orderingKey: string | null;
  /** Waiting for an earlier delivery of the same key to succeed, finally fail or be cancelled. */
  waitingForKey: boolean;
  lastAttemptAt: number | null;
  lastStatusCode: number | null;
  createdAt: number;
  updatedAt: number;
}

export const ERROR_KINDS = [
  'timeout', 'connection_refused', 'connection_reset', 'dns', 'tls', 'blocked', 'network', 'template',
  'redirect', // a redirect that may not be followed: too many, not http(s), credentials in the URL
  'internal', // Relais could not record the attempt (a value the store cannot hold): the delivery is failed, not sent again
  'rejected', // a broker refused the message: a negative ack, no stream for the subject, no route, a refused login
] as const;
export type ErrorKind = (typeof ERROR_KINDS)[number];

export interface AttemptRequest {
  method: HttpMethod;
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** One redirect followed (webhooks with followRedirects): the 3xx received, and the request it led to. */
export interface Redirect {
  status: number;
  method: HttpMethod;
  url: string;
}

export interface AttemptResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  bodyTruncated: boolean;
  /** The redirects followed to get this answer, in order (absent: none); the last one's url answered. */
  redirects?: Redirect[];
}

export interface Attempt {
  id: string;
  deliveryId: string;
  tenantId: string;
  webhookId: string;
  startedAt: number;
  durationMs: number;
  request: AttemptRequest;
  response: AttemptResponse | null;
  errorKind: ErrorKind | null;
  errorMessage: string | null;
  succeeded: boolean;
}
