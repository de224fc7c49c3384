// Row ⇄ domain mapping, shared by both engines.
import type { Selectable } from 'kysely';
import type { Attempt, Delivery, DeliveryStatus, ErrorKind, EventType, HttpMethod, PayloadFormat, RelaisEvent, SignatureScheme, TemplateDialect, Tenant, Webhook, WebhookOrdering } from '../../core/model.ts';
import type { AttemptsTable, DeliveriesTable, EventTypesTable, EventsTable, TenantsTable, WebhooksTable } from '../schema.ts';

function parse<T>(text: string): T;
function parse<T>(text: string | null): T | null;
function parse<T>(text: string | null): T | null {
  return text === null ? null : (JSON.parse(text) as T);
}
export const json = (value: unknown): string => JSON.stringify(value);
export const jsonOrNull = (value: unknown): string | null => (value === null || value === undefined ? null : JSON.stringify(value));

// pg returns bigint as string unless told otherwise; the engines parse int8, this guards the rest.
const num = (v: number | string): number => (typeof v === 'number' ? v : Number(v));
const numOrNull = (v: number | string | null): number | null => (v === null ? null : num(v));

export function toTenant(r: Selectable<TenantsTable>): Tenant {
  return { id: r.id, name: r.name, notifyEmails: parse<string[]>(r.notify_emails), exportKey: r.export_key, createdAt: num(r.created_at) };
}

export function toEventType(r: Selectable<EventTypesTable>): EventType {
  return {
    name: r.name,
    description: r.description,
    schema: parse(r.schema),
    example: parse(r.example),
    filters: parse(r.filters),
    createdAt: num(r.created_at),
    updatedAt: num(r.updated_at),
  };
}

export function toEvent(r: Selectable<EventsTable>): RelaisEvent {
  return {
    id: r.id,
    tenantId: r.tenant_id,
    idempotencyKey: r.idempotency_key,
    type: r.type,
    occurredAt: num(r.occurred_at),
    receivedAt: num(r.received_at),
    dataJson: r.data,
    actor: parse(r.actor),
    resource: parse(r.resource),
    previous: parse(r.previous),
    changes: parse(r.changes),
    changesJson: r.changes,
    deliveriesCount: num(r.deliveries_count),
    orderingKey: r.ordering_key,
  };
}

/** A webhook row, with its tenant's export key where it was read for delivery (webhooks.ts). */
export type WebhookRow = Selectable<WebhooksTable> & { tenant_export_key?: string | null };

/**
 * `headers`: the headers with their secret values opened (webhooks.ts, readWebhook); when absent,
 * as stored — sealed values stay sealed, which matching (which never reads them) is content with.
 */
export function toWebhook(r: WebhookRow, secret: string, previousSecret: string | null = null, headers?: Record<string, string>): Webhook {
  return {
    id: r.id,
    tenantId: r.tenant_id,
    url: r.url,
    events: parse(r.events),
    enabled: Boolean(num(r.enabled)),
    description: r.description,
    filters: parse(r.filters),
    method: r.method as HttpMethod,
    headers: headers ?? parse(r.headers),
    secretHeaders: parse(r.secret_headers),
    format: r.format as PayloadFormat,
    secret,
    retry: parse(r.retry),
    condition: r.condition,
    template: r.template,
    contentType: r.content_type,
    formFields: parse(r.form_fields),
    exportKey: r.export_key,
    tenantExportKey: r.tenant_export_key ?? null,
    maxConcurrency: r.max_concurrency === null ? null : num(r.max_concurrency),
    rateLimit: r.rate_limit === null ? null : Number(r.rate_limit),
    ordering: r.ordering as WebhookOrdering,
    signatureScheme: r.signature_scheme as SignatureScheme,
    templateDialect: r.template_dialect as TemplateDialect,
    timeoutMs: numOrNull(r.timeout_ms),
    followRedirects: Boolean(num(r.follow_redirects)),
    autoDisable: Boolean(num(r.auto_disable)),
    previousSecret,
    previousSecretUntil: numOrNull(r.previous_secret_until),
    consecutiveFailures: num(r.consecutive_failures),
    failingSince: numOrNull(r.failing_since),
    lastSuccessAt: numOrNull(r.last_success_at),
    disabledReason: r.disabled_reason,
    createdAt: num(r.created_at),
    updatedAt: num(r.updated_at),
  };
}

export function toDelivery(r: Selectable<DeliveriesTable>): Delivery {
  return {
    id: r.id,
    tenantId: r.tenant_id,
    eventId: r.event_id,
    eventType: r.event_type,
    webhookId: r.webhook_id,
    status: r.status as DeliveryStatus,
    attempts: num(r.attempts),
    dueAt: numOrNull(r.due_at),
    waitingForWebhook: r.parked_for !== null && r.status === 'pending',
    held: r.status === 'pending' && r.due_at === null && !Number(r.blocked),
    orderingKey: r.ordering_key,
    waitingForKey: r.status === 'pending' && Number(r.blocked) === 1,
    lastAttemptAt: numOrNull(r.last_attempt_at),
    lastStatusCode: numOrNull(r.last_status_code),
    createdAt: num(r.created_at),
    updatedAt: num(r.updated_at),
  };
}

export function toAttempt(r: Selectable<AttemptsTable>): Attempt {
  return {
    id: r.id,
    deliveryId: r.delivery_id,
    tenantId: r.tenant_id,
    webhookId: r.webhook_id,
    startedAt: num(r.started_at),
    durationMs: num(r.duration_ms),
    request: parse(r.request),
    response: parse(r.response),
    errorKind: r.error_kind as ErrorKind | null,
    errorMessage: r.error_message,
    succeeded: Boolean(num(r.succeeded)),
  };
}

/**
 * Rows in slices, one statement each: SQLite allows 32,766 bound parameters per statement and
 * PostgreSQL 65,535 (an attempt row has 11).
 */
export function chunks<T>(items: readonly T[], size = 1_000): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Sorts by an id, ascending: the order every transaction takes rows in (lock order: store.ts). */
export const byId = <T>(id: (item: T) => string) => (a: T, b: T): number => (id(a) < id(b) ? -1 : id(a) > id(b) ? 1 : 0);
