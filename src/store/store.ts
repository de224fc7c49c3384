// The one interface to persistence. Every tenant-owned lookup takes the tenant first: there is
// no unscoped way to read a webhook, an event or a delivery.
import type { SecretBox } from './kysely/secrets.ts';
import type { Attempt, Delivery, DeliveryOrigin, DeliveryStatus, EventType, Json, Notice, RelaisEvent, Tenant, Webhook } from '../core/model.ts';

export type Engine = 'sqlite' | 'postgres';

export type NewTenant = Omit<Tenant, 'createdAt' | 'exportKey'> & { exportKey?: string | null };
export type NewEventType = Omit<EventType, 'createdAt' | 'updatedAt'>;
/** Fields the store keeps itself: timestamps, the rotation's previous secret, the failure record. */
type StoreKept = 'tenantExportKey' | 'createdAt' | 'updatedAt' | 'previousSecret' | 'previousSecretUntil' | 'consecutiveFailures' | 'failingSince' | 'lastSuccessAt' | 'disabledReason';
export type NewWebhook = Omit<Webhook, StoreKept>;
/** Headers and which of them are secret go together: the store seals values by the names. */
export type WebhookChanges = Partial<Omit<Webhook, 'id' | 'tenantId' | 'headers' | 'secretHeaders' | StoreKept>>
  & ({ headers?: undefined; secretHeaders?: undefined } | Pick<Webhook, 'headers' | 'secretHeaders'>);

export interface NewToken {
  id: string;
  tenantId: string;
  name: string | null;
  hash: string;
  /** The token's last characters, for listings. */
  lastChars: string;
  expiresAt: number | null;
}

/** A tenant token as listed: what tells it apart, never what authenticates. */
export interface TokenInfo {
  id: string;
  name: string | null;
  lastChars: string | null;
  createdAt: number;
  expiresAt: number | null;
}

export interface NewEvent {
  id: string;
  idempotencyKey: string | null;
  type: string;
  occurredAt: number;
  data: Json;
  actor: RelaisEvent['actor'];
  resource: RelaisEvent['resource'];
  previous: Json | null;
  changes: Json | null;
  /**
   * data, previous and changes as JSON text with the producer's own numbers (core/exact-numbers.ts);
   * absent, the store writes the values with JSON.stringify, which writes the same.
   */
  dataJson?: string | undefined;
  previousJson?: string | undefined;
  changesJson?: string | undefined;
  /** Events of one key go in order to webhooks that ask for it (ordering "key"); none when absent. */
  orderingKey?: string | null;
}

/** Picks the webhooks an event goes to; the store calls it inside the ingest transaction. */
export type Matcher = (webhooks: readonly Webhook[], event: NewEvent) => Webhook[];
/** Makes the ids of the deliveries it creates, in order. */
export type IdMaker = () => string;

/**
 * Leasing at ingest (Dispatcher credits): `take(n)`, called inside the transaction with the number
 * of new deliveries, says how many of the first ones to store already leased as `leaseId` until
 * `until`, for the caller to hand to its dispatcher once committed.
 */
export interface IngestLease {
  take(n: number): number;
  leaseId: string;
  until: number;
}

export interface IngestResult {
  event: RelaisEvent;
  /** False when the idempotency key had been seen: the stored event is returned, nothing new made. */
  created: boolean;
}

export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

export interface DeliveryQuery {
  webhookId?: string | undefined;
  status?: DeliveryStatus | undefined;
  eventType?: string | undefined;
  /** Keyset cursor: only deliveries with a smaller id (older). */
  before?: string | undefined;
  /** Only held deliveries (true), or none of them (false). */
  held?: boolean | undefined;
  eventId?: string | undefined;
  /** Only deliveries created at or after this time (ms). */
  createdSince?: number | undefined;
  /** Only deliveries created before this time (ms). */
  createdUntil?: number | undefined;
  limit: number;
}

/** An event as recovery pages through them, by the time Relais received it: without its data. */
export type ReceivedEvent = Pick<RelaisEvent, 'id' | 'type' | 'receivedAt' | 'resource'>;

/** Events received in [since, until), after the event `after` in (receivedAt, id) order. */
export interface ReceivedWindow {
  since: number;
  until: number;
  after?: { receivedAt: number; id: string } | undefined;
}

/**
 * An event recovery queues a new delivery of: one its webhook `failed` (a failed delivery, and
 * none pending, being sent or succeeded), or one it is `missing` (no delivery at all).
 */
