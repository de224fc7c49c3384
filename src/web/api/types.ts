// The page's view of the API, typed from the very zod schemas that validate requests and
// produce /openapi.json (type-only imports: nothing of the server is bundled).
import type { z } from 'zod';
import type { Problem } from '../../schemas/common.ts';
import type { ConditionCheckIn, ConditionCheckOut } from '../../schemas/conditions.ts';
import type { AttemptOut, DeliveryDetail, DeliveryOut, DeliveryPage, DeliveryQuery } from '../../schemas/deliveries.ts';
import type { EventTypeOut } from '../../schemas/event-types.ts';
import type { DraftPreviewIn, PreviewOut } from '../../schemas/preview.ts';
import type { MeOut, TenantOut, TenantPage } from '../../schemas/tenants.ts';
import type { RotatedOut, SecretOut, WebhookCreated, WebhookIn, WebhookOut, WebhookPatch } from '../../schemas/webhooks.ts';

export type Me = z.infer<typeof MeOut>;
export type Tenant = z.infer<typeof TenantOut>;
export type TenantList = z.infer<typeof TenantPage>;
export type EventType = z.infer<typeof EventTypeOut>;

export type Webhook = z.infer<typeof WebhookOut>;
export type NewWebhook = z.infer<typeof WebhookCreated>;
export type WebhookInput = z.input<typeof WebhookIn>;
export type WebhookChanges = z.input<typeof WebhookPatch>;
export type Secret = z.infer<typeof SecretOut>;
export type Rotated = z.infer<typeof RotatedOut>;
export type DraftPreviewInput = z.input<typeof DraftPreviewIn>;
export type Preview = z.infer<typeof PreviewOut>;
export type ConditionCheckInput = z.input<typeof ConditionCheckIn>;
export type ConditionCheck = z.infer<typeof ConditionCheckOut>;

export type Delivery = z.infer<typeof DeliveryOut>;
export type Deliveries = z.infer<typeof DeliveryPage>;
export type DeliveryFilter = Partial<Omit<z.input<typeof DeliveryQuery>, 'limit'>>;
export type DeliveryWithAttempts = z.infer<typeof DeliveryDetail>;
export type Attempt = z.infer<typeof AttemptOut>;

export type ProblemDetail = z.infer<typeof Problem>;
export type FieldError = NonNullable<ProblemDetail['errors']>[number];
