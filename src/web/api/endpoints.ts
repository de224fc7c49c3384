// Every API call the page makes, typed. Tenant-scoped calls are bound to one tenant.
import type { Client } from './client.ts';
import type {
  ConditionCheck, ConditionCheckInput, Deliveries, DeliveryFilter, DeliveryWithAttempts, Delivery, DraftPreviewInput, EventType,
  Me, NewWebhook, Preview, Rotated, Secret, Tenant, TenantList, Webhook, WebhookChanges, WebhookInput,
} from './types.ts';

const enc = encodeURIComponent;

function query(params: Record<string, string | number | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

export function accountApi(c: Client) {
  return {
    me: () => c.request<Me>('GET', '/v1/me'),
    tenants: (after?: string) => c.request<TenantList>('GET', `/v1/tenants${query({ after, limit: 500 })}`),
  };
}

export function tenantApi(c: Client, tenantId: string) {
  const base = `/v1/tenants/${enc(tenantId)}`;
  const hook = (id: string) => `${base}/webhooks/${enc(id)}`;
  return {
    tenantId,
    tenant: () => c.request<Tenant>('GET', base),
    eventTypes: async () => (await c.request<{ data: EventType[] }>('GET', '/v1/event-types')).data,
    checkCondition: (input: ConditionCheckInput) => c.request<ConditionCheck>('POST', '/v1/conditions/check', input),

    webhooks: async () => (await c.request<{ data: Webhook[] }>('GET', `${base}/webhooks`)).data,
    webhook: (id: string) => c.request<Webhook>('GET', hook(id)),
    createWebhook: (input: WebhookInput) => c.request<NewWebhook>('POST', `${base}/webhooks`, input),
    updateWebhook: (id: string, changes: WebhookChanges) => c.request<Webhook>('PATCH', hook(id), changes),
    deleteWebhook: (id: string) => c.request<null>('DELETE', hook(id)),
    secret: (id: string) => c.request<Secret>('GET', `${hook(id)}/secret`),
    rotateSecret: (id: string) => c.request<Rotated>('POST', `${hook(id)}/rotate-secret`, {}),
    testWebhook: (id: string, eventType?: string) => c.request<DeliveryWithAttempts>('POST', `${hook(id)}/test`, eventType ? { event_type: eventType } : {}),
    previewDraft: (input: DraftPreviewInput) => c.request<Preview>('POST', `${base}/webhooks/preview`, input),

    deliveries: (filter: DeliveryFilter) => c.request<Deliveries>('GET', `${base}/deliveries${query({ ...filter, limit: 25 })}`),
    delivery: (id: string) => c.request<DeliveryWithAttempts>('GET', `${base}/deliveries/${enc(id)}`),
    resend: (id: string) => c.request<Delivery>('POST', `${base}/deliveries/${enc(id)}/resend`, {}),
  };
}
export type TenantApi = ReturnType<typeof tenantApi>;
