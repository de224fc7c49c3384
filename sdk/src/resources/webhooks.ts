// A tenant's webhooks: where its events go, how they are shaped and signed, and recovering what a
// receiver missed.
import { unwrap, type Context } from '../call.js';
import type { ConditionCheck, ConditionCheckIn, DeliveryDetail, DraftPreviewIn, Preview, PreviewIn, RecoverIn, Recovered, Rotated, Webhook, WebhookCreated, WebhookIn, WebhookPatch } from '../types.js';

export class Webhooks {
  constructor(private readonly ctx: Context) {}

  async list(tenant: string): Promise<Webhook[]> {
    return (await unwrap('GET', this.ctx.api.GET('/v1/tenants/{tenant}/webhooks', { params: { path: { tenant } } }))).data;
  }

  /** A new webhook, with its signing secret (shown here and by `secret()` only). Made once: not retried. */
  create(tenant: string, input: WebhookIn): Promise<WebhookCreated> {
    return unwrap('POST', this.ctx.api.POST('/v1/tenants/{tenant}/webhooks', { params: { path: { tenant } }, body: input }));
  }

  get(tenant: string, webhook: string): Promise<Webhook> {
    return unwrap('GET', this.ctx.api.GET('/v1/tenants/{tenant}/webhooks/{webhook}', { params: { path: { tenant, webhook } } }));
  }

  /** Sets the fields given: safe to retry. */
  update(tenant: string, webhook: string, patch: WebhookPatch): Promise<Webhook> {
    return unwrap('PATCH', this.ctx.api.PATCH('/v1/tenants/{tenant}/webhooks/{webhook}', { params: { path: { tenant, webhook } }, body: patch, fetch: this.ctx.transport.fetchIdempotent }));
  }

  enable(tenant: string, webhook: string): Promise<Webhook> {
    return this.update(tenant, webhook, { enabled: true });
  }

  disable(tenant: string, webhook: string): Promise<Webhook> {
    return this.update(tenant, webhook, { enabled: false });
  }

  /** Deletes the webhook, its deliveries and their log. */
  async delete(tenant: string, webhook: string): Promise<void> {
    await unwrap('DELETE', this.ctx.api.DELETE('/v1/tenants/{tenant}/webhooks/{webhook}', { params: { path: { tenant, webhook } } }));
  }

  /** The current signing secret. */
  async secret(tenant: string, webhook: string): Promise<string> {
    return (await unwrap('GET', this.ctx.api.GET('/v1/tenants/{tenant}/webhooks/{webhook}/secret', { params: { path: { tenant, webhook } } }))).secret;
  }

  /** A new signing secret (given, or generated); the previous one keeps signing until `previous_secret_expires_at`. */
  rotateSecret(tenant: string, webhook: string, secret?: string): Promise<Rotated> {
    return unwrap('POST', this.ctx.api.POST('/v1/tenants/{tenant}/webhooks/{webhook}/rotate-secret', { params: { path: { tenant, webhook } }, body: secret === undefined ? {} : { secret } }));
  }

  /** Sends an event type's example to the webhook now; answers the delivery with the attempt's outcome. */
  test(tenant: string, webhook: string, eventType?: string): Promise<DeliveryDetail> {
    return unwrap('POST', this.ctx.api.POST('/v1/tenants/{tenant}/webhooks/{webhook}/test', { params: { path: { tenant, webhook } }, body: eventType === undefined ? {} : { event_type: eventType } }));
  }

  /** The exact request the webhook would make for an event (or its type's example), not sent. */
  preview(tenant: string, webhook: string, input: PreviewIn = {}): Promise<Preview> {
    return unwrap('POST', this.ctx.api.POST('/v1/tenants/{tenant}/webhooks/{webhook}/preview', { params: { path: { tenant, webhook } }, body: input, fetch: this.ctx.transport.fetchIdempotent }));
  }

  /** The request a webhook not yet saved would make. */
  previewDraft(tenant: string, input: DraftPreviewIn): Promise<Preview> {
    return unwrap('POST', this.ctx.api.POST('/v1/tenants/{tenant}/webhooks/preview', { params: { path: { tenant } }, body: input, fetch: this.ctx.transport.fetchIdempotent }));
  }

  /** Whether a condition can be saved, and what it decides for an event type's example. */
  checkCondition(input: ConditionCheckIn): Promise<ConditionCheck> {
    return unwrap('POST', this.ctx.api.POST('/v1/conditions/check', { body: input, fetch: this.ctx.transport.fetchIdempotent }));
  }

  /** Cancels the deliveries the webhook still has to make (e.g. held while disabled); answers how many. */
  async cancelPending(tenant: string, webhook: string): Promise<number> {
    return (await unwrap('POST', this.ctx.api.POST('/v1/tenants/{tenant}/webhooks/{webhook}/cancel-pending', { params: { path: { tenant, webhook } } }))).cancelled;
  }

  /**
   * Delivers again the events of [since, until) whose deliveries to this webhook failed (with
   * `missing: true`, also those it never had); `count` says how many were queued. When
   * `next_since` is not null the window was cut: call again from there. A POST that queues
   * deliveries: made once, not retried.
   */
  recover(tenant: string, webhook: string, input: RecoverIn): Promise<Recovered> {
    return unwrap('POST', this.ctx.api.POST('/v1/tenants/{tenant}/webhooks/{webhook}/recover', { params: { path: { tenant, webhook } }, body: input }));
  }
}