export interface Requeue {
  eventId: string;
  eventType: string;
  kind: 'failed' | 'missing';
}

/** A leased delivery with what the dispatcher needs to send it. */
export interface ClaimedDelivery {
  delivery: Delivery;
  leaseId: string;
  event: RelaisEvent;
  webhook: Webhook | undefined; // undefined when the webhook was deleted meanwhile
}

/** An attempt as the dispatcher reports it; the completion carries the ids it belongs to. */
export type AttemptRecord = Omit<Attempt, 'deliveryId' | 'tenantId' | 'webhookId'>;

/** What the dispatcher decided after one attempt: the attempt to record and the delivery's fate. */
export interface Completion {
  deliveryId: string;
  leaseId: string;
  tenantId: string;
  webhookId: string;
  attempt: AttemptRecord | null; // null when nothing was sent (webhook gone or disabled)
  status: DeliveryStatus;
  dueAt: number | null;
  /**
   * false: the delivery has no ordering key, so its end releases no other (PostgreSQL may then
   * record it in one statement: kysely/completions.ts); absent: not known, recorded as if it had.
   */
  keyed?: boolean;
}

/** A webhook's failure record after a batch of attempts was recorded. */
export interface FailureRecord {
  tenantId: string;
  webhookId: string;
  enabled: boolean;
  /** false: its failures never disable it (the webhook's auto_disable). */
  autoDisable: boolean;
  consecutiveFailures: number;
  failingSince: number | null;
}

export type NewNotice = Omit<Notice, 'emailedAt' | 'emailError'>;

/** Tells other processes sharing the database that deliveries are due (PostgreSQL); a no-op where only one process delivers. */
export interface DueSignal {
  /** Fire and forget: coalesced, errors reported to the engine's error handler. */
  notify(): void;
  /** Calls onDue when another process signals (and once after each (re)connection). */
  listen(onDue: () => void): Promise<void>;
  close(): Promise<void>;
  /** Whether the listening connection is up now; undefined when this process does not listen (or its engine needs none). */
  readonly listening?: boolean | undefined;
}

/** What one batch of retention removed (Store.prune). */
export interface PruneCounts {
  deliveries: number;
  attempts: number;
  events: number;
}

/** Whether the database answered its last call (store/guard.ts). */
export type StoreHealth = { engine: Engine; up: true } | { engine: Engine; up: false; since: number; reason: string };

export interface Store {
  readonly engine: Engine;
  readonly dueSignal: DueSignal;
  migrate(): Promise<void>;
  close(): Promise<void>;
  /** Throws (StoreUnavailableError) when the database cannot be reached. */
  ping(): Promise<void>;
  /** As of the last call: a call that finds the database unreachable throws StoreUnavailableError (store/faults.ts). */
  health(): StoreHealth;
  /** How many calls found the database unavailable since the store opened (for /metrics). */
  unavailableErrors(): number;
  /**
   * Retention, one batch, for every tenant: at most `limit` finished deliveries (succeeded,
   * failed, cancelled) last updated before `before`, with their attempts, then at most `limit`
   * events received before `before` that no delivery refers to. Concurrent calls (workers of one
   * PostgreSQL) take different rows and never wait on each other.
   */
  prune(before: number, limit: number): Promise<PruneCounts>;

  settings: {
    get(key: string): Promise<string | undefined>;
    /** Stores the value unless one is there already; returns the value in force. */
    putIfAbsent(key: string, value: string): Promise<string>;
  };

  tenants: {
    create(tenant: NewTenant, now: number): Promise<Tenant | undefined>; // undefined: id taken
    get(id: string): Promise<Tenant | undefined>;
    update(id: string, changes: Partial<Pick<Tenant, 'name' | 'notifyEmails' | 'exportKey'>>): Promise<Tenant | undefined>;
    /** Tenants by id, those after `after` (a keyset cursor), at most `limit`. */
    list(query: { after?: string | undefined; limit: number }): Promise<Page<Tenant>>;
  };

  tokens: {
    create(token: NewToken, now: number): Promise<void>;
    /** The tenant of an unexpired token, and when the token expires (null: never). */
    tenantForHash(hash: string, now: number): Promise<{ tenantId: string; expiresAt: number | null } | undefined>;
    /** The tenant's tokens, newest first, expired ones included; never their hashes. */
    list(tenantId: string): Promise<TokenInfo[]>;
    /** Deletes the token: it stops working at once. False when the tenant has no such token. */
    revoke(tenantId: string, id: string): Promise<boolean>;
  };

