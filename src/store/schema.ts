// The tables as Kysely sees them. Times are epoch milliseconds (bigint on PostgreSQL, integer on
// SQLite); JSON is stored as text on both engines so one query codebase serves both.
import type { Generated } from 'kysely';

export interface SettingsTable {
  key: string;
  value: string;
}

export interface TenantsTable {
  id: string;
  name: string;
  notify_emails: string;
  export_key: string | null;
  created_at: number;
}

export interface TokensTable {
  id: string;
  tenant_id: string;
  token_hash: string;
  created_at: number;
  expires_at: number | null;
  /** Given on create ("zapier"), to tell tokens apart; null for tokens made before 0012. */
  name: string | null;
  /** The token's last 4 characters, shown in listings; null for tokens made before 0012. */
  last_chars: string | null;
}

export interface EventTypesTable {
  name: string;
  description: string | null;
  schema: string | null;
  example: string | null;
  filters: string;
  created_at: number;
  updated_at: number;
}

export interface EventsTable {
  id: string;
  tenant_id: string;
  idempotency_key: string | null;
  type: string;
  occurred_at: number;
  received_at: number;
  data: string;
  actor: string | null;
  resource: string | null;
  previous: string | null;
  changes: string | null;
  deliveries_count: number;
  ordering_key: string | null;
}

export interface WebhooksTable {
  id: string;
  tenant_id: string;
  url: string;
  events: string;
  enabled: number; // 0/1 on both engines: one query codebase
  description: string | null;
  filters: string;
  method: string;
  headers: string;
  format: string;
  secret: string;
  retry: string;
  condition: string | null;
  template: string | null;
  content_type: string | null;
  form_fields: string | null;
  export_key: string | null;
  previous_secret: string | null;
  previous_secret_until: number | null;
  consecutive_failures: Generated<number>;
  failing_since: number | null;
  last_success_at: number | null;
  disabled_reason: string | null;
  max_concurrency: number | null;
  rate_limit: number | null;
  ordering: string;
  signature_scheme: Generated<string>;
  template_dialect: Generated<string>;
  timeout_ms: number | null;
  follow_redirects: Generated<number>;
  auto_disable: Generated<number>;
  /** JSON array of lower-case header names whose values in `headers` are sealed (SecretBox). */
  secret_headers: Generated<string>;
  /** A broker URL's password (as written in it), sealed (SecretBox); `url` holds `[redacted]` in its place. Null: none. */
  url_password: string | null;
  created_at: number;
  updated_at: number;
}

export interface DeliveriesTable {
  id: string;
  tenant_id: string;
  event_id: string;
  event_type: string;
  webhook_id: string;
  status: string;
  attempts: number;
  due_at: number | null;
  lease_id: string | null;
  last_attempt_at: number | null;
  last_status_code: number | null;
  /** The webhook whose lane holds this pending delivery (see migrations/0007); null for the rest. */
  parked_for: string | null;
  ordering_key: string | null;
  /** 1 while a live delivery of the same webhook and ordering key is ahead of it. */
  blocked: number;
  /**
   * The request body its attempts sent, stored once (migration 0014): written with the first
   * attempt that sent a non-empty body; an attempt whose `request` has no `body` sent this one.
   * Null until then, and for deliveries whose attempts all predate 0014 (they keep their own).
   */
  request_body: Generated<string | null>;
  /** What made it when not its event's ingest: 'resend' or 'recovery' (migration 0015); null: ingest. */
  origin: Generated<string | null>;
  /** The webhook-id its requests carry when not its own id: a resend's or a recovery's first delivery's (migration 0015). */
  message_id: Generated<string | null>;
  created_at: number;
  updated_at: number;
}

export interface AttemptsTable {
  id: string;
  delivery_id: string;
  tenant_id: string;
  webhook_id: string;
  started_at: number;
  duration_ms: number;
  /**
   * The request as JSON (method, url, headers redacted, body). Without `body` when the attempt
   * sent its delivery's stored body (deliveries.request_body, migration 0014); rows written
   * before 0014, and attempts that sent another body, keep their own.
   */
  request: string;
  response: string | null;
  error_kind: string | null;
  error_message: string | null;
  succeeded: number;
}

export interface NoticesTable {
  id: string;
  tenant_id: string;
  kind: string;
  subject: string;
  body: string;
  recipients: string;
  created_at: number;
  emailed_at: number | null;
  email_error: string | null;
}

export interface WebhookSlotsTable {
  webhook_id: string;
  slot: number;
  holder: string | null;
  held_until: number;
}

export interface WebhookRatesTable {
  webhook_id: string;
  next_at: number;
}

export interface Database {
  relais_settings: SettingsTable;
  tenants: TenantsTable;
  tokens: TokensTable;
  event_types: EventTypesTable;
  events: EventsTable;
  webhooks: WebhooksTable;
  deliveries: DeliveriesTable;
  attempts: AttemptsTable;
  notices: NoticesTable;
  webhook_slots: WebhookSlotsTable;
  webhook_rates: WebhookRatesTable;
}

