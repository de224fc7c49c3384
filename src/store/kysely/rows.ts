// Row ⇄ domain mapping, shared by both engines.
import type { Insertable, Kysely, Selectable, Transaction } from 'kysely';
import type { Attempt, AttemptRequest, Delivery, DeliveryOrigin, DeliveryStatus, ErrorKind, EventType, HttpMethod, PayloadFormat, RelaisEvent, SignatureScheme, TemplateDialect, Tenant, Webhook, WebhookOrdering } from '../../core/model.ts';
import type { AttemptsTable, Database, DeliveriesTable, EventTypesTable, EventsTable, TenantsTable, WebhooksTable } from '../schema.ts';

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
    previousJson: r.previous,
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

/** A delivery row as the queue and the log read it: without the stored request body (see DELIVERY_COLUMNS). */
export type DeliveryRow = Omit<Selectable<DeliveriesTable>, 'request_body' | 'origin' | 'message_id'>
  // Ingest's rows leave them out (null: an event's own delivery, its own id as webhook-id).
  & Partial<Pick<Selectable<DeliveriesTable>, 'origin' | 'message_id'>>;

/**
 * Every column of a delivery but request_body, which only the attempts' readers need: the claim
 * (which would otherwise send a retried delivery's body back with each lease) and the log read these.
 */
export const DELIVERY_COLUMNS = ['id', 'tenant_id', 'event_id', 'event_type', 'webhook_id', 'status', 'attempts', 'due_at', 'lease_id', 'last_attempt_at',
  'last_status_code', 'parked_for', 'ordering_key', 'blocked', 'origin', 'message_id', 'created_at', 'updated_at'] as const satisfies readonly (keyof DeliveryRow)[];

/** The columns ingest writes, both ways (kysely/events.ts, postgres/ingest-statement.ts); the rest keep their defaults. */
export const NEW_EVENT_COLUMNS = ['id', 'tenant_id', 'idempotency_key', 'type', 'occurred_at', 'received_at', 'data', 'actor', 'resource', 'previous', 'changes',
  'deliveries_count', 'ordering_key'] as const satisfies readonly (keyof Insertable<EventsTable>)[];
export const NEW_DELIVERY_COLUMNS = ['id', 'tenant_id', 'event_id', 'event_type', 'webhook_id', 'status', 'attempts', 'due_at', 'lease_id', 'last_attempt_at',
  'last_status_code', 'parked_for', 'created_at', 'updated_at', 'ordering_key', 'blocked'] as const satisfies readonly (keyof DeliveryRow)[];

export function toDelivery(r: DeliveryRow): Delivery {
  return {
    id: r.id,
    messageId: r.message_id ?? r.id,
    origin: (r.origin ?? 'event') as DeliveryOrigin,
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

/** An attempt's request as stored: without `body` when it sent its delivery's (deliveries.request_body, migration 0014). */
type StoredRequest = Omit<AttemptRequest, 'body'> & { body?: string };

/**
 * An attempt row, its request whole again: `deliveryBody` is its delivery's stored request_body,
 * needed only when the row has no body of its own (storedRequest); rows from before
 * migration 0014 always have theirs.
 */
function toAttempt(r: Selectable<AttemptsTable>, request: StoredRequest, deliveryBody: string | null | undefined): Attempt {
  return {
    id: r.id,
    deliveryId: r.delivery_id,
    tenantId: r.tenant_id,
    webhookId: r.webhook_id,
    startedAt: num(r.started_at),
    durationMs: num(r.duration_ms),
    // Key order as before 0014: method, url, headers, body.
    request: request.body === undefined ? { method: request.method, url: request.url, headers: request.headers, body: deliveryBody ?? '' } : request as AttemptRequest,
    response: parse(r.response),
    errorKind: r.error_kind as ErrorKind | null,
    errorMessage: r.error_message,
    succeeded: Boolean(num(r.succeeded)),
  };
}

/**
 * The request an attempt row stores: all of it, or all but the body when the body sent is the one
 * its delivery stores (`bodyShared`, completions.ts), to which reading puts it back (readAttempts).
 */
export const storedRequest = (request: AttemptRequest, bodyShared: boolean): string =>
  json(bodyShared ? { method: request.method, url: request.url, headers: request.headers } : request);

/**
 * Attempt rows as Attempts, each with the request it sent whole: an attempt that sent its
 * delivery's stored body (migration 0014) gets it from `bodies` (delivery id → request_body)
 * when given, else from its delivery's row, read here in one statement by primary key, and only
 * for the deliveries whose attempts need it. Every reader of attempts goes through this.
 */
export async function readAttempts(db: Kysely<Database> | Transaction<Database>, rows: readonly Selectable<AttemptsTable>[], bodies?: ReadonlyMap<string, string | null>): Promise<Attempt[]> {
  const requests = rows.map((r) => parse<StoredRequest>(r.request));
  const wanted = new Set<string>();
  rows.forEach((r, i) => {
    if (requests[i]!.body === undefined && !bodies?.has(r.delivery_id)) wanted.add(r.delivery_id);
  });
  const found = new Map(bodies);
  for (const part of chunks([...wanted])) {
    const read = await db.selectFrom('deliveries').select(['id', 'request_body']).where('id', 'in', part).execute();
    for (const d of read) found.set(d.id, d.request_body);
  }
  return rows.map((r, i) => toAttempt(r, requests[i]!, found.get(r.delivery_id)));
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
