// Preview: the exact request a webhook (saved, or a draft) would make for an event — the one
// given, or the type's documented example — without sending anything.
import { randomBytes } from 'node:crypto';
import { redactUrlPassword } from '../core/destinations.ts';
import { errors } from '../core/errors.ts';
import type { AttemptRequest, Json, RelaisEvent, Webhook } from '../core/model.ts';
import { redactHeaders } from '../core/redaction.ts';
import { buildRequest } from '../core/request.ts';
import { secretFromBytes } from '../core/signing.ts';
import { renderBody } from '../render/body.ts';
import { TemplateError } from '../render/renderer.ts';
import type { EventIn } from '../schemas/events.ts';
import type { ServiceDeps } from './deps.ts';
import type { EventTypeService } from './event-types.ts';

export type PreviewWebhook = Pick<Webhook, 'url' | 'method' | 'headers' | 'secretHeaders' | 'format' | 'template' | 'contentType' | 'formFields' | 'exportKey' | 'events' | 'signatureScheme' | 'templateDialect'> & { secret?: string };

export interface PreviewResult {
  request: AttemptRequest;
  event: { type: string; data: unknown };
  /** Set when the body could not be rendered (a template error): what the delivery would record. */
  error: string | null;
}

export function previewService(deps: ServiceDeps, eventTypes: EventTypeService) {
  const { now, templates, store } = deps;

  /** The event to render: the one given, else the example of `eventType` or the webhook's first exact type. */
  async function sampleEvent(tenantId: string, webhook: PreviewWebhook, input: EventIn | undefined, eventType: string | undefined): Promise<RelaisEvent> {
    const at = now();
    if (input) {
      if (!(await eventTypes.find(input.type))) throw errors.validation([{ field: 'event.type', message: `unknown event type "${input.type}"` }]);
      return {
        id: 'evt_preview', tenantId, idempotencyKey: null, type: input.type, occurredAt: input.occurred_at ? Date.parse(input.occurred_at) : at,
        receivedAt: at, dataJson: JSON.stringify(input.data ?? null), actor: input.actor ?? null, resource: input.resource ?? null,
        previous: (input.previous ?? null) as Json | null, changes: (input.changes ?? null) as Json | null,
        previousJson: input.previous === undefined || input.previous === null ? null : JSON.stringify(input.previous),
        changesJson: input.changes === undefined || input.changes === null ? null : JSON.stringify(input.changes), deliveriesCount: 0,
        orderingKey: input.ordering_key ?? null,
      };
    }
    const name = eventType ?? webhook.events.find((p) => !p.includes('*'));
    const type = name === undefined ? undefined : await eventTypes.find(name);
    if (!type) throw errors.validation([{ field: eventType ? 'event_type' : 'event', message: 'give an event, or an event type whose example to use' }]);
    return {
      id: 'evt_preview', tenantId, idempotencyKey: null, type: type.name, occurredAt: at, receivedAt: at,
      dataJson: JSON.stringify(type.example ?? {}), actor: null, resource: null, previous: null, previousJson: null, changes: null, changesJson: null, deliveriesCount: 0,
      orderingKey: null,
    };
  }

  return {
    async preview(tenantId: string, webhook: PreviewWebhook, input?: EventIn, eventType?: string): Promise<PreviewResult> {
      const event = await sampleEvent(tenantId, webhook, input, eventType);
      const secret = webhook.secret ?? secretFromBytes(randomBytes(24)); // a draft has none yet
      const sample = { type: event.type, data: JSON.parse(event.dataJson) as unknown };
      try {
        // As delivering reads it: the webhook's own export key, else its tenant's.
        const tenantExportKey = (await store.tenants.get(tenantId))?.exportKey ?? null;
        const rendered = await renderBody({ ...webhook, tenantExportKey }, event, templates);
        const request = buildRequest({ webhook, secrets: [secret], rendered, msgId: 'dlv_preview', timestampS: Math.floor(now() / 1000) });
        return { request: { ...request, url: redactUrlPassword(request.url), headers: redactHeaders(request.headers, webhook.secretHeaders) }, event: sample, error: null };
      } catch (err) {
        if (!(err instanceof TemplateError)) throw err;
        return { request: { method: webhook.method, url: redactUrlPassword(webhook.url), headers: redactHeaders(webhook.headers, webhook.secretHeaders), body: '' }, event: sample, error: err.message };
      }
    },
  };
}
export type PreviewService = ReturnType<typeof previewService>;