  eventTypes: {
    upsert(eventType: NewEventType, now: number): Promise<{ eventType: EventType; created: boolean }>;
    get(name: string): Promise<EventType | undefined>;
    list(): Promise<EventType[]>;
  };

  webhooks: {
    create(webhook: NewWebhook, now: number): Promise<Webhook>; // a conflict error when the id is taken
    get(tenantId: string, id: string): Promise<Webhook | undefined>;
    list(tenantId: string): Promise<Webhook[]>;
    /** Disabled webhooks of every tenant, for /metrics: by Relais (for failures, with a reason) or by their owner. */
    countDisabled(): Promise<{ byRelais: number; byOwner: number }>;
    update(tenantId: string, id: string, changes: WebhookChanges, now: number): Promise<Webhook | undefined>;
    delete(tenantId: string, id: string): Promise<boolean>;
    /** Makes `secret` the signing secret; the old one keeps signing until `previousUntil`. */
    rotateSecret(tenantId: string, id: string, secret: string, previousUntil: number, now: number): Promise<Webhook | undefined>;
    /**
     * `relais rotate-key`: every sealed value of every tenant's webhooks (secrets, previous secrets,
     * secret headers) opened with the store's key and sealed with `to`'s, `batchSize` webhooks per
     * transaction. Returns how many webhooks were re-sealed.
     */
    resealSecrets(to: SecretBox, batchSize?: number): Promise<number>;
    /** Disables an enabled webhook for `reason`, holding its deliveries; undefined if it was not enabled. */
    disable(tenantId: string, id: string, reason: string, now: number): Promise<Webhook | undefined>;
    /** Of these events, those the webhook failed and those it has no delivery of (see Requeue). */
    recoverable(tenantId: string, webhookId: string, eventIds: readonly string[]): Promise<{ failed: string[]; missing: string[] }>;
    /**
     * Queues one new delivery of each event, in the order given, that is still `failed` or
     * `missing` for the webhook, checked again while its row is held (so that concurrent calls
     * never queue an event twice): due now, or held while the webhook is disabled. Undefined when
     * the webhook is gone.
     */
    requeue(tenantId: string, webhookId: string, events: readonly Requeue[], newDeliveryId: IdMaker, now: number): Promise<{ resent: number; created: number } | undefined>;
  };

  events: {
    /**
     * Stores each event and one delivery per matching webhook, all in one transaction: the enabled
     * webhooks, and those disabled by their failure policy (a disabled_reason), whose deliveries are
     * held. A webhook disabled by hand is not offered to `match`.
     */
    ingest(tenantId: string, events: readonly NewEvent[], match: Matcher, newDeliveryId: IdMaker, now: number): Promise<IngestResult[]>;
    /**
     * As ingest, and leases the first `lease.take(n)` new deliveries: returned with their event and
     * webhook, as a claim returns them. `othersWoken`: the store told other processes' workers of
     * the deliveries left to claim (PostgreSQL's one-statement ingest), so dueSignal.notify() need not.
     */
    ingestLeasing(tenantId: string, events: readonly NewEvent[], match: Matcher, newDeliveryId: IdMaker, now: number, lease?: IngestLease):
      Promise<{ results: IngestResult[]; leased: ClaimedDelivery[]; othersWoken: boolean }>;
    get(tenantId: string, id: string): Promise<RelaisEvent | undefined>;
    /** The events stored under these idempotency keys, by key (a batch checks for reused ids before it is stored). */
    byKeys(tenantId: string, keys: readonly string[]): Promise<Map<string, RelaisEvent>>;
    /** The tenant's events in the window, oldest received first, at most `limit`. */
    received(tenantId: string, window: ReceivedWindow, limit: number): Promise<ReceivedEvent[]>;
    /** Those of these events the tenant has, in no particular order. */
    getMany(tenantId: string, ids: readonly string[]): Promise<RelaisEvent[]>;
  };

  notices: {
    create(notice: NewNotice): Promise<void>;
    /** Records how the email went: sent at `emailedAt`, or the error. */
    emailed(id: string, outcome: { emailedAt: number } | { error: string }): Promise<void>;
    list(tenantId: string, limit: number): Promise<Notice[]>;
  };

