import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Webhook } from '../../core/model.ts';
import type { Services } from '../../services/index.ts';
import { EventTypeName, iso, isoOrNull, Problem, TenantParams } from '../../schemas/common.ts';
import { DeliveryDetail, toDeliveryDetail } from '../../schemas/deliveries.ts';
import { DraftPreviewIn, PreviewIn, PreviewOut } from '../../schemas/preview.ts';
import { RecoverIn, RecoverOut } from '../../schemas/recovery.ts';
import { RotatedOut, Secret, SecretOut, WebhookCreated, WebhookIn, WebhookOut, WebhookPatch, toWebhookOut } from '../../schemas/webhooks.ts';

const WebhookParams = TenantParams.extend({ webhook: z.string().max(100) });

export function webhookRoutes(app: FastifyInstance, services: Services): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['webhooks'];
  const config = { access: 'tenant' as const };
  /** Webhooks as read: with their recent record. */
  const read = async (tenantId: string, webhooks: Webhook[]) => {
    const recent = await services.webhooks.recent(tenantId, webhooks);
    return webhooks.map((w) => toWebhookOut(w, recent.get(w.id)));
  };

  r.post('/v1/tenants/:tenant/webhooks', {
    config,
    schema: { operationId: 'createWebhook', tags, summary: 'Create a webhook', params: TenantParams, body: WebhookIn, response: { 201: WebhookCreated, 422: Problem } },
  }, async (req, reply) => {
    const webhook = await services.webhooks.create(req.params.tenant, req.body);
    return reply.code(201).send({ ...toWebhookOut(webhook), secret: webhook.secret });
  });

  r.post('/v1/tenants/:tenant/webhooks/preview', {
    config,
    schema: { operationId: 'previewDraftWebhook', tags, summary: 'Render the request a draft webhook would make, without saving or sending', params: TenantParams, body: DraftPreviewIn, response: { 200: PreviewOut, 422: Problem } },
  }, async (req) => {
    const draft = await services.webhooks.draft(req.body.webhook);
    return services.preview.preview(req.params.tenant, draft, req.body.event, req.body.event_type);
  });

  r.post('/v1/tenants/:tenant/webhooks/:webhook/preview', {
    config,
    schema: { operationId: 'previewWebhook', tags, summary: 'Render the request this webhook would make for an event (or its type\'s example), without sending', params: WebhookParams, body: PreviewIn.nullish(), response: { 200: PreviewOut, 404: Problem, 422: Problem } },
  }, async (req) => {
    const webhook = await services.webhooks.get(req.params.tenant, req.params.webhook);
    return services.preview.preview(req.params.tenant, webhook, req.body?.event, req.body?.event_type);
  });

  r.get('/v1/tenants/:tenant/webhooks', {
    config,
    schema: { operationId: 'listWebhooks', tags, summary: 'List the tenant\'s webhooks', params: TenantParams, response: { 200: z.object({ data: z.array(WebhookOut) }) } },
  }, async (req) => ({ data: await read(req.params.tenant, await services.webhooks.list(req.params.tenant)) }));

  r.get('/v1/tenants/:tenant/webhooks/:webhook', {
    config,
    schema: { operationId: 'getWebhook', tags, summary: 'Get a webhook', params: WebhookParams, response: { 200: WebhookOut, 404: Problem } },
  }, async (req) => (await read(req.params.tenant, [await services.webhooks.get(req.params.tenant, req.params.webhook)]))[0]!);

  r.get('/v1/tenants/:tenant/webhooks/:webhook/secret', {
    config,
    schema: { operationId: 'getWebhookSecret', tags, summary: 'Reveal a webhook\'s signing secret', params: WebhookParams, response: { 200: SecretOut, 404: Problem } },
  }, async (req) => ({ secret: (await services.webhooks.get(req.params.tenant, req.params.webhook)).secret }));

  r.patch('/v1/tenants/:tenant/webhooks/:webhook', {
    config,
    schema: { operationId: 'updateWebhook', tags, summary: 'Change a webhook', params: WebhookParams, body: WebhookPatch, response: { 200: WebhookOut, 404: Problem, 422: Problem } },
  }, async (req) => (await read(req.params.tenant, [await services.webhooks.update(req.params.tenant, req.params.webhook, req.body)]))[0]!);

  r.post('/v1/tenants/:tenant/webhooks/:webhook/rotate-secret', {
    config,
    schema: {
      operationId: 'rotateWebhookSecret', tags, summary: 'Issue a new signing secret; the previous one keeps signing during the overlap (RELAIS_SECRET_OVERLAP)',
      params: WebhookParams, body: z.strictObject({ secret: Secret.optional() }).nullish(), response: { 200: RotatedOut, 404: Problem, 422: Problem },
    },
  }, async (req) => {
    const w = await services.webhooks.rotateSecret(req.params.tenant, req.params.webhook, req.body?.secret);
    return { secret: w.secret, previous_secret_expires_at: isoOrNull(w.previousSecretUntil) };
  });

  r.post('/v1/tenants/:tenant/webhooks/:webhook/test', {
    config,
    schema: {
      operationId: 'testWebhook', tags, summary: 'Send the example of an event type to this webhook now, and answer with the attempt\'s outcome',
      params: WebhookParams, body: z.strictObject({ event_type: EventTypeName.optional() }).nullish(), response: { 200: DeliveryDetail, 404: Problem, 409: Problem, 422: Problem },
    },
  }, async (req) => {
    const { delivery, attempts, event } = await services.sending.test(req.params.tenant, req.params.webhook, req.body?.event_type);
    return toDeliveryDetail(delivery, attempts, event);
  });

  r.post('/v1/tenants/:tenant/webhooks/:webhook/cancel-pending', {
    config,
    schema: { operationId: 'cancelPendingDeliveries', tags, summary: 'Cancel the deliveries this webhook still has to send (e.g. held while it is disabled)', params: WebhookParams, response: { 200: z.object({ cancelled: z.number().int() }), 404: Problem } },
  }, async (req) => ({ cancelled: await services.sending.cancelPending(req.params.tenant, req.params.webhook) }));

  r.post('/v1/tenants/:tenant/webhooks/:webhook/recover', {
    config,
    schema: {
      operationId: 'recoverWebhook', tags, summary: 'Deliver again the events of a window whose deliveries to this webhook failed; with missing, also those it never had',
      params: WebhookParams, body: RecoverIn, response: { 202: RecoverOut, 404: Problem, 422: Problem },
    },
  }, async (req, reply) => {
    const { since, until, missing } = req.body;
    const done = await services.recovery.recover(req.params.tenant, req.params.webhook, { since: Date.parse(since), until: until === undefined ? undefined : Date.parse(until), missing: missing ?? false });
    return reply.code(202).send({ count: done.resent + done.created, resent: done.resent, created: done.created, until: iso(done.until), next_since: isoOrNull(done.nextSince) });
  });

  r.delete('/v1/tenants/:tenant/webhooks/:webhook', {
    config,
    schema: { operationId: 'deleteWebhook', tags, summary: 'Delete a webhook, its deliveries and their log', params: WebhookParams, response: { 204: z.null(), 404: Problem } },
  }, async (req, reply) => {
    await services.webhooks.delete(req.params.tenant, req.params.webhook);
    return reply.code(204).send(null);
  });
}
