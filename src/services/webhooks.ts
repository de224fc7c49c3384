// Creating and changing webhooks: everything a save must check beyond the request's shape.
import { randomBytes } from 'node:crypto';
import { hasMarkedPassword, isBrokerUrl, joinUrlPassword, splitUrlPassword, URL_PASSWORD_MARK, urlConnection } from '../core/destinations.ts';
import { parseDurationMs } from '../core/duration.ts';
import { errors, type FieldError } from '../core/errors.ts';
import { typeMatches } from '../core/matching.ts';
import type { Json, RetryPolicy, SignatureScheme, Webhook } from '../core/model.ts';
import { REDACTED } from '../core/redaction.ts';
import { secretFromBytes, secretProblem } from '../core/signing.ts';
import { idFloor, newId } from '../ids.ts';
import { conditionProblem, conditionProblemMessage } from '../core/conditions.ts';
import { templateSyntaxError } from '../render/renderer.ts';
import type { WebhookIn, WebhookPatch } from '../schemas/webhooks.ts';
import type { WebhookChanges } from '../store/store.ts';
import type { ServiceDeps } from './deps.ts';
import type { PreviewWebhook } from './preview.ts';
import type { EventTypeService } from './event-types.ts';
import type { EventService } from './events.ts';
import type { NoticeService } from './notices.ts';
import { toWebhookOut } from '../schemas/webhooks.ts';

const SECRET_BYTES = 24;
/** A webhook's recent record: its attempts over this window, the latest RECENT_MAX at most. */
const RECENT_WINDOW_MS = 24 * 3_600_000;
const RECENT_MAX = 100;

export interface RecentOutcomes {
  attempts: number;
  failures: number;
}

function retryPolicy(input: NonNullable<WebhookIn['retry']>): RetryPolicy {
  return input.mode === 'custom' ? { mode: 'custom', scheduleMs: input.schedule.map(parseDurationMs) } : { mode: input.mode };
}

/** How a webhook's request is made, from its input with the defaults filled in (saves and drafts alike). */
function requestShape(input: WebhookIn, secretField = 'secret_headers') {
  return {
    url: input.url, events: input.events, method: input.method ?? 'POST', headers: input.headers ?? {},
    secretHeaders: secretHeaderNames(input.secret_headers ?? [], input.headers ?? {}, secretField),
    format: input.format ?? 'standard', condition: input.condition ?? null, template: input.template ?? null,
    contentType: input.content_type ?? null, formFields: input.form_fields ?? null, exportKey: input.export_key ?? null,
    templateDialect: input.template_dialect ?? 'jinja', signatureScheme: input.signature_scheme ?? 'standard',
    timeoutMs: input.timeout ? parseDurationMs(input.timeout) : null, followRedirects: input.follow_redirects ?? false,
  };
}

/** A Standard Webhooks secret must be whsec_ base64; Frappe's scheme takes any text, as Frappe does. */
function checkSecret(secret: string | undefined, scheme: SignatureScheme, field = 'secret'): void {
  const problem = secret === undefined || scheme === 'frappe' ? undefined : secretProblem(secret);
  if (problem) throw errors.validation([{ field, message: `${problem} (or set signature_scheme "frappe" to use any text)` }]);
}

/** A header sent back as the API showed it, `[redacted]`, keeps its stored value (names match in any case). */
function keepRedacted(headers: Record<string, string>, current: Record<string, string>): Record<string, string> {
  const stored = new Map(Object.entries(current).map(([k, v]) => [k.toLowerCase(), v]));
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, v === REDACTED ? stored.get(k.toLowerCase()) ?? v : v]));
}

/** secret_headers as stored: lower-case, once each, every one naming a header of `headers`. */
function secretHeaderNames(names: readonly string[], headers: Record<string, string>, field = 'secret_headers'): string[] {
  const present = new Set(Object.keys(headers).map((k) => k.toLowerCase()));
  const lower = [...new Set(names.map((n) => n.toLowerCase()))];
  const missing = lower.filter((n) => !present.has(n));
  if (missing.length) throw errors.validation(missing.map((n) => ({ field, message: `"${n}" is not in headers: a secret header needs a value` })));
  return lower;
}

/** A broker publishes the body as it is: no other method, no redirects (core/destinations.ts). */
function checkDestination(w: Pick<Webhook, 'url' | 'method' | 'followRedirects'>, prefix = ''): void {
  if (!isBrokerUrl(w.url)) return;
  const problems: FieldError[] = [];
  if (w.method !== 'POST') problems.push({ field: `${prefix}method`, message: `a broker URL publishes the body as a message: the method is POST (not ${w.method})` });
  if (w.followRedirects) problems.push({ field: `${prefix}follow_redirects`, message: 'a broker URL has no redirects to follow: follow_redirects is false' });
  if (problems.length) throw errors.validation(problems);
}