  attempts: {
    /** A webhook's latest attempts, newest first (for notices). */
    latestForWebhook(tenantId: string, webhookId: string, limit: number): Promise<Attempt[]>;
    /** Of a webhook's latest attempts (at most `limit`, none with an id below `sinceId`), how many there were and how many failed. */
    recentOutcomes(tenantId: string, webhookId: string, sinceId: string, limit: number): Promise<{ attempts: number; failures: number }>;
  };

  /** A webhook's max_concurrency and rate_limit as every worker shares them (dispatcher/cluster-limits.ts). */
  limits: {
    /** Takes one of the webhook's first `max` concurrency slots for `holder` until `until`; false when every one is held, by any worker. */
    enter(webhookId: string, max: number, holder: string, until: number, now: number): Promise<boolean>;
    /** Gives back the slot `holder` took. */
    leave(webhookId: string, holder: string): Promise<void>;
    /** Pushes these holders' slots to `until`: their worker lives. */
    renew(holders: readonly string[], until: number): Promise<void>;
    /**
     * Takes the webhook's next request at `rate` a second with bursts of `burst` (GCRA); answers 0
     * when taken, else how many ms until one may be.
     */
    take(webhookId: string, rate: number, burst: number, now: number): Promise<number>;
  };

  deliveries: {
    get(tenantId: string, id: string): Promise<{ delivery: Delivery; attempts: Attempt[] } | undefined>;
    /** A new delivery of a stored event to one of the tenant's webhooks, due now, made by hand (a resend keeps its first delivery's messageId). */
    create(tenantId: string, d: { id: string; eventId: string; eventType: string; webhookId: string; origin?: DeliveryOrigin; messageId?: string }, now: number): Promise<Delivery>;
    list(tenantId: string, query: DeliveryQuery): Promise<Page<Delivery>>;
    /**
     * Leases up to `limit` due deliveries (pending and due, or leased and expired), oldest due
     * first, none of the `skipTenants`' (tenants with no room in the dispatcher: their rows keep
     * their place and are claimed once they are not skipped).
     */
    claim(limit: number, leaseMs: number, now: number, newLeaseId: IdMaker, skipTenants?: readonly string[]): Promise<ClaimedDelivery[]>;
    /**
     * Records attempts, moves deliveries on and updates their webhooks' failure records (a success
     * resets it), in one transaction; a lost lease is skipped. Returns the records that changed.
     */
    complete(completions: readonly Completion[], now: number): Promise<FailureRecord[]>;
    /** Gives leased deliveries back untouched: due at `dueAt` (default now), attempt count unchanged. */
    release(leases: readonly { deliveryId: string; leaseId: string; dueAt?: number }[], now: number): Promise<void>;
    /**
     * Parks leased deliveries in their webhook's lane (claimParked), untouched: `dueAt` is only a
     * deadline, after which a lane nobody drains any more (its worker died) is claimed as usual.
     */
    park(parks: readonly { deliveryId: string; leaseId: string; dueAt: number; webhookId: string }[], now: number): Promise<void>;
    /** Leases up to `limit` of a webhook's parked deliveries, oldest first, whatever their due time. */
    claimParked(webhookId: string, limit: number, leaseMs: number, now: number, newLeaseId: IdMaker): Promise<ClaimedDelivery[]>;
    /** Pushes these leases' end to `until` (the worker holding them lives); returns the ids of the deliveries still leased so. */
    renew(leases: readonly { deliveryId: string; leaseId: string }[], until: number, now: number): Promise<string[]>;
    /** Pushes the deadline of these webhooks' parked deliveries to `until`: their lanes are still being drained. */
    renewParked(webhookIds: readonly string[], until: number, now: number): Promise<void>;
    /** Empties these webhooks' lanes: their parked deliveries become due now, to any claim (a worker stopping). */
    unpark(webhookIds: readonly string[], now: number): Promise<void>;
    /** Cancels a webhook's pending deliveries (not those being sent); returns how many. */
    cancelPending(tenantId: string, webhookId: string, now: number): Promise<number>;
    /** The earliest due time in the queue (of tenants other than `skipTenants`), to sleep until then rather than poll. */
    nextDueAt(skipTenants?: readonly string[]): Promise<number | undefined>;
    /** The queue as a whole, for /metrics, in one scan of the queue index: live deliveries (held ones aside), how many are due at `now`, the earliest due time. */
    queueStats(now: number): Promise<{ live: number; due: number; oldestDueAt: number | undefined }>;
  };
}