/**
 * A URL sent back as the API showed it, its password `[redacted]`, keeps the stored password —
 * sent to the same user at the same broker only: a URL naming another host or user gives its password.
 */
function keepUrlPassword(url: string, current: string): string {
  if (!hasMarkedPassword(url)) return url;
  const stored = splitUrlPassword(current).password;
  if (stored === null) throw errors.validation([{ field: 'url', message: `${URL_PASSWORD_MARK} stands for the stored password, and this webhook has none: give the password` }]);
  if (urlConnection(url) !== urlConnection(current)) {
    throw errors.validation([{ field: 'url', message: `${URL_PASSWORD_MARK} keeps the stored password for the same scheme, user, host and port only: give the password for the new ones` }]);
  }
  return joinUrlPassword(url, stored);
}

/** What lifecycle events say about a webhook: its public face, never its secret. */
const lifecycleData = (w: Webhook): Json => toWebhookOut(w) as Json;

export function webhookService(deps: ServiceDeps, eventTypes: EventTypeService, events: EventService, notices: NoticeService) {
  const { store, now } = deps;

  /** Exact event names must be in the catalog; filter fields must be ones those types declare. */
  async function checkAgainstCatalog(events: readonly string[], filters: Webhook['filters']): Promise<void> {
    const problems: FieldError[] = [];
    const catalog = await eventTypes.all();
    for (const [i, pattern] of events.entries()) {
      if (!pattern.includes('*') && !(await eventTypes.find(pattern))) {
        problems.push({ field: `events[${i}]`, message: `unknown event type "${pattern}": register it with POST /v1/event-types` });
      }
    }
    const subscribed = catalog.filter((t) => events.some((p) => typeMatches(p, t.name)));
    const filterable = new Set(subscribed.flatMap((t) => t.filters.map((f) => f.field)));
    for (const field of Object.keys(filters)) {
      if (!filterable.has(field)) {
        problems.push({ field: `filters.${field}`, message: `not a filterable field of the subscribed event types (${[...filterable].join(', ') || 'none declared'})` });
      }
    }
    if (problems.length) throw errors.validation(problems);
  }

  /** What a save must hold across fields: the chosen format's options, and parseable code. */
  function checkShape(w: Pick<Webhook, 'format' | 'template' | 'formFields' | 'condition'>): void {
    const problems: FieldError[] = [];
    if (w.condition !== null) {
      const err = conditionProblem(w.condition); // syntax, unknown variables, types, patterns, cost
      if (err) problems.push({ field: 'condition', message: conditionProblemMessage(err) });
    }
    if (w.format === 'template') {
      if (w.template === null) problems.push({ field: 'template', message: 'the template format needs a template' });
      else {
        const err = templateSyntaxError(w.template);
        if (err) problems.push({ field: 'template', message: `template syntax error: ${err}` });
      }
    }
    if (w.format === 'form' && !w.formFields?.length) problems.push({ field: 'form_fields', message: 'the form format needs the fields to send' });
    if (problems.length) throw errors.validation(problems);
  }

  async function mustGet(tenantId: string, id: string): Promise<Webhook> {
    const webhook = await store.webhooks.get(tenantId, id);
    if (!webhook) throw errors.notFound('webhook', id);
    return webhook;
  }

  return {
    async create(tenantId: string, input: WebhookIn): Promise<Webhook> {
      const filters = input.filters ?? {};
      const shape = requestShape(input);
      checkShape(shape);
      checkDestination(shape);
      checkSecret(input.secret, shape.signatureScheme);
      await checkAgainstCatalog(input.events, filters);
      const id = input.id ?? newId('wh');
      const created = await store.webhooks.create({
        ...shape,
        maxConcurrency: input.max_concurrency ?? null,
        rateLimit: input.rate_limit ?? null,
        ordering: input.ordering ?? 'none',
        autoDisable: input.auto_disable ?? true,
        id,
        tenantId,
        enabled: input.enabled ?? true,
        description: input.description ?? null,
        filters,
        secret: input.secret ?? secretFromBytes(randomBytes(SECRET_BYTES)),
        retry: input.retry ? retryPolicy(input.retry) : { mode: 'default' },
      }, now());
      await events.emitSystem(tenantId, 'webhook.created', lifecycleData(created));
      return created;
    },

    /** A webhook not saved yet, checked as a save would check it: for previews. */
    async draft(input: WebhookIn): Promise<PreviewWebhook> {
      const shape = { ...requestShape(input, 'webhook.secret_headers'), ...(input.secret ? { secret: input.secret } : {}) };
      checkShape(shape);
      checkDestination(shape, 'webhook.');
      checkSecret(input.secret, shape.signatureScheme, 'webhook.secret');
      await checkAgainstCatalog(input.events, input.filters ?? {});
      return shape;
    },

    list: (tenantId: string): Promise<Webhook[]> => store.webhooks.list(tenantId),
    get: mustGet,

    /** Each webhook's attempts over the last 24 hours (the latest 100 at most) and how many failed, by id. */
    async recent(tenantId: string, webhooks: readonly Webhook[]): Promise<Map<string, RecentOutcomes>> {
      const since = idFloor('att', now() - RECENT_WINDOW_MS);
      const counts = await Promise.all(webhooks.map((w) => store.attempts.recentOutcomes(tenantId, w.id, since, RECENT_MAX)));
      return new Map(webhooks.map((w, i) => [w.id, counts[i]!]));
    },

    async update(tenantId: string, id: string, patch: WebhookPatch): Promise<Webhook> {
      const current = await mustGet(tenantId, id);
      checkShape({
        format: patch.format ?? current.format,
        condition: patch.condition === undefined ? current.condition : patch.condition,
        template: patch.template === undefined ? current.template : patch.template,
        formFields: patch.form_fields === undefined ? current.formFields : patch.form_fields,
      });
      const url = patch.url === undefined ? undefined : keepUrlPassword(patch.url, current.url);
      checkDestination({ url: url ?? current.url, method: patch.method ?? current.method, followRedirects: patch.follow_redirects ?? current.followRedirects });
      checkSecret(patch.secret, patch.signature_scheme ?? current.signatureScheme);
      // A Standard Webhooks scheme cannot sign with a Frappe secret kept from before.
      if (patch.signature_scheme === 'standard' && patch.secret === undefined) checkSecret(current.secret, 'standard');
      if (patch.events !== undefined || patch.filters !== undefined) {
        await checkAgainstCatalog(patch.events ?? current.events, patch.filters ?? current.filters);
      }
      // Headers and which of them are secret are written together: the store seals by the names.
      const headers = patch.headers === undefined ? current.headers : keepRedacted(patch.headers, current.headers);
      const secretHeaders = patch.secret_headers === undefined
        ? current.secretHeaders.filter((n) => Object.keys(headers).some((k) => k.toLowerCase() === n)) // a header removed is no longer secret
        : secretHeaderNames(patch.secret_headers, headers);
      const headersChanged = patch.headers !== undefined || patch.secret_headers !== undefined;
      const changes: WebhookChanges = {
        url,
        events: patch.events,
        enabled: patch.enabled,
        description: patch.description,
        filters: patch.filters,
        method: patch.method,
        format: patch.format,
        secret: patch.secret,
        retry: patch.retry && retryPolicy(patch.retry),
        condition: patch.condition,
        template: patch.template,
        contentType: patch.content_type,
        formFields: patch.form_fields,
        exportKey: patch.export_key,
        maxConcurrency: patch.max_concurrency,
        rateLimit: patch.rate_limit,
        ordering: patch.ordering,
        templateDialect: patch.template_dialect,
        signatureScheme: patch.signature_scheme,
        timeoutMs: patch.timeout === undefined ? undefined : patch.timeout === null ? null : parseDurationMs(patch.timeout),
        followRedirects: patch.follow_redirects,
        autoDisable: patch.auto_disable,
        ...(headersChanged ? { headers, secretHeaders } : { headers: undefined, secretHeaders: undefined }),
      };
      const updated = await store.webhooks.update(tenantId, id, changes, now());
      if (!updated) throw errors.notFound('webhook', id);
      if (patch.enabled === true && !current.enabled) deps.wake();
      await events.emitSystem(tenantId, 'webhook.updated', lifecycleData(updated));
      return updated;
    },

    /** A new signing secret (given, or generated); the old one keeps signing for the overlap. */
    async rotateSecret(tenantId: string, id: string, secret?: string): Promise<Webhook> {
      checkSecret(secret, (await mustGet(tenantId, id)).signatureScheme);
      const rotated = await store.webhooks.rotateSecret(tenantId, id, secret ?? secretFromBytes(randomBytes(SECRET_BYTES)), now() + deps.config.secretOverlapMs, now());
      if (!rotated) throw errors.notFound('webhook', id);
      return rotated;
    },

    async delete(tenantId: string, id: string): Promise<void> {
      const current = await mustGet(tenantId, id);
      if (!(await store.webhooks.delete(tenantId, id))) throw errors.notFound('webhook', id);
      await events.emitSystem(tenantId, 'webhook.deleted', lifecycleData(current), id);
    },

    /**
     * Disables a failing webhook: its deliveries are held, the tenant's other webhooks hear
     * `webhook.disabled`, and its owner is told. Does nothing if it is already disabled.
     */
    async disableFailing(tenantId: string, id: string, reason: string): Promise<void> {
      const disabled = await store.webhooks.disable(tenantId, id, reason, now());
      if (!disabled) return;
      deps.log.warn({ tenant: tenantId, webhook: id, reason }, 'webhook disabled');
      await events.emitSystem(tenantId, 'webhook.disabled', lifecycleData(disabled), id);
      await notices.webhookDisabled(disabled);
    },
  };
}
export type WebhookService = ReturnType<typeof webhookService>;
